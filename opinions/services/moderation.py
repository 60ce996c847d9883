"""Moderating opinions: publish, reject, correct, accept the suggested area, mark a
duplicate, one at a time or in bulk; every change logged, a stale change refused."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stages.models import District, Section, ThematicArea

from ..cleaning import clean_text
from ..models import (
    Channel,
    Comment,
    ModerationLog,
    Opinion,
    RejectionReason,
)

if TYPE_CHECKING:
    from lublin2030.models import User


logger = logging.getLogger(__name__)


class AlreadyHandled(Exception):
    """Another moderator changed the opinion since this one looked at it."""

    def __init__(self, current: Opinion | Comment) -> None:
        super().__init__(f"{current.__class__.__name__} {current.pk} changed meanwhile")
        self.current = current


# --- Moderating opinions -------------------------------------------------------------------


@dataclass(frozen=True)
class ModerationResult:
    opinion: Opinion
    action: str


def _moderate(
    *,
    opinion_id: int,
    moderator: User,
    expected_version: int,
    action: str,
    change: Callable[[Opinion], None],
    note: str = "",
    now: dt.datetime | None = None,
) -> ModerationResult:
    """Apply one moderation change, if nobody else changed the opinion since it was seen.

    The row is locked for the transaction (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    IMMEDIATE transactions serialise writers), so two moderators cannot both pass the
    version check.
    """
    now = now or timezone.now()
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().get(pk=opinion_id)
        if opinion.version != expected_version:
            raise AlreadyHandled(opinion)
        before = opinion.moderation_snapshot()
        change(opinion)
        after = opinion.moderation_snapshot()
        opinion.version += 1
        opinion.moderated_by = moderator
        fields = ["version", "moderated_by", *_changed_fields(before, after)]
        if before["status"] != after["status"]:
            opinion.status_changed_at = now
            fields.append("status_changed_at")
        opinion.save(update_fields=fields)
        if opinion.section_id is not None:
            _count_section_comment(opinion.section_id, before["status"], after["status"])
        ModerationLog.objects.create(
            opinion=opinion,
            actor=moderator,
            action=action,
            before=before,
            after=after,
            note=note,
            created_at=now,
        )
    return ModerationResult(opinion, action)


def _count_section_comment(section_id: int, before: str, after: str) -> None:
    """Keep the section's count of published comments (the table of contents shows it)."""
    published = Opinion.Status.PUBLISHED
    if before != published and after == published:
        Section.objects.filter(pk=section_id).update(comment_count=F("comment_count") + 1)
    elif before == published and after != published:
        Section.objects.filter(pk=section_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1
        )


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    # The snapshot's keys are the model's field names.
    return [key for key in after if before[key] != after[key]]


def publish_opinion(*, opinion_id: int, moderator: User, expected_version: int) -> ModerationResult:
    def change(opinion: Opinion) -> None:
        opinion.status = Opinion.Status.PUBLISHED
        opinion.rejection_reason = ""
        opinion.rejection_note = ""
        opinion.duplicate_of = None

    return _moderate(
        opinion_id=opinion_id,
        moderator=moderator,
        expected_version=expected_version,
        action="publish",
        change=change,
    )


def reject_opinion(
    *, opinion_id: int, moderator: User, expected_version: int, reason: str, note: str = ""
) -> ModerationResult:
    if reason not in RejectionReason.values:
        raise ValidationError(_("Choose a reason from the list."), code="reason")

    def change(opinion: Opinion) -> None:
        opinion.status = Opinion.Status.REJECTED
        opinion.rejection_reason = reason
        opinion.rejection_note = clean_text(note)

    return _moderate(
        opinion_id=opinion_id,
        moderator=moderator,
        expected_version=expected_version,
        action="reject",
        change=change,
        note=clean_text(note),
    )


def correct_opinion(
    *,
    opinion_id: int,
    moderator: User,
    expected_version: int,
    area: ThematicArea | None,
    district: District | None,
    channel: str,
) -> ModerationResult:
    if channel not in Channel.values:
        raise ValidationError(_("Choose a channel from the list."), code="channel")

    def change(opinion: Opinion) -> None:
        opinion.area = area
        opinion.district = district
        opinion.channel = channel

    return _moderate(
        opinion_id=opinion_id,
        moderator=moderator,
        expected_version=expected_version,
        action="correct",
        change=change,
    )


def accept_suggested_area(
    *, opinion_id: int, moderator: User, expected_version: int
) -> ModerationResult:
    def change(opinion: Opinion) -> None:
        if opinion.suggestion_band is None:
            raise ValidationError(_("There is no suggestion for this opinion."), code="none")
        opinion.area_id = opinion.suggested_area_id

    return _moderate(
        opinion_id=opinion_id,
        moderator=moderator,
        expected_version=expected_version,
        action="accept-suggestion",
        change=change,
    )


def mark_duplicate(
    *, opinion_id: int, moderator: User, expected_version: int, duplicate_of: Opinion
) -> ModerationResult:
    if duplicate_of.pk == opinion_id:
        raise ValidationError(_("An opinion cannot duplicate itself."), code="self")

    def change(opinion: Opinion) -> None:
        opinion.status = Opinion.Status.REJECTED
        opinion.rejection_reason = RejectionReason.DUPLICATE
        opinion.duplicate_of = duplicate_of

    return _moderate(
        opinion_id=opinion_id,
        moderator=moderator,
        expected_version=expected_version,
        action="mark-duplicate",
        change=change,
    )


@dataclass(frozen=True)
class Selection:
    """An opinion a moderator ticked, with the version they saw."""

    opinion_id: int
    version: int


@dataclass(frozen=True)
class BulkOutcome:
    done: list[int]
    already_handled: list[Opinion]
    missing: list[int]


def moderate_opinions(
    *,
    selections: Sequence[Selection],
    moderator: User,
    publish: bool,
    reason: str = "",
    note: str = "",
) -> BulkOutcome:
    """Publish or reject many opinions, each as if done one by one.

    Each opinion goes through its own service call (its own transaction, lock and log
    entry), so one that a colleague handled meanwhile is skipped without undoing the rest.
    """
    done: list[int] = []
    already_handled: list[Opinion] = []
    missing: list[int] = []
    for selection in selections:
        try:
            if publish:
                publish_opinion(
                    opinion_id=selection.opinion_id,
                    moderator=moderator,
                    expected_version=selection.version,
                )
            else:
                reject_opinion(
                    opinion_id=selection.opinion_id,
                    moderator=moderator,
                    expected_version=selection.version,
                    reason=reason,
                    note=note,
                )
        except AlreadyHandled as conflict:
            already_handled.append(cast(Opinion, conflict.current))
        except Opinion.DoesNotExist:
            missing.append(selection.opinion_id)
        else:
            done.append(selection.opinion_id)
    return BulkOutcome(done=done, already_handled=already_handled, missing=missing)
