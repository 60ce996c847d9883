"""The Django admin's log-in page, throttled like allauth's: after ADMIN_LOGIN_FAILURES wrong
passwords from one address within ADMIN_LOGIN_WINDOW seconds, further attempts from it are
refused (429) until the window ends, the right password included."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.security import log_security_event
from opinions.ratelimit import client_address

ADMIN_LOGIN_FAILURES = 5
ADMIN_LOGIN_WINDOW = 300


def _failures_key(request: HttpRequest) -> str:
    return f"admin-login-failures:{client_address(request)}"


@never_cache
def throttled_admin_login(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    key = _failures_key(request)
    if int(cache.get(key) or 0) >= ADMIN_LOGIN_FAILURES:
        log_security_event("admin login throttled", request=request)
        response = HttpResponse(
            _("Too many failed log-in attempts. Try again in a few minutes."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(ADMIN_LOGIN_WINDOW)
        return response
    response = admin.site.login(request, **kwargs)
    if response.status_code == 200:  # the form again: a wrong name or password
        cache.add(key, 0, timeout=ADMIN_LOGIN_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=ADMIN_LOGIN_WINDOW)
    return response
