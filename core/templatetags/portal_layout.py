"""The site's layout pieces that every app's pages share.

`{% breadcrumbs %}<li>…</li>{% endbreadcrumbs %}`: the page's crumbs, each an <li> written
by the page (its link, `aria-current="page"` on the page itself), placed in the one trail
of templates/partials/breadcrumbs.html. A block tag rather than an include because Django's
include cannot take a list, and the crumbs need `{% url %}`, `{% translate %}` and filters.

`{% lang_pl area %}` / `{% lang_pl %}`: ` lang="pl"` on an element whose text is Polish on a
page in another language (core/language.py); `{% polish area.localized_name area %}` the text
itself in such a span.

`{% may "opinions.moderate_opinion" user as can_moderate %}`: whether the `rules` permission
holds for the user, asked of the rules alone. The menu of every page asks nine such questions;
through `user.has_perm` each no also went to Django's ModelBackend, which loaded the user's
and their groups' model permissions (two queries on every signed-in page) to find what it can
never hold: these permissions are rules, not model permissions. Only for `rules` permissions.

`page|elided_pages`: the page numbers to link around a page of a list, "…" where some are
left out (Django's `Paginator.ELLIPSIS`), for templates/partials/pagination.html.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import template
from django.core.paginator import Page
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString
from rules import has_perm as rules_allow

from core.language import lang_attribute, polish_span

register = template.Library()

TRAIL_TEMPLATE = "partials/breadcrumbs.html"


@register.simple_tag
def may(permission: str, user: Any) -> bool:
    # As User.has_perm: an active superuser may do anything, and nothing is asked.
    if getattr(user, "is_active", False) and getattr(user, "is_superuser", False):
        return True
    return bool(rules_allow(permission, user))


class BreadcrumbsNode(template.Node):
    def __init__(self, crumbs: NodeList) -> None:
        self.crumbs = crumbs

    def render(self, context: Context) -> SafeString:
        trail = context.template.engine.get_template(TRAIL_TEMPLATE)  # type: ignore[union-attr]
        # The crumbs are rendered (and escaped) here, in the page's context: the trail only
        # places them.
        with context.push(crumbs=self.crumbs.render(context)):
            return trail.render(context)


@register.tag
def breadcrumbs(parser: Parser, token: Token) -> BreadcrumbsNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% breadcrumbs %} takes no arguments.")
    crumbs = parser.parse(("endbreadcrumbs",))
    parser.delete_first_token()
    return BreadcrumbsNode(crumbs)


@register.filter
def elided_pages(page: Page[Any]) -> Iterator[str | int]:
    return page.paginator.get_elided_page_range(page.number, on_each_side=2)


@register.simple_tag(takes_context=True)
def current_page(context: Context, *view_names: str, section: bool = False) -> SafeString:
    """The main menu's mark of where the visitor is: ` aria-current="page"` on a link to the
    page shown (the first view named), ` aria-current="true"` on a link to the section the
    page belongs to (the other views: a list's detail pages; all of them with `section`)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in view_names:
        return SafeString("")
    if match.view_name == view_names[0] and not section:
        return SafeString(' aria-current="page"')
    return SafeString(' aria-current="true"')


@register.simple_tag
def lang_pl(obj: Any = None, field: str = "name") -> SafeString:
    return lang_attribute(obj, field)


@register.simple_tag
def polish(text: Any, obj: Any = None, field: str = "name") -> SafeString | str:
    return polish_span(text, obj, field)
