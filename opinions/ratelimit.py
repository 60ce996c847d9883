"""How many opinions (and comments) one client may send in a while.

A fixed window per client, counted in Django's cache. On Redis one round trip does it: a
transaction that creates the window's counter with its expiry if it is missing (SET NX EX)
and counts (INCR). Other caches use `cache.add` to create the counter (atomic: only the first
request of a window creates it) and `cache.incr` to count (the embedded file cache does a
read and a write, which is close enough for one web process). Staff typing in opinions at
a mobile point share one tablet and one address, so people who may moderate are never
limited.

When Redis cannot be reached, counting goes on in each web process's own memory (the
cache falls back to it: lublin2030/cache.py): fail-open for the portal as a whole, still
limited per process, and no resident sees an error for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from redis.exceptions import RedisError

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_SECONDS = 3600
EXEMPT_PERMISSION = "opinions.moderate_opinion"


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


def limit_and_window() -> tuple[int, int]:
    limit = int(getattr(settings, "OPINION_RATE_LIMIT", DEFAULT_LIMIT))
    window = int(getattr(settings, "OPINION_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))
    return limit, max(window, 1)


def client_address(request: HttpRequest) -> str:
    """The client's address; behind N trusted proxies, the one the outermost proxy saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so
    with OPINION_TRUSTED_PROXIES = N the client is the N-th entry from the right (entries
    further left were sent by the client itself and could be anything). Without the
    setting, or with a header too short to hold N entries, REMOTE_ADDR is used.
    """
    proxies = int(getattr(settings, "OPINION_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def is_exempt(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.has_perm(EXEMPT_PERMISSION))


def register_submission(
    request: HttpRequest,
    *,
    scope: str = "opinion",
    limit: int | None = None,
    window: int | None = None,
    now: float | None = None,
) -> RateDecision:
    """Count one submission by this client; `allowed` is False once it is over the limit.

    Call it only for a submission that is about to be saved (a form that failed validation
    costs nothing), and refuse the submission when it is not allowed.
    """
    default_limit, default_window = limit_and_window()
    limit = default_limit if limit is None else limit
    window = default_window if window is None else max(window, 1)
    now = time.time() if now is None else now
    window_index = int(now // window)
    retry_after = max(int((window_index + 1) * window - now), 1)
    if is_exempt(request):
        return RateDecision(allowed=True, count=0, limit=limit, retry_after=0)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}:{window_index}"
    # The key expires a little after its window ends; a new window uses a new key.
    count = _count(key, timeout=retry_after + 60)
    return RateDecision(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


def _count(key: str, *, timeout: int) -> int:
    """Add one to the window's counter, creating it (with its expiry) if needed."""
    backend = caches["default"]
    if isinstance(backend, RedisCache) and getattr(backend, "redis_is_up", True):
        redis_key = backend.make_and_validate_key(key)
        try:
            client = backend._cache.get_client(redis_key, write=True)  # type: ignore[attr-defined]
            pipeline = client.pipeline(transaction=True)
            pipeline.set(redis_key, 0, ex=timeout, nx=True)
            pipeline.incr(redis_key)
            _created, count = pipeline.execute()
            return int(count)
        except (RedisError, OSError) as error:
            # Redis is down: count in this process's memory (lublin2030.cache) until it is
            # back, so a submission is never refused, or lost, for the cache's sake.
            mark_down = getattr(backend, "mark_down", None)
            if mark_down is None:
                raise
            mark_down(error)
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired between add and incr (the end of a window): start again.
        cache.add(key, 1, timeout=timeout)
        count = 1
    # The file cache's incr rewrites the entry with the default timeout (five minutes), which
    # would forget the count long before an hour's window ends; put the window's end back.
    cache.touch(key, timeout=timeout)
    return int(count)
