from __future__ import annotations

from celery import shared_task

from .services import updates


@shared_task(name="stages.tasks.publish_due_updates")
def publish_due_updates() -> int:
    return updates.publish_due_updates()
