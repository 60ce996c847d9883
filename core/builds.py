"""What background builders of every app share: a lock that tells a live builder from a
dead one, and one consistent snapshot of the database for all the reads of a build.

The lock is released when its holder ends, even by SIGKILL (the database closes the session; the
kernel closes the file), so a task redelivered while the first is still working does
nothing, and one redelivered after its worker was killed takes over at once.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)


@contextmanager
def builder_lock(*, kind: str, namespace: int, pk: int) -> Iterator[bool]:
    """True while this process is the only live builder of the `kind` row `pk`.

    PostgreSQL: an advisory lock on the build's connection, keyed by `namespace` (which
    keeps each kind's locks apart) and `pk`; elsewhere a `flock` on a file under VAR_DIR.
    """
    if connection.vendor == "postgresql":
        key = (namespace << 32) | pk
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s::bigint)", [key])
            row = cursor.fetchone()
        locked = bool(row and row[0])
        try:
            yield locked
        finally:
            if locked:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s::bigint)", [key])
                except DatabaseError:
                    # The session is gone, and its lock with it.
                    logger.warning("could not release the lock of %s %s", kind, pk)
        return
    path = Path(settings.VAR_DIR) / "locks" / f"{kind}-{pk}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            locked = False
        else:
            locked = True
        try:
            yield locked
        finally:
            if locked:
                fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of the database for all reads of a build (PostgreSQL: a
    REPEATABLE READ, READ ONLY transaction; every statement sees the same rows). SQLite has
    none outside a write transaction (which would block every writer): callers check what
    they read and read again when it moved."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
