"""Django's Redis cache, made cheaper per call and safe when Redis is down.

Cheaper: Django's client builds a new `redis.Redis` for every cache operation, and
redis-py's constructor fills a table of some 170 response callbacks each time: a few tenths
of a millisecond per call, several times on every opinion submitted (rate limit, choice
lists, the analysis flag). A `redis.Redis` object only wraps its pool and is safe to share,
so it is built once per pool and reused.

Safe when Redis is down: a resident's write must not fail because the cache did. When a
call cannot reach Redis, this process uses a memory cache of its own for OUTAGE_SECONDS
and then tries Redis again. Meanwhile what lives in the cache is per process: rate limits
count per web process (so a loop of requests is still slowed down), allauth's log-in
throttle likewise, the choice lists are read from the database, and two analysis runs may
overlap (they only repeat work). Calls wait at most SOCKET_TIMEOUT on a Redis that does not
answer, and only the first call of an outage waits at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# How long a process leaves Redis alone after a call failed.
OUTAGE_SECONDS = 5.0
# Connecting to, and waiting for an answer from, a Redis that is down or stuck.
SOCKET_CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 0.5
FALLBACK_MAX_ENTRIES = 10_000
UNREACHABLE = (RedisError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Private in django-stubs, public enough in Django itself (its own get_client).
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", SOCKET_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._fallback = LocMemCache(
            f"redis-fallback-{id(self)}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def redis_is_up(self) -> bool:
        """False while this process is using its own memory instead of Redis."""
        return time.monotonic() >= self._down_until

    def mark_down(self, error: BaseException) -> None:
        with self._lock:
            if self.redis_is_up:
                logger.warning(
                    "Redis cache unreachable (%s); this process uses its own memory for %.0f s",
                    error,
                    OUTAGE_SECONDS,
                )
            self._down_until = time.monotonic() + OUTAGE_SECONDS

    @property
    def fallback(self) -> LocMemCache:
        return self._fallback


def _redis_or_fallback(name: str) -> Callable[..., Any]:
    redis_method = getattr(RedisCache, name)

    def method(self: ReusedClientRedisCache, *args: Any, **kwargs: Any) -> Any:
        if self.redis_is_up:
            try:
                return redis_method(self, *args, **kwargs)
            except UNREACHABLE as error:
                self.mark_down(error)
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(ReusedClientRedisCache, _name, _redis_or_fallback(_name))
