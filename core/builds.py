"""What background builders of every app share: a lock that tells a live builder from a
dead one, one consistent snapshot of the database for all the reads of a build, and the
claim, progress and failure of a build of one row (`run_build`).

The lock is released when its holder ends, even by SIGKILL (the database closes the session; the
kernel closes the file), so a task redelivered while the first is still working does
nothing, and one redelivered after its worker was killed takes over at once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)


# The two keys of a build's advisory lock: the database's name with the namespace, the row.
LOCK_KEY = "hashtext(current_database() || ':' || %s::text), %s::int"


@contextmanager
def builder_lock(*, kind: str, namespace: int, pk: int) -> Iterator[bool]:
    """True while this process is the only live builder of the `kind` row `pk`.

    PostgreSQL: an advisory lock on the build's connection, keyed by the database's name
    with `namespace` (which keeps each kind's locks apart) and by `pk`; elsewhere a `flock`
    on a file under VAR_DIR. Advisory locks belong to the whole server, not to a database:
    without its name, a build of row 1 in one database (staging beside production, or the
    test databases of two test processes) would pass for a build of row 1 in another.
    """
    if connection.vendor == "postgresql":
        params: tuple[str, int] = (str(namespace), pk % 2**31)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_try_advisory_lock({LOCK_KEY})", params)
            row = cursor.fetchone()
        locked = bool(row and row[0])
        try:
            yield locked
        finally:
            if locked:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT pg_advisory_unlock({LOCK_KEY})", params)
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


# --- A build of one immutable version -------------------------------------------------------
# A row that a background job builds (a thematic report, a consultation report) has the fields
# status ("queued", "building", "built", "failed"), started_at, built_at, progress,
# progress_note and error. The builder claims it by an UPDATE whose new started_at is its
# token; every later write is conditional on that token, so a builder whose claim was taken
# over (its worker seemed dead and the task was redelivered) writes nothing.

QUEUED, BUILDING, BUILT, FAILED = "queued", "building", "built", "failed"
ProgressCallback = Callable[[int, str], None]


class ClaimLost(Exception):
    """Another build took the row over; this one stops quietly and writes nothing."""


@dataclass(frozen=True)
class BuildNotes:
    """The progress notes a kind of build writes when it starts, ends and fails."""

    started: str = "started"
    done: str = "done"
    failed: str = "failed"


def claim(model: type[models.Model], pk: int, *, note: str) -> dt.datetime | None:
    """Mark the row building; its new `started_at` is this build's token (None: built
    already, or gone).

    Only called with the builder lock held, so a row marked building has no live builder:
    its worker was killed (a redelivered task then takes over at once, not after the task
    time limit). Should two builders ever both get here, the first one's token no longer
    matches and it stops at its next progress note, writing nothing.
    """
    now = timezone.now()
    updated = model._default_manager.filter(pk=pk, status__in=[QUEUED, FAILED, BUILDING]).update(
        status=BUILDING, started_at=now, built_at=None, progress=0, progress_note=note, error=""
    )
    return now if updated else None


def still_claimed(model: type[models.Model], pk: int, token: dt.datetime) -> QuerySet[Any]:
    """The row, as long as this build's claim holds (for the conditional UPDATEs)."""
    return model._default_manager.filter(pk=pk, status=BUILDING, started_at=token)


class Progress:
    """Progress written by conditional UPDATEs that commit at once (outside the result's
    transaction), so the page polling it sees them; a lost claim stops the build."""

    def __init__(
        self,
        model: type[models.Model],
        pk: int,
        token: dt.datetime,
        callback: ProgressCallback | None,
    ) -> None:
        self.model = model
        self.pk = pk
        self.token = token
        self.callback = callback

    def __call__(self, percent: int, note: str) -> None:
        updated = still_claimed(self.model, self.pk, self.token).update(
            progress=percent, progress_note=note
        )
        if not updated:
            raise ClaimLost
        if self.callback is not None:
            self.callback(percent, note)


def mark_failed(
    model: type[models.Model], pk: int, token: dt.datetime, error: Exception, *, note: str
) -> None:
    reason = f"{type(error).__name__}: {error}".strip()
    still_claimed(model, pk, token).update(status=FAILED, error=reason[:2000], progress_note=note)


def run_build(
    model: type[M],
    pk: int,
    *,
    kind: str,
    namespace: int,
    work: Callable[[dt.datetime, Progress], None],
    on_progress: ProgressCallback | None = None,
    notes: BuildNotes = BuildNotes(),
) -> M:
    """Build one row with `work(token, progress)`. A row that is built, or being built by a
    live process, is left alone (a second run is a no-op); a failure marks it failed with
    why. Returns the row as it is afterwards."""
    with builder_lock(kind=kind, namespace=namespace, pk=pk) as held:
        if not held:
            logger.info("%s %s is being built by another process", kind, pk)
            return model._default_manager.get(pk=pk)
        token = claim(model, pk, note=notes.started)
        if token is None:
            return model._default_manager.get(pk=pk)
        progress = Progress(model, pk, token, on_progress)
        try:
            work(token, progress)
            if on_progress is not None:
                on_progress(100, notes.done)
        except ClaimLost:
            logger.warning("%s %s was taken over by another build", kind, pk)
        except Exception as error:
            logger.exception("building %s %s failed", kind, pk)
            mark_failed(model, pk, token, error, note=notes.failed)
    return model._default_manager.get(pk=pk)
