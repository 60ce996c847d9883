"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's client builds a new `redis.Redis` for every cache operation, and redis-py's
constructor fills a table of some 170 response callbacks each time: a few tenths of a
millisecond per call, several times on every opinion submitted (rate limit, choice lists,
the analysis flag). A `redis.Redis` object only wraps its pool and is safe to share, so it
is built once per pool and reused.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
