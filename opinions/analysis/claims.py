"""One analysis run at a time across processes: a claim in the cache (atomic SET NX on
Redis). When the cache cannot be reached a run works anyway: two runs at once only repeat
each other's work."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connections, router

from opinions.models import Opinion

logger = logging.getLogger(__name__)

# How long a run may hold the claim; only a run killed mid-way leaves it this long.
RUN_CLAIM_SECONDS = 600


def _claim_key() -> str:
    # The database's name is part of the key: a test database and the real one (or the
    # bench) sharing a Redis must not hold each other's claims.
    database = connections[router.db_for_write(Opinion)].settings_dict["NAME"]
    return f"opinions:analysis-run:{database}"


def claim_run() -> str | None:
    """A token if this run may work now, None if another run is working.

    When the cache cannot be reached the run works anyway: two runs at once only repeat
    each other's work. (So do two that start in the same instant on the embedded file
    cache, whose `add` is a look then a write; on Redis it is one atomic SET NX.)
    """
    token = uuid.uuid4().hex
    try:
        return token if cache.add(_claim_key(), token, timeout=RUN_CLAIM_SECONDS) else None
    except Exception:
        logger.warning("analysis claim unreachable; running without it")
        return token


def release_run(token: str) -> None:
    try:
        if cache.get(_claim_key()) == token:
            cache.delete(_claim_key())
    except Exception:
        logger.warning("analysis claim unreachable; it lapses in %d s", RUN_CLAIM_SECONDS)
