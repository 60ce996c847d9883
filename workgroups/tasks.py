"""Celery tasks of the working groups: each takes ids, calls one service, is safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workgroups.tasks.notify_applicant", acks_late=True)
def notify_applicant(application_id: int) -> bool:
    """E-mail one applicant the decision on their application (once: see `notified_at`)."""
    from .services.recruitment import notify_applicant as notify

    return notify(application_id=application_id)
