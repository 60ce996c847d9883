from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

from core.security import log_security_event
from opinions import ratelimit

from .api_problems import problem_response

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


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class ApiMiddleware:
    """What every answer under /api/ gets: CORS for reading from any site, a per-client rate
    limit, an ETag over the body, and 304 Not Modified when the client's copy is current
    (If-None-Match, or If-Modified-Since against the Last-Modified a router set)."""

    ALLOWED_METHODS = "GET, HEAD, OPTIONS"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(settings.API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = self.ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            return self._cors(response)
        if _has_nul(request):
            # PostgreSQL refuses NUL in a text parameter: no query ever sees one.
            return self._cors(problem_response(400, "Invalid parameter", "NUL character"))
        decision = ratelimit.register_submission(
            request,
            scope="api",
            limit=settings.API_RATE_LIMIT,
            window=settings.API_RATE_WINDOW_SECONDS,
        )
        if not decision.allowed:
            response = problem_response(
                429, "Too many requests", f"Try again in {decision.retry_after} s."
            )
            response["Retry-After"] = str(decision.retry_after)
            return self._cors(response)
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response = self._conditional(request, response)
        elif response.status_code == 404 and not response.get("Content-Type", "").startswith(
            ("application/json", "application/problem+json")
        ):
            # A path no router has (Django's own 404 page): problem details too.
            response = problem_response(404, "Not found")
        return self._cors(response)

    @staticmethod
    def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.streaming and not response.has_header("ETag"):
            set_response_etag(response)
        response.setdefault("Cache-Control", "public, max-age=60")
        last_modified = response.get("Last-Modified")
        conditional = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            response=response,
        )
        return conditional or response

    @staticmethod
    def _cors(response: HttpResponse) -> HttpResponse:
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        return response
