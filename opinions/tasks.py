"""Celery tasks of the opinions app itself (its subsystems keep theirs: analysis/tasks.py,
importing/tasks.py, reports/tasks.py)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS

from .services import author_mail, retention


@shared_task(name="opinions.tasks.erase_author_emails")
def erase_author_emails() -> int:
    """Daily: authors' e-mail addresses, once the process has ended and the retention is over."""
    return retention.erase_author_emails()


@shared_task(name="opinions.tasks.send_tracking_link", **MAIL_TASK_OPTIONS)
def send_tracking_link(opinion_id: int) -> bool:
    """E-mail an opinion's author the private link to follow it (once)."""
    return author_mail.send_tracking_link(opinion_id=opinion_id)
