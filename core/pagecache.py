"""Public read pages cached for anonymous visitors, a few seconds, per language.

A resident who is not signed in reads the same list, search, opinion, stage or report page
as every other such resident, so the page is rendered once and served from the cache
(Redis in production) for PAGE_CACHE_SECONDS. What can never reach another person:

- only a GET or HEAD with no cookie but the CSRF and the language cookies is served from or
  stored in the cache (no session, so nobody signed in and no session data; no message;
  no cookie that says who supported what), or with a cookie of
  settings.PAGE_CACHE_NEUTRAL_COOKIES on a page that does not read it (the `visitor` id is
  read by an opinion's page only, to show whether this browser supports it: with it, the
  lists, searches and every other cached page are still served from the cache, which
  otherwise a resident would lose for good on opening their first opinion);
- a response is stored only if it is a 200 that sets no cookie, wrote nothing to a session,
  added no message, is not for a signed-in user and is not marked private or no-store;
- every page has forms with a CSRF token (the language switch at least): the stored copy
  has a placeholder where the token was (every token the visitor's secret unmasks to is
  found and replaced; a page that still holds the secret is not stored), and each visitor
  served from the cache gets a token of their own, and the cookie with it, from Django's
  CSRF middleware as on any page.
- a page that gives each visitor something of their own does so through `per_copy()`: a
  cookie (the opinions' `visitor` id) is set afresh on every copy served, never stored, and
  a one-time form value (a submission nonce) is a placeholder in the stored copy that each
  copy served fills with a new one;
- only the views named in settings.PAGE_CACHE_VIEWS are cached (patterns of URL names).

Pages are keyed by language, path and query string and the htmx header; each copy records
the generation it was rendered in: every successful write request (POST, PUT, PATCH,
DELETE) and every call of `invalidate()` (for writes done elsewhere, in Celery tasks or
commands) starts a new generation, so a write is seen on the next page rendered. Writes that
do not go through a request show within PAGE_CACHE_SECONDS at the latest. The exception:
writes through the views named in settings.PAGE_CACHE_PRIVATE_WRITES, which change no page
the cache holds (an answer or a comment waits for moderation; a sign-in or a language
changes only the visitor's own session): a resident's answer does not throw away every
copy at the moment thousands of them are being sent.

No stampede: when a copy has expired or is of an older generation, the first request to
find it takes a short lock (`cache.add`) and renders the page again; the requests that
arrive while it renders are served that previous copy (X-Page-Cache: stale) instead of all
rendering the same page at once, which is what made the slowest 1% of a page wait at eight
connections. A previous copy is served so only while another request renders the page, and
only if it is younger than PAGE_CACHE_SECONDS + PAGE_CACHE_STALE_SECONDS; without one, each
request renders as if there were no cache. The lock lasts PAGE_CACHE_STALE_SECONDS at most
(a render that died), and is per generation, so a write made during a render is not hidden
behind it.

When the cache fails (Redis down), pages are rendered as if there were no cache.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import (  # type: ignore[attr-defined]  # not in django-stubs
    CSRF_ALLOWED_CHARS,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
    get_token,
)
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import cc_delim_re

logger = logging.getLogger(__name__)

T = TypeVar("T")

GENERATION_KEY = "pagecache:generation"
SAFE_METHODS = ("GET", "HEAD")
CACHE_HEADER = "X-Page-Cache"
TOKEN_PLACEHOLDER = "__page_cache_csrf_token__"  # noqa: S105 - not a secret
NONCE_PLACEHOLDER = "__page_cache_nonce_{}__"
PER_COPY_ATTRIBUTE = "page_cache_per_copy"
TOKEN_CANDIDATE = re.compile(
    rf"(?<![{CSRF_ALLOWED_CHARS}])[{CSRF_ALLOWED_CHARS}]{{{CSRF_TOKEN_LENGTH}}}"
    rf"(?![{CSRF_ALLOWED_CHARS}])"
)


def _first_generation() -> int:
    """A generation to start from when there is none (the first request, or the cache lost
    the key): the time, so a count started anew never meets a copy stored under an earlier
    count's same number."""
    return time.time_ns()


def invalidate() -> None:
    """Start a new generation: no page cached before this call is served again."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or it expired)
        cache.set(GENERATION_KEY, _first_generation(), timeout=None)
    except Exception:
        logger.warning("page cache: could not start a new generation", exc_info=True)


def shared_until_written(key: str, compute: Callable[[], T]) -> T:
    """`compute()`'s value, shared by every request (signed in or not) until the next write
    that starts a new generation, and for PAGE_CACHE_SECONDS at most: the freshness of the
    anonymous pages, for data that is the same for everyone who may read it (a search's
    ranked results among the published opinions). Computed anew when the cache fails."""
    if not settings.PAGE_CACHE_SECONDS:
        return compute()
    stored_key = f"pagecache:shared:{key}"
    try:
        generation, stored = _generation_and_copy(stored_key)
    except Exception:
        logger.warning("page cache: unreachable, computing", exc_info=True)
        return compute()
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == generation:
        return cast(T, stored[1])
    # The generation was read before computing: a write made meanwhile starts a newer one,
    # so what is stored here is not served after it.
    value = compute()
    try:
        cache.set(stored_key, (generation, value), timeout=settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("page cache: could not share a value", exc_info=True)
    return value


# --- What each visitor gets of their own on a cacheable page -------------------------------

PerCopyStep = Callable[[HttpRequest, HttpResponse], None]
_STEPS: dict[str, tuple[PerCopyStep, frozenset[str]]] = {}


def register_per_copy_step(name: str, step: PerCopyStep, *, cookies: set[str]) -> None:
    """A step (a higher app's, registered in its `ready()`) that gives the visitor a cookie of
    their own: done on the page as rendered and again on every copy served from the cache;
    the cookies it may set are named, and never stored."""
    _STEPS[name] = (step, frozenset(cookies))


def per_copy(
    request: HttpRequest,
    response: HttpResponse,
    *,
    steps: tuple[str, ...] = (),
    nonces: tuple[str, ...] = (),
) -> None:
    """Give this visitor their own part of the page: the registered `steps` are done now and
    on each copy served from the cache; each of the `nonces` (one-time values written in the
    page, UUIDs) is replaced by a new UUID in each copy served."""
    for name in steps:
        _STEPS[name][0](request, response)
    setattr(response, PER_COPY_ATTRIBUTE, {"steps": steps, "nonces": nonces})


def _per_copy_of(response: HttpResponse) -> dict[str, tuple[str, ...]]:
    return getattr(response, PER_COPY_ATTRIBUTE, {"steps": (), "nonces": ()})


def _listed(view_name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(view_name, pattern) for pattern in patterns)


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in SAFE_METHODS:
        return False
    neutral = settings.PAGE_CACHE_NEUTRAL_COOKIES
    others = set(request.COOKIES) - {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    if not others <= neutral.keys():
        return False
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return False
    if not _listed(view_name, settings.PAGE_CACHE_VIEWS):
        return False
    # A neutral cookie is one only the views named with it read.
    return not any(_listed(view_name, neutral[name]) for name in others)


def _changed_public_pages(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a request may have changed what a cached page shows: a successful write, not
    through one of the views that change no public page."""
    if request.method in SAFE_METHODS or response.status_code >= 400:
        return False
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    return not view_name or not any(
        fnmatch.fnmatchcase(view_name, pattern) for pattern in settings.PAGE_CACHE_PRIVATE_WRITES
    )


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    own_cookies = {cookie for name in _per_copy_of(response)["steps"] for cookie in _STEPS[name][1]}
    if set(response.cookies) - own_cookies:
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.modified or not session.is_empty()):
        return False
    if getattr(getattr(request, "_messages", None), "added_new", False):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    directives = {
        part.strip().split("=")[0].lower()
        for part in cc_delim_re.split(response.headers.get("Cache-Control", ""))
    }
    return not directives & {"private", "no-store", "no-cache"}


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    htmx = request.headers.get("HX-Request", "")
    return f"pagecache:{translation.get_language()}:{htmx}:{request.method}:{digest}"


def _generation_and_copy(key: str) -> tuple[int, dict[str, Any] | None]:
    """The current generation and the stored copy of the page, in one round trip."""
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:  # the first request, or the cache was emptied
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return int(generation), found.get(key)


def _claim_render(key: str, generation: int) -> str | None:
    """The lock's key if this request may render the page again, None if another does."""
    lock = f"{key}:rendering:{generation}"
    try:
        claimed = cache.add(lock, 1, timeout=max(1, settings.PAGE_CACHE_STALE_SECONDS))
    except Exception:
        logger.warning("page cache: could not take the render lock", exc_info=True)
        return ""  # render, with no lock to release
    return lock if claimed else None


def _state(stored: dict[str, Any] | None, generation: int) -> str:
    """ "hit" for a fresh copy, "stale" for one that may stand in while the page is rendered
    again, "" for none."""
    if stored is None:
        return ""
    age = time.time() - stored.get("stored_at", 0.0)
    if stored.get("generation") == generation and 0 <= age < settings.PAGE_CACHE_SECONDS:
        return "hit"
    if age < settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS:
        return "stale"
    return ""


def _release(lock: str) -> None:
    try:
        cache.delete(lock)
    except Exception:
        logger.warning("page cache: could not release the render lock", exc_info=True)


class AnonymousPageCacheMiddleware:
    """Goes after the locale, session, CSRF, authentication and messages middleware (the
    language is part of the key; the CSRF middleware sets the cookie of the token a cached
    page is given); all of those are lazy, so a page from the cache costs no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PAGE_CACHE_SECONDS:
            return self.get_response(request)
        if not _cacheable_request(request):
            response = self.get_response(request)
            if _changed_public_pages(request, response):
                invalidate()
            return response
        key = _key(request)
        try:
            generation, stored = _generation_and_copy(key)
        except Exception:
            logger.warning("page cache: unreachable, rendering", exc_info=True)
            return self.get_response(request)
        lock: str | None = ""
        state = _state(stored, generation)
        if stored is not None and state == "hit":
            return _rebuilt(request, stored, "hit")
        if stored is not None and state == "stale":
            lock = _claim_render(key, generation)
            if lock is None:  # another request is rendering it: the previous copy meanwhile
                return _rebuilt(request, stored, "stale")
        try:
            return self._render_and_store(request, key, generation)
        finally:
            if lock:
                _release(lock)

    def _render_and_store(self, request: HttpRequest, key: str, generation: int) -> HttpResponse:
        response = self.get_response(request)
        page = _stored(request, response) if _storable(request, response) else None
        if page is not None:
            page |= {"generation": generation, "stored_at": time.time()}
            timeout = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS
            try:
                cache.set(key, page, timeout=timeout)
            except Exception:
                logger.warning("page cache: could not store a page", exc_info=True)
            response.headers[CACHE_HEADER] = "miss"
        return response


def _without_token(request: HttpRequest, html: str) -> str | None:
    """The page with the visitor's CSRF tokens replaced by the placeholder; None if any
    trace of the visitor's secret is left (or the placeholder was already there)."""
    secret = request.META.get("CSRF_COOKIE", "")
    if TOKEN_PLACEHOLDER in html:
        return None
    if not secret:
        return html

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        return TOKEN_PLACEHOLDER if _unmask_cipher_token(token) == secret else token

    html = TOKEN_CANDIDATE.sub(replace, html)
    return None if secret in html else html


def _stored(request: HttpRequest, response: HttpResponse) -> dict[str, Any] | None:
    charset = response.charset or "utf-8"
    try:
        html = _without_token(request, response.content.decode(charset))
    except UnicodeDecodeError:
        return None
    if html is None:
        return None
    per_copy = _per_copy_of(response)
    for index, nonce in enumerate(per_copy["nonces"]):
        html = html.replace(nonce, NONCE_PLACEHOLDER.format(index))
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    return {
        "content": html,
        "charset": charset,
        "headers": headers,
        "steps": per_copy["steps"],
        "nonces": len(per_copy["nonces"]),
    }


def _rebuilt(request: HttpRequest, stored: dict[str, Any], state: str) -> HttpResponse:
    html: str = stored["content"]
    if TOKEN_PLACEHOLDER in html:
        html = html.replace(TOKEN_PLACEHOLDER, get_token(request))
    for index in range(stored.get("nonces", 0)):
        html = html.replace(NONCE_PLACEHOLDER.format(index), str(uuid.uuid4()))
    response = HttpResponse(html.encode(stored["charset"]))
    for name, value in stored["headers"]:
        response.headers[name] = value
    for name in stored.get("steps", ()):
        _STEPS[name][0](request, response)
    response.headers[CACHE_HEADER] = state
    return response
