"""Sending Celery tasks: by reference, after the transaction commits, and never failing the
request that sends them.

The state a task works on is saved before the task is sent; a broker that refuses the
message is logged, and each caller says which job or page catches up on the work later.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.db import transaction

logger = logging.getLogger("core.tasks")


class Sendable(Protocol):
    name: str

    def apply_async(self, *args: Any, **kwargs: Any) -> Any: ...


def send_now(task: Sendable, *args: Any, fallback: str = "", **options: Any) -> bool:
    """Send the task now; False (and a log line) if the broker refused it."""
    try:
        # Results are written to the database, never read from the result backend.
        task.apply_async(args=args, ignore_result=True, **options)
    except Exception:
        logger.exception("could not send %s%r; %s", task.name, args, fallback or "not retried")
        return False
    return True


def send_after_commit(task: Sendable, *args: Any, fallback: str = "", **options: Any) -> None:
    """Send the task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_now(task, *args, fallback=fallback, **options))


# Tasks that send e-mail: a mail server that is down (OSError covers SMTP and connection
# errors) is tried again later, for about a day; the task marks nothing sent until the
# message is handed over, so a retry sends it exactly once.
MAIL_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "max_retries": 8,
}
