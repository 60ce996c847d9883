"""Where each person's own work is: the page they land on after logging in, and the
"Mój panel" link of the header.

The header shows the link on every page, so its address is worked out once, when the
person logs in, and kept in their session: a page reads it from the session it loads
anyway. A session older than this module gets it on its first page. It is kept with the
staff roles it was worked out for, and worked out again when an administrator has given or
taken a role since: the roles are read with the group query the header's menu makes
anyway (`rules` keeps its answer on the user for the request), so this costs no query.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core.http import signed_in_user
from core.roles import (
    EDITORS,
    MODERATORS,
    VERIFIERS,
    is_editor,
    is_moderator,
    is_superuser,
    is_verifier,
)
from workgroups.models import Membership

from .models import User

SESSION_KEY = "my_panel_url"
ROLES_KEY = "my_panel_roles"


def roles_signature(user: Any) -> list[bool]:
    """Which staff roles the person has, as the panel depends on them."""
    if is_superuser(user):
        # An administrator's rights need no query of groups (Django's has_perm neither).
        return [True]
    predicates = (is_editor, is_moderator, is_verifier)
    return [bool(predicate(user)) for predicate in predicates]


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
    user = signed_in_user(request)
    url = panel_url_for(user)
    request.session[SESSION_KEY] = url
    request.session[ROLES_KEY] = roles_signature(user)
    return url


def my_panel_url(request: HttpRequest) -> str | None:
    """The header's link: None for a visitor; from the session for everyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    url = request.session.get(SESSION_KEY)
    if not isinstance(url, str) or request.session.get(ROLES_KEY) != roles_signature(user):
        url = remember_panel(request)
    return url
