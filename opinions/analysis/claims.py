"""One analysis run at a time across processes: a short lease in the cache (atomic SET NX on
Redis), kept alive by a heartbeat while the run works.

A run killed mid-way (a worker's SIGKILL, a lost machine) stops renewing its lease, so the
claim lapses within LEASE_SECONDS and the next run (beat sends one every half minute)
works. A run that finds the claim taken does not send itself again: it asks the working run
to look once more when it is done (`ask_for_another_run`), so runs never spin while one
works. When the cache cannot be reached a run works anyway: two runs at once only repeat
each other's work.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connections, router

from opinions.models import Opinion

logger = logging.getLogger(__name__)

# How long a claim outlives the last heartbeat of its run.
LEASE_SECONDS = 30
# How often a working run renews its lease.
HEARTBEAT_SECONDS = 10.0


def _claim_key() -> str:
    # The database's name is part of the key: a test database and the real one (or the
    # bench) sharing a Redis must not hold each other's claims.
    database = connections[router.db_for_write(Opinion)].settings_dict["NAME"]
    return f"opinions:analysis-run:{database}"


def _again_key() -> str:
    return _claim_key() + ":again"


def claim_run() -> str | None:
    """A token if this run may work now, None if another run is working.

    (On the embedded file cache `add` is a look then a write, so two runs that start in
    the same instant may both work; on Redis it is one atomic SET NX.)
    """
    token = uuid.uuid4().hex
    try:
        return token if cache.add(_claim_key(), token, timeout=LEASE_SECONDS) else None
    except Exception:
        logger.warning("analysis claim unreachable; running without it")
        return token


def renew_run(token: str) -> bool:
    """Extend this run's lease; False if the claim is no longer this run's."""
    try:
        if cache.get(_claim_key()) != token:
            return False
        return bool(cache.touch(_claim_key(), timeout=LEASE_SECONDS))
    except Exception:
        logger.warning("analysis claim unreachable; its lease was not renewed")
        return False


def release_run(token: str) -> None:
    try:
        if cache.get(_claim_key()) == token:
            cache.delete(_claim_key())
    except Exception:
        logger.warning("analysis claim unreachable; it lapses in %d s", LEASE_SECONDS)


@contextmanager
def heartbeat(token: str, every: float | None = None) -> Iterator[None]:
    """Renew the lease every HEARTBEAT_SECONDS while the block runs."""
    stop = threading.Event()
    interval = HEARTBEAT_SECONDS if every is None else every

    def beat() -> None:
        while not stop.wait(interval):
            renew_run(token)

    thread = threading.Thread(target=beat, name="analysis-claim-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def ask_for_another_run() -> bool:
    """Tell the working run that opinions may have come after it looked; True if this is the
    first such request since the working run started (the caller then sends one run for
    when the lease lapses, in case the working run has died: only one, so nothing spins)."""
    try:
        return bool(cache.add(_again_key(), 1, timeout=LEASE_SECONDS * 2))
    except Exception:
        logger.warning("analysis claim unreachable; the periodic run will look")
        return False


def another_run_wanted() -> bool:
    """Whether a run asked for another while this one worked (and forget that it did)."""
    try:
        return bool(cache.delete(_again_key()))
    except Exception:
        return False
