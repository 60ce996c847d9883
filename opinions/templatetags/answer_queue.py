"""The answer queue's rows (templates/opinions/answers/queue.html): each comment's label and
meta line, built in Python.

Fifty rows a page, each with a translated label, the section's label and shortened heading,
the channel's name and a date in words, took a third of the page's time as template tags
(some 700 translation look-ups a page). Their pieces repeat from row to row and page to
page (a consultation's sections, eight channels, a few hundred dates) and depend on nothing
of the request but its language, so each is built once per process and kept, as
`{% opinion_meta %}` keeps its own (opinion_lists.kept_piece). The text is the same as the
template's was: the same message ids, escaped the same way.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date, truncatechars
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext

from ..models import Opinion
from .opinion_lists import kept_piece

register = template.Library()


@register.simple_tag
def comment_label(comment: Opinion) -> SafeString:
    """'Comment #12 — §3.2 Heading…' (the checkbox's label)."""
    language = get_language()
    section = comment.section
    part = kept_piece(
        ("section", language, section.pk, section.label, section.heading)
        if section is not None
        else ("whole document", language),
        lambda: (
            format_html("{} {}", section.label, truncatechars(section.heading, 50))
            if section is not None
            else format_html("{}", gettext("the document as a whole"))
        ),
    )
    number = kept_piece(
        ("comment number", language),
        lambda: gettext("Comment #%(pk)s"),
    )
    # The number is an integer; `part` went through format_html.
    return mark_safe(f"{number % {'pk': comment.pk}}\n            — {part}")  # noqa: S308


@register.simple_tag
def comment_meta(comment: Opinion) -> SafeString:
    """The line under the label: the organisation (if any) · channel · date sent."""
    language = get_language()
    channel = kept_piece(
        ("channel", language, comment.channel),
        lambda: format_html("{}", comment.get_channel_display()),
    )
    # The day in the portal's time zone, as the template's `date` filter showed it.
    day = localtime(comment.created_at).date()
    sent = kept_piece(("day", language, day), lambda: format_html("{}", date(day, "j E Y")))
    organisation = (
        format_html("<strong>{}</strong> · ", comment.organisation) if comment.organisation else ""
    )
    return mark_safe(f'<p class="meta">{organisation}{channel} · {sent}</p>')  # noqa: S308
