"""Stage updates: drafts, publishing now or at a time, unpublishing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from ..models import Stage, StageUpdate

if TYPE_CHECKING:
    from lublin2030.models import User


class UpdateStateError(Exception):
    """The update is not in a state that allows the requested change."""


def create_update(*, author: User, stage: Stage, title: str, body: str) -> StageUpdate:
    return StageUpdate.objects.create(
        author=author, stage=stage, title=title, body=body, status=StageUpdate.Status.DRAFT
    )


def edit_update(*, update: StageUpdate, stage: Stage, title: str, body: str) -> StageUpdate:
    update.stage = stage
    update.title = title
    update.body = body
    update.save(update_fields=["stage", "title", "body", "updated_at"])
    return update


def publish_update(*, update: StageUpdate, now: dt.datetime | None = None) -> StageUpdate:
    """Publish at once. Publishing an already visible update keeps its original time."""
    now = now or timezone.now()
    if update.is_visible(now):
        if update.status != StageUpdate.Status.PUBLISHED:
            update.status = StageUpdate.Status.PUBLISHED
            update.save(update_fields=["status", "updated_at"])
        return update
    update.status = StageUpdate.Status.PUBLISHED
    update.publish_at = now
    update.save(update_fields=["status", "publish_at", "updated_at"])
    return update


def schedule_update(
    *, update: StageUpdate, publish_at: dt.datetime, now: dt.datetime | None = None
) -> StageUpdate:
    """Schedule for a future time; a time that has already passed publishes at once."""
    now = now or timezone.now()
    if publish_at <= now:
        return publish_update(update=update, now=now)
    update.status = StageUpdate.Status.SCHEDULED
    update.publish_at = publish_at
    update.save(update_fields=["status", "publish_at", "updated_at"])
    return update


def unpublish_update(*, update: StageUpdate) -> StageUpdate:
    """Take an update off the public pages (back to draft); its text is kept."""
    update.status = StageUpdate.Status.DRAFT
    update.publish_at = None
    update.save(update_fields=["status", "publish_at", "updated_at"])
    return update


def publish_due_updates(*, now: dt.datetime | None = None) -> int:
    """Mark scheduled updates whose time has come as published; returns how many.

    Public pages already show them (visibility is a query on the publish time); this keeps
    the stored status honest for staff lists. A conditional UPDATE, so running it twice or
    from two beat processes at once is harmless.
    """
    now = now or timezone.now()
    return StageUpdate.objects.filter(
        status=StageUpdate.Status.SCHEDULED, publish_at__lte=now
    ).update(status=StageUpdate.Status.PUBLISHED, updated_at=now)
