"""Celery tasks of the working groups: each takes ids, calls one service, is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS

from .services import notifications


@shared_task(name="workgroups.tasks.notify_applicant", **MAIL_TASK_OPTIONS)
def notify_applicant(application_id: int) -> bool:
    """E-mail one applicant the decision on their application (once: see `notified_at`)."""
    return notifications.notify_applicant(application_id=application_id)
