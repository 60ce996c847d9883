"""The beat job runs in a real Celery worker over the configured broker (files or Redis)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lublin2030.celery import app
from stages.models import StageUpdate
from stages.tasks import publish_due_updates
from tests.factories import StageUpdateFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_publishes_due_updates(worker: None) -> None:
    due = StageUpdateFactory(
        status=StageUpdate.Status.SCHEDULED, publish_at=timezone.now() - dt.timedelta(minutes=5)
    )

    assert publish_due_updates.delay().get(timeout=30) == 1

    due.refresh_from_db()
    assert due.status == StageUpdate.Status.PUBLISHED


def test_beat_schedule_runs_the_job_every_minute() -> None:
    entry = app.conf.beat_schedule["publish-due-stage-updates"]
    assert entry["task"] == publish_due_updates.name
    assert entry["schedule"] == 60.0
