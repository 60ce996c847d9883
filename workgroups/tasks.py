"""Celery tasks of the working groups: each takes ids, calls one service, is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from .services import notifications


# A mail server that is down (OSError covers SMTP and connection errors) is tried again
# later; nothing was marked sent, so a retry sends the e-mail exactly once.
@shared_task(
    name="workgroups.tasks.notify_applicant",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def notify_applicant(application_id: int) -> bool:
    """E-mail one applicant the decision on their application (once: see `notified_at`)."""
    return notifications.notify_applicant(application_id=application_id)
