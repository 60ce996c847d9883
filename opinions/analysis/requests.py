"""Asking the worker to analyse new opinions: one task for a burst of submissions.

Every opinion sent through a form needs its analysis (lemmas, suggested area,
near-duplicates), in a Celery task after its commit, never in the request. Publishing one
task per opinion cost each submission about as much as its own INSERT (building the message,
two broker round trips), and the worker then opened a transaction per opinion.

Instead each web process sends a run with a short delay (RUN_DELAY) and, until that run is
due, sends no other: opinions committed meanwhile are committed before the run looks for
unanalysed opinions, so it finds them. A submission that comes when no run of its process is
pending (or one is about to start) sends the next. So a process sends at most one task per
RUN_DELAY, whatever the load, and asks nothing of Redis or the database to decide. A run
takes every unanalysed opinion sent through a form, not only its own process's.

Runs from several processes fall due together; only one works at a time (claims.py), and
one that finds another working asks it to look once more when it is done, when it will
find what it did not see before.

Nothing is lost when something fails: the opinion is already committed; a failed send makes
the process wait SEND_RETRY_DELAY before trying the broker again (any later run still takes
this opinion); and beat's run every half minute and the periodic catch-up job
(`analyse_backlog`) analyse whatever a lost task, or a worker whose clock runs more than
CLOCK_MARGIN ahead of the web server's, left behind.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import transaction

from core.tasks import send_now
from opinions.analysis.tasks import RUN_DELAY, analyse_submitted_opinions

logger = logging.getLogger(__name__)

TASK = analyse_submitted_opinions.name
# A pending run due this soon may already be looking (clocks differ a little): send another.
CLOCK_MARGIN = 0.25
# After the broker refused a run: wait this long before asking it again (each attempt may
# take its connection timeout, and the request that makes it waits).
SEND_RETRY_DELAY = 10.0

# The process's own clock for "is a run pending" (monotonic: a clock set back by NTP must
# not stop the sending); tests replace it.
clock: Callable[[], float] = time.monotonic

_lock = threading.Lock()
# When this process's last run becomes due, on `clock`; 0 when none is pending.
_pending_run_due = 0.0


def request_analysis() -> None:
    """Make sure an analysis run looks for this transaction's opinions after it commits."""
    transaction.on_commit(_send_unless_one_is_due)


def _send_unless_one_is_due() -> None:
    global _pending_run_due
    with _lock:
        now = clock()
        if _pending_run_due - CLOCK_MARGIN > now:
            return  # the pending run has not started looking; it will find this opinion
        # Taken before sending, so the process's other threads do not wait on the broker.
        _pending_run_due = now + RUN_DELAY
    if not send_now(
        analyse_submitted_opinions, countdown=RUN_DELAY, fallback="the catch-up job will do it"
    ):
        with _lock:
            _pending_run_due = clock() + SEND_RETRY_DELAY


def forget_pending_run() -> None:
    """Act as if no run were pending (a new process; tests start each from here)."""
    global _pending_run_due
    with _lock:
        _pending_run_due = 0.0
