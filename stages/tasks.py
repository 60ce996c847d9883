from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="stages.tasks.publish_due_updates")
def publish_due_updates() -> int:
    return services.publish_due_updates()
