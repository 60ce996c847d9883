from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from stages.models import StageUpdate
from stages.services import stage_status, updates
from tests.factories import StageFactory, StageUpdateFactory, editor

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC)


def draft() -> StageUpdate:
    return updates.create_update(
        author=editor(), stage=StageFactory(), title="Spotkanie", body="Zapraszamy."
    )


def test_a_new_update_is_a_draft_nobody_sees() -> None:
    update = draft()

    assert update.status == StageUpdate.Status.DRAFT
    assert update.publish_at is None
    assert not StageUpdate.objects.visible().exists()


@time_machine.travel(NOON, tick=False)
def test_publishing_shows_it_at_once() -> None:
    update = updates.publish_update(update=draft())

    assert update.status == StageUpdate.Status.PUBLISHED
    assert update.publish_at == NOON
    assert list(StageUpdate.objects.visible()) == [update]


def test_a_scheduled_update_appears_at_its_time_without_anyone_acting() -> None:
    with time_machine.travel(NOON, tick=False):
        update = updates.schedule_update(update=draft(), publish_at=NOON + dt.timedelta(hours=2))
        assert update.status == StageUpdate.Status.SCHEDULED
        assert not StageUpdate.objects.visible().exists()

    with time_machine.travel(NOON + dt.timedelta(hours=1, minutes=59), tick=False):
        assert not StageUpdate.objects.visible().exists()

    with time_machine.travel(NOON + dt.timedelta(hours=2), tick=False):
        assert list(StageUpdate.objects.visible()) == [update]
        update.refresh_from_db()
        assert update.is_visible()


@time_machine.travel(NOON, tick=False)
def test_a_scheduled_time_in_the_past_publishes_at_once() -> None:
    update = updates.schedule_update(update=draft(), publish_at=NOON - dt.timedelta(days=1))

    assert update.status == StageUpdate.Status.PUBLISHED
    assert update.publish_at == NOON
    assert StageUpdate.objects.visible().get() == update


@time_machine.travel(NOON, tick=False)
def test_unpublishing_takes_it_off_and_keeps_the_text() -> None:
    update = updates.publish_update(update=draft())

    updates.unpublish_update(update=update)

    update.refresh_from_db()
    assert update.status == StageUpdate.Status.DRAFT
    assert update.body == "Zapraszamy."
    assert not StageUpdate.objects.visible().exists()


@time_machine.travel(NOON, tick=False)
def test_publishing_an_already_visible_update_keeps_its_time() -> None:
    update = updates.publish_update(update=draft(), now=NOON - dt.timedelta(days=3))

    updates.publish_update(update=update)

    assert update.publish_at == NOON - dt.timedelta(days=3)


@time_machine.travel(NOON, tick=False)
def test_publish_due_updates_marks_only_due_ones_and_is_safe_to_repeat() -> None:
    due = StageUpdateFactory(
        status=StageUpdate.Status.SCHEDULED, publish_at=NOON - dt.timedelta(minutes=1)
    )
    later = StageUpdateFactory(
        status=StageUpdate.Status.SCHEDULED, publish_at=NOON + dt.timedelta(minutes=1)
    )

    assert updates.publish_due_updates() == 1
    assert updates.publish_due_updates() == 0

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == StageUpdate.Status.PUBLISHED
    assert later.status == StageUpdate.Status.SCHEDULED


def test_editing_changes_text_and_stage_only() -> None:
    update = updates.publish_update(update=draft())
    published_at = update.publish_at
    other = StageFactory()

    updates.edit_update(update=update, stage=other, title="Nowy tytuł", body="Nowa treść")

    update.refresh_from_db()
    assert (update.title, update.body, update.stage) == ("Nowy tytuł", "Nowa treść", other)
    assert update.status == StageUpdate.Status.PUBLISHED
    assert update.publish_at == published_at


def test_pin_stage_status_rejects_unknown_values() -> None:
    stage = StageFactory()
    with pytest.raises(ValueError, match="unknown stage status"):
        stage_status.pin_stage_status(stage=stage, status="finished")
    stage_status.pin_stage_status(stage=stage, status="completed")
    stage.refresh_from_db()
    assert stage.pinned_status == "completed"
    assert stage.status == "completed"
