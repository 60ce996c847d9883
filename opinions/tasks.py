"""Celery tasks of the opinions app itself (its subsystems keep theirs: analysis/tasks.py,
importing/tasks.py, reports/tasks.py)."""

from __future__ import annotations

from celery import shared_task

from .services import retention


@shared_task(name="opinions.tasks.erase_author_emails")
def erase_author_emails() -> int:
    """Daily: authors' e-mail addresses, once the process has ended and the retention is over."""
    return retention.erase_author_emails()
