"""Celery tasks of the working groups: each takes ids, calls one service, is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS

from . import trace_mail
from .services import consultation, notifications


@shared_task(name="workgroups.tasks.notify_applicant", **MAIL_TASK_OPTIONS)
def notify_applicant(application_id: int) -> bool:
    """E-mail one applicant the decision on their application (once: see `notified_at`)."""
    return notifications.notify_applicant(application_id=application_id)


@shared_task(name="workgroups.tasks.send_trace_digests")
def send_trace_digests() -> int:
    """Daily: each author who left an address hears of the steps their opinion reached."""
    return trace_mail.send_trace_digests()


@shared_task(name="workgroups.tasks.recount_numbers")
def recount_numbers(language: str) -> None:
    """Count the numbers page's figures again (asked by the page when they are a few
    minutes old); running twice only counts twice."""
    from .numbers import recount

    recount(language)


@shared_task(name="workgroups.tasks.build_summary_report", acks_late=True)
def build_summary_report(report_id: int) -> None:
    """Build one version of the groups' summary report; a re-run does nothing once built."""
    from .summary import build_summary_report as build

    build(report_id=report_id)


@shared_task(name="workgroups.tasks.sync_recommendations_consultations")
def sync_recommendations_consultations() -> int:
    """Every few minutes: a recommendations' consultation opened after the recommendations
    were published gets them too (publishing one also syncs at once)."""
    return len(consultation.sync_recommendations_consultations())
