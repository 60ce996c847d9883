"""The moderation write path: each action, its log entry, and refusing stale versions."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from opinions.forms.moderation import Selection
from opinions.models import Channel, Comment, ModerationLog, Opinion, RejectionReason
from opinions.services import commenting, moderation
from opinions.services.moderation import moderate_opinions
from tests.factories import (
    DistrictFactory,
    OpinionFactory,
    ThematicAreaFactory,
    moderator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending() -> Opinion:
    return OpinionFactory(status=Opinion.Status.PENDING)


def only_log_entry(opinion: Opinion) -> ModerationLog:
    entries = list(ModerationLog.objects.filter(opinion=opinion))
    assert len(entries) == 1
    return entries[0]


def test_publish_records_who_and_bumps_the_version(pending: Opinion) -> None:
    anna = moderator()

    result = moderation.publish_opinion(opinion_id=pending.pk, moderator=anna, expected_version=1)

    pending.refresh_from_db()
    assert result.action == "publish"
    assert (pending.status, pending.version, pending.moderated_by) == ("published", 2, anna)
    assert pending.status_changed_at is not None
    entry = only_log_entry(pending)
    assert (entry.actor, entry.action) == (anna, "publish")
    assert (entry.before["status"], entry.after["status"]) == ("pending", "published")


def test_reject_keeps_the_reason_and_a_cleaned_note_for_the_author(pending: Opinion) -> None:
    moderation.reject_opinion(
        opinion_id=pending.pk,
        moderator=moderator(),
        expected_version=1,
        reason=RejectionReason.OFF_TOPIC,
        # (A NUL byte here would reach the log's raw `note` and fail on PostgreSQL: the
        # form cleans notes before they get here; see test_moderation_views.)
        note="  Prosimy o opinię   o mieście.\x07 ",
    )

    pending.refresh_from_db()
    assert pending.status == Opinion.Status.REJECTED
    assert pending.rejection_reason == RejectionReason.OFF_TOPIC
    assert pending.rejection_note == "Prosimy o opinię o mieście."
    entry = only_log_entry(pending)
    assert entry.before["rejection_reason"] == ""
    assert entry.after["rejection_reason"] == "off-topic"


def test_reject_without_a_listed_reason_changes_nothing(pending: Opinion) -> None:
    with pytest.raises(ValidationError):
        moderation.reject_opinion(
            opinion_id=pending.pk, moderator=moderator(), expected_version=1, reason="because"
        )
    pending.refresh_from_db()
    assert (pending.status, pending.version) == ("pending", 1)
    assert not ModerationLog.objects.exists()


def test_correct_changes_area_district_and_channel_and_logs_ids(pending: Opinion) -> None:
    area, district = ThematicAreaFactory(), DistrictFactory()

    moderation.correct_opinion(
        opinion_id=pending.pk,
        moderator=moderator(),
        expected_version=1,
        area=area,
        district=district,
        channel=Channel.CAFE,
    )

    pending.refresh_from_db()
    assert (pending.area, pending.district, pending.channel) == (area, district, "cafe")
    assert pending.status == Opinion.Status.PENDING
    entry = only_log_entry(pending)
    assert entry.action == "correct"
    assert (entry.before["area"], entry.after["area"]) == (None, area.pk)
    assert (entry.before["channel"], entry.after["channel"]) == ("online", "cafe")


def test_accepting_the_suggestion_sets_the_area() -> None:
    suggested = ThematicAreaFactory()
    opinion = OpinionFactory(
        status=Opinion.Status.PENDING, suggested_area=suggested, suggested_area_confidence=0.8
    )

    moderation.accept_suggested_area(
        opinion_id=opinion.pk, moderator=moderator(), expected_version=1
    )

    opinion.refresh_from_db()
    assert opinion.area == suggested
    entry = only_log_entry(opinion)
    assert (entry.action, entry.after["area"]) == ("accept-suggestion", suggested.pk)


def test_accepting_a_missing_suggestion_is_refused_and_logs_nothing(pending: Opinion) -> None:
    with pytest.raises(ValidationError):
        moderation.accept_suggested_area(
            opinion_id=pending.pk, moderator=moderator(), expected_version=1
        )
    pending.refresh_from_db()
    assert pending.version == 1
    assert not ModerationLog.objects.exists()


def test_mark_duplicate_rejects_with_the_duplicate_reason_and_points_to_the_original(
    pending: Opinion,
) -> None:
    original = OpinionFactory()

    moderation.mark_duplicate(
        opinion_id=pending.pk, moderator=moderator(), expected_version=1, duplicate_of=original
    )

    pending.refresh_from_db()
    assert pending.status == Opinion.Status.REJECTED
    assert pending.rejection_reason == RejectionReason.DUPLICATE
    assert pending.duplicate_of == original
    entry = only_log_entry(pending)
    assert (entry.before["duplicate_of"], entry.after["duplicate_of"]) == (None, original.pk)


def test_an_opinion_cannot_duplicate_itself(pending: Opinion) -> None:
    with pytest.raises(ValidationError):
        moderation.mark_duplicate(
            opinion_id=pending.pk, moderator=moderator(), expected_version=1, duplicate_of=pending
        )
    pending.refresh_from_db()
    assert pending.status == Opinion.Status.PENDING


def test_publishing_after_a_rejection_clears_the_reason_note_and_duplicate(
    pending: Opinion,
) -> None:
    anna = moderator()
    moderation.mark_duplicate(
        opinion_id=pending.pk, moderator=anna, expected_version=1, duplicate_of=OpinionFactory()
    )
    moderation.publish_opinion(opinion_id=pending.pk, moderator=anna, expected_version=2)

    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason, pending.duplicate_of) == (
        "published",
        "",
        None,
    )
    assert ModerationLog.objects.filter(opinion=pending).count() == 2


STALE_ACTIONS: dict[str, Callable[[Opinion, object], object]] = {
    "publish": lambda opinion, who: moderation.publish_opinion(
        opinion_id=opinion.pk, moderator=who, expected_version=1
    ),
    "reject": lambda opinion, who: moderation.reject_opinion(
        opinion_id=opinion.pk, moderator=who, expected_version=1, reason="offensive"
    ),
    "correct": lambda opinion, who: moderation.correct_opinion(
        opinion_id=opinion.pk,
        moderator=who,
        expected_version=1,
        area=None,
        district=None,
        channel="game",
    ),
    "accept-suggestion": lambda opinion, who: moderation.accept_suggested_area(
        opinion_id=opinion.pk, moderator=who, expected_version=1
    ),
    "mark-duplicate": lambda opinion, who: moderation.mark_duplicate(
        opinion_id=opinion.pk, moderator=who, expected_version=1, duplicate_of=OpinionFactory()
    ),
}


@pytest.mark.parametrize("action", STALE_ACTIONS)
def test_a_stale_version_is_refused_and_the_colleagues_decision_stays(action: str) -> None:
    opinion = OpinionFactory(status=Opinion.Status.PENDING, suggested_area=ThematicAreaFactory())
    first, second = moderator(), moderator()
    moderation.publish_opinion(opinion_id=opinion.pk, moderator=first, expected_version=1)

    with pytest.raises(moderation.AlreadyHandled) as refused:
        STALE_ACTIONS[action](opinion, second)

    current = refused.value.current
    assert isinstance(current, Opinion)
    assert (current.pk, current.status, current.moderated_by) == (opinion.pk, "published", first)
    opinion.refresh_from_db()
    assert (opinion.status, opinion.version, opinion.channel) == ("published", 2, "online")
    assert list(ModerationLog.objects.values_list("actor", flat=True)) == [first.pk]


# --- Comments -------------------------------------------------------------------------------


def test_moderating_a_comment_keeps_the_published_count_in_step() -> None:
    opinion = OpinionFactory()
    comment = Comment.objects.create(opinion=opinion, text="Zgadzam się, to ważne.")
    anna = moderator()

    commenting.moderate_comment(
        comment_id=comment.pk, moderator=anna, expected_version=1, publish=True
    )
    opinion.refresh_from_db()
    assert opinion.comment_count == 1

    commenting.moderate_comment(
        comment_id=comment.pk, moderator=anna, expected_version=2, publish=False, reason="offensive"
    )
    opinion.refresh_from_db()
    comment.refresh_from_db()
    assert opinion.comment_count == 0
    assert (comment.status, comment.rejection_reason, comment.version) == (
        "rejected",
        "offensive",
        3,
    )
    actions = list(ModerationLog.objects.filter(comment=comment).values_list("action", flat=True))
    assert sorted(actions) == ["publish-comment", "reject-comment"]


def test_a_stale_comment_version_is_refused() -> None:
    comment = Comment.objects.create(opinion=OpinionFactory(), text="Zgadzam się, to ważne.")
    commenting.moderate_comment(
        comment_id=comment.pk, moderator=moderator(), expected_version=1, publish=True
    )
    with pytest.raises(moderation.AlreadyHandled):
        commenting.moderate_comment(
            comment_id=comment.pk,
            moderator=moderator(),
            expected_version=1,
            publish=False,
            reason="offensive",
        )
    comment.refresh_from_db()
    assert comment.status == Opinion.Status.PUBLISHED


# --- Bulk -----------------------------------------------------------------------------------


def test_bulk_publish_does_the_fresh_ones_and_reports_the_handled_and_missing() -> None:
    fresh = [OpinionFactory(status=Opinion.Status.PENDING) for _ in range(3)]
    raced = OpinionFactory(status=Opinion.Status.PENDING)
    colleague = moderator()
    moderation.reject_opinion(
        opinion_id=raced.pk, moderator=colleague, expected_version=1, reason="advertising"
    )

    outcome = moderate_opinions(
        selections=[
            *[Selection(opinion.pk, 1) for opinion in fresh],
            Selection(raced.pk, 1),
            Selection(999_999, 1),
        ],
        moderator=moderator(),
        publish=True,
    )

    assert outcome.done == [opinion.pk for opinion in fresh]
    assert [opinion.pk for opinion in outcome.already_handled] == [raced.pk]
    assert outcome.missing == [999_999]
    assert Opinion.objects.filter(status="published").count() == 3
    raced.refresh_from_db()
    assert (raced.status, raced.moderated_by) == ("rejected", colleague)
    assert ModerationLog.objects.filter(action="publish").count() == 3


def test_bulk_reject_gives_each_the_reason_and_note() -> None:
    opinions = [OpinionFactory(status=Opinion.Status.PENDING) for _ in range(2)]

    outcome = moderate_opinions(
        selections=[Selection(opinion.pk, opinion.version) for opinion in opinions],
        moderator=moderator(),
        publish=False,
        reason=RejectionReason.ADVERTISING,
        note="Reklama firmy.",
    )

    assert len(outcome.done) == 2
    for opinion in opinions:
        opinion.refresh_from_db()
        assert (opinion.status, opinion.rejection_reason, opinion.rejection_note) == (
            "rejected",
            "advertising",
            "Reklama firmy.",
        )


# --- Two moderators at the same moment -------------------------------------------------------


def race(calls: dict[str, Callable[[], object]]) -> dict[str, str]:
    """Start the calls at the same moment, each in its own thread (and connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: dict[str, str] = {}

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[name] = "won"
        except moderation.AlreadyHandled:
            outcomes[name] = "already handled"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_moderators_racing_on_one_opinion_exactly_one_wins() -> None:
    if connection.vendor != "postgresql":
        # SQLite's test database is in memory with a shared cache, where a second writer gets
        # "table is locked" at once instead of waiting for the lock: no meaningful race.
        pytest.skip("the race needs PostgreSQL's row locks (SELECT … FOR UPDATE)")
    anna, piotr = moderator(), moderator()
    for round_number in range(10):
        pk = OpinionFactory(status=Opinion.Status.PENDING).pk

        outcomes = race(
            {
                "publish": lambda pk=pk: moderation.publish_opinion(
                    opinion_id=pk, moderator=anna, expected_version=1
                ),
                "reject": lambda pk=pk: moderation.reject_opinion(
                    opinion_id=pk, moderator=piotr, expected_version=1, reason="off-topic"
                ),
            }
        )

        assert sorted(outcomes.values()) == ["already handled", "won"], round_number
        opinion = Opinion.objects.get(pk=pk)
        winner = next(name for name, outcome in outcomes.items() if outcome == "won")
        assert opinion.status == ("published" if winner == "publish" else "rejected")
        assert opinion.version == 2
        assert ModerationLog.objects.filter(opinion=opinion).count() == 1
