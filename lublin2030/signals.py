"""Account events for the security log, and the staff mark and the person's panel on a
session at log-in."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.http import HttpRequest

from core.roles import is_staff_member
from core.security import log_security_event

from .landing import ROLES_KEY as PANEL_ROLES
from .landing import SESSION_KEY as PANEL_SESSION
from .landing import panel_url_for, roles_signature
from .middleware import LAST_SEEN, STAFF_SESSION
from .models import User


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    staff = bool(is_staff_member(user))
    if staff and request is not None and hasattr(request, "session"):
        request.session[STAFF_SESSION] = True
        request.session[LAST_SEEN] = int(time.time())
    if request is not None and hasattr(request, "session"):
        # The header's "My panel" link reads it on every page (lublin2030/landing.py).
        request.session[PANEL_SESSION] = panel_url_for(user)
        request.session[PANEL_ROLES] = roles_signature(user)
    log_security_event("login", request=request, user=user, staff=staff)


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    log_security_event("logout", request=request, user=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The name tried is not logged: it may be a mistyped password.
    log_security_event("login failed", request=request)


def on_roles_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        log_security_event(
            "roles changed", target_user=getattr(instance, "pk", None), action=action,
            groups=sorted(pk_set or ()),
        )  # fmt: skip


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="security-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="security-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="security-login-failed")
    m2m_changed.connect(on_roles_changed, sender=User.groups.through, dispatch_uid="security-roles")
