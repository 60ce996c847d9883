from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from core.security import log_security_event

# Session keys of the staff idle timeout (set at log-in: lublin2030.signals).
STAFF_SESSION = "_staff_session"
LAST_SEEN = "_last_seen"
# The last-seen time is written at most this often: not a session write per request.
LAST_SEEN_RESOLUTION = 60


class PolishFirstLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that the browser's Accept-Language is ignored.

    A city portal speaks Polish to everyone unless they choose another language with the
    switch (which sets the language cookie): a visitor whose browser asks for English
    still lands on the city's default language first.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not send (Content-Security-Policy,
    Permissions-Policy), and a line in the security log for every refusal (403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if response.status_code == 403:
            log_security_event("refused", request=request, path=request.path)
        return response


class StaffIdleTimeoutMiddleware:
    """A staff member's session ends after STAFF_IDLE_SECONDS without a request.

    Only sessions marked as staff at log-in are timed (residents stay signed in as Django's
    session age allows); the request that comes too late is served as anonymous, so a staff
    page sends the person to log in again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.get(STAFF_SESSION):
            now = int(time.time())
            last_seen = int(session.get(LAST_SEEN, now))
            if now - last_seen > settings.STAFF_IDLE_SECONDS:
                log_security_event("staff session expired", request=request)
                logout(request)
            elif now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN] = now
        return self.get_response(request)
