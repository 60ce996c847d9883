"""Where each person's own work is: the page they land on after logging in, and the
"Mój panel" link of the header.

The header shows the link on every page, so its address is worked out once, when the
person logs in, and kept in their session: a page reads it from the session it loads
anyway, without a query. A session older than this module gets it on its first page.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from core.http import signed_in_user
from core.roles import EDITORS, MODERATORS, VERIFIERS
from workgroups.models import Membership

from .models import User

SESSION_KEY = "my_panel_url"


def panel_url_for(user: User) -> str:
    """The page where `user`'s work waits: two queries at most (groups, membership)."""
    if user.is_superuser:
        return reverse("dashboard")
    groups = set(user.groups.values_list("name", flat=True))
    if EDITORS in groups:
        return reverse("dashboard")
    if MODERATORS in groups:
        return reverse("opinions:moderation_queue")
    if VERIFIERS in groups:
        return reverse("workgroups:verification_queue")
    slug = (
        Membership.objects.active().filter(user=user).values_list("group__slug", flat=True).first()
    )
    if slug:
        return reverse("workgroups:workspace", kwargs={"slug": slug})
    return reverse("mine")


def remember_panel(request: HttpRequest) -> str:
    """Work out the signed-in person's panel and keep it in the session."""
    url = panel_url_for(signed_in_user(request))
    request.session[SESSION_KEY] = url
    return url


def my_panel_url(request: HttpRequest) -> str | None:
    """The header's link: None for a visitor; from the session for everyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    url = request.session.get(SESSION_KEY)
    if not isinstance(url, str):
        url = remember_panel(request)
    return url
