"""Asking the worker to analyse new opinions: one task for a burst of submissions.

Every opinion sent through a form needs its analysis (lemmas, suggested area,
near-duplicates), in a Celery task after its commit, never in the request. Publishing one
task per opinion cost each submission about as much as its own INSERT (building the message,
two broker round trips), and the worker then opened a transaction per opinion. Instead a
submission raises a flag in the cache; only the one that raises it sends a task, and the
task lowers the flag *before* it looks for unanalysed opinions. So every opinion is either
committed before the task looks (it is found) or finds the flag down (it sends a new task):
none waits for more than one run, however many arrive together.

Nothing is lost when something fails: the opinion is already committed, the flag lapses
after FLAG_TIMEOUT if its task never ran (broker down, worker killed), and the periodic
catch-up job (`opinions.tasks.analyse_backlog`) analyses whatever is left.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connections, router, transaction

from .models import Opinion

logger = logging.getLogger(__name__)

TASK = "opinions.tasks.analyse_submitted_opinions"
# Longer than a run normally waits in the queue; only a lost task leaves the flag this long.
FLAG_TIMEOUT = 120


def flag_key() -> str:
    # The database's name is part of the key: a test database and the real one (or the
    # bench) sharing a Redis must not answer each other's flags.
    database = connections[router.db_for_write(Opinion)].settings_dict["NAME"]
    return f"opinions:analysis-due:{database}"


def request_analysis() -> None:
    """Make sure an analysis run starts after the current transaction commits."""
    transaction.on_commit(_send_if_none_due)


def _send_if_none_due() -> None:
    key = flag_key()
    try:
        if not cache.add(key, 1, timeout=FLAG_TIMEOUT):
            return  # a run is due already and will find this opinion
    except Exception:
        # The cache is down: send the task anyway (a redundant run finds nothing to do).
        logger.warning("analysis flag unreachable; sending the task regardless")
    from lublin2030.celery import app

    try:
        # Results are written to the database, never read from the result backend.
        app.send_task(TASK, ignore_result=True)
    except Exception:
        logger.exception("could not enqueue %s; the catch-up job will do it", TASK)
        # Let the next submission try again rather than wait for the flag to lapse.
        lower_flag()


def lower_flag() -> None:
    """Called by the task before it looks for work (see the module's docstring)."""
    try:
        cache.delete(flag_key())
    except Exception:
        logger.warning("analysis flag unreachable; it lapses in %d s", FLAG_TIMEOUT)
