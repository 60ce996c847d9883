from __future__ import annotations

from celery import shared_task

from .services import updates


@shared_task(name="stages.tasks.publish_due_updates")
def publish_due_updates() -> int:
    return updates.publish_due_updates()


@shared_task(name="stages.tasks.build_monitoring_report", acks_late=True)
def build_monitoring_report(report_id: int) -> None:
    """Build one version of the annual monitoring report; a re-run does nothing once built."""
    from .strategy import monitoring

    monitoring.build_monitoring_report(report_id=report_id)
