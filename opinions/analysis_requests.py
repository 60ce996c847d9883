"""Asking the worker to analyse new opinions: one task for a burst of submissions.

Every opinion sent through a form needs its analysis (lemmas, suggested area,
near-duplicates), in a Celery task after its commit, never in the request. Publishing one
task per opinion cost each submission about as much as its own INSERT (building the message,
two broker round trips), and the worker then opened a transaction per opinion.

Instead each web process sends a run with a short delay (RUN_DELAY) and, until that run is
due, sends no other: opinions committed meanwhile are committed before the run looks for
unanalysed opinions, so it finds them. A submission that comes when no run of its process is
pending (or one is about to start) sends the next. So a process sends at most one task per
RUN_DELAY, whatever the load, and asks nothing of Redis or the database to decide.

Nothing is lost when something fails: the opinion is already committed; a failed send
leaves no run pending, so the next submission tries again; and the periodic catch-up job
(`opinions.tasks.analyse_backlog`) analyses whatever a lost task, or a worker whose clock
runs more than CLOCK_MARGIN ahead of the web server's, left behind.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import transaction

logger = logging.getLogger(__name__)

TASK = "opinions.tasks.analyse_submitted_opinions"
RUN_DELAY = 1.0
# A pending run due this soon may already be looking (clocks differ a little): send another.
CLOCK_MARGIN = 0.25

_lock = threading.Lock()
# When this process's last run becomes due (time.time()); 0 when none is pending.
_pending_run_due = 0.0


def request_analysis() -> None:
    """Make sure an analysis run looks for this transaction's opinions after it commits."""
    transaction.on_commit(_send_unless_one_is_due)


def _send_unless_one_is_due() -> None:
    global _pending_run_due
    with _lock:
        now = time.time()
        if _pending_run_due - CLOCK_MARGIN > now:
            return  # the pending run has not started looking; it will find this opinion
        from lublin2030.celery import app

        try:
            # Results are written to the database, never read from the result backend.
            app.send_task(TASK, countdown=RUN_DELAY, ignore_result=True)
        except Exception:
            logger.exception("could not enqueue %s; the catch-up job will do it", TASK)
            _pending_run_due = 0.0
            return
        _pending_run_due = now + RUN_DELAY


def forget_pending_run() -> None:
    """Act as if no run were pending (a new process; tests start each from here)."""
    global _pending_run_due
    with _lock:
        _pending_run_due = 0.0
