"""Request types and the signed-in person, for views of every app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    # Type-only: the concrete account model (AUTH_USER_MODEL) for the type checker.
    from lublin2030.models import User

    class HtmxHttpRequest(HttpRequest):
        htmx: HtmxDetails

else:
    HtmxHttpRequest = HttpRequest


def signed_in_user(request: HttpRequest) -> User:
    """The person signed in; for views behind a permission that needs one."""
    return cast("User", request.user)


def user_or_none(request: HttpRequest) -> User | None:
    """The person signed in, or None for an anonymous visitor."""
    return cast("User", request.user) if request.user.is_authenticated else None


def is_htmx_fragment_request(request: HtmxHttpRequest) -> bool:
    """True when htmx asks for a fragment; a history restore (the back button after htmx
    changed the URL) needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The page a form came back from (its `next` field) when it is on this site, else
    `default`: a crafted `next` never sends anyone to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
