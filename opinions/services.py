"""Every write on opinions, comments and support goes through these functions."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from opinions.analysis import requests as analysis_requests
from stages.models import Consultation, District, ThematicArea

from .cleaning import clean_text
from .models import (
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    Channel,
    Comment,
    Event,
    ModerationLog,
    Opinion,
    RejectionReason,
    Support,
)

if TYPE_CHECKING:
    from lublin2030.models import User

logger = logging.getLogger(__name__)


class ConsultationClosed(Exception):
    def __init__(self, consultation: Consultation, status: str) -> None:
        super().__init__(status)
        self.consultation = consultation
        self.status = status


class AlreadyHandled(Exception):
    """Another moderator changed the opinion since this one looked at it."""

    def __init__(self, current: Opinion | Comment) -> None:
        super().__init__(f"{current.__class__.__name__} {current.pk} changed meanwhile")
        self.current = current


# --- Submitting ----------------------------------------------------------------------------


def validate_opinion_text(text: str) -> str:
    cleaned = clean_text(text)
    if len(cleaned) < TEXT_MIN_LENGTH:
        raise ValidationError(
            _("Write at least %(min)d characters.") % {"min": TEXT_MIN_LENGTH}, code="too_short"
        )
    if len(cleaned) > TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Write at most %(max)d characters (now %(length)d).")
            % {"max": TEXT_MAX_LENGTH, "length": len(cleaned)},
            code="too_long",
        )
    return cleaned


def submit_opinion(
    *,
    consultation: Consultation,
    text: str,
    channel: str = Channel.ONLINE,
    area: ThematicArea | None = None,
    district: District | None = None,
    event: Event | None = None,
    age_band: str = "",
    relation: str = "",
    author_email: str = "",
    author: User | None = None,
    collected_on: dt.date | None = None,
    submission_key: uuid.UUID | None = None,
    is_suspected_spam: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Opinion, bool]:
    """Save an opinion as pending; returns (opinion, created).

    The same submission key returns the opinion it already created (double click, resent
    form, network retry), so one submission never makes two opinions. The key's unique
    constraint decides: the row is inserted at once, and only a clash looks the other up
    (one round trip for a new opinion instead of a look-up, BEGIN, INSERT and COMMIT).
    """
    now = now or timezone.now()
    status = consultation.status_at(now)
    if status != Consultation.Status.OPEN:
        # A resent form after the closing still finds the opinion it had created.
        existing = _opinion_with_key(submission_key)
        if existing is not None:
            return existing, False
        raise ConsultationClosed(consultation, status)
    values = {
        "consultation": consultation,
        "text": validate_opinion_text(text),
        "channel": channel,
        "area": area,
        "district": district,
        "event": event,
        "age_band": age_band,
        "relation": relation,
        "author_email": author_email.strip(),
        "author": author if author is not None and author.is_authenticated else None,
        "collected_on": collected_on or timezone.localdate(now),
        "created_at": now,
        "submission_key": submission_key,
        "is_suspected_spam": is_suspected_spam,
    }
    try:
        opinion = _insert_opinion(values)
    except IntegrityError:
        # This key saved an opinion before (or a request with it raced this one and won).
        existing = _opinion_with_key(submission_key)
        if existing is None:
            raise
        return existing, False
    # After the commit (at once when no transaction is open around this call); one run of
    # the worker takes every opinion submitted meanwhile.
    analysis_requests.request_analysis()
    return opinion, True


def _opinion_with_key(submission_key: uuid.UUID | None) -> Opinion | None:
    if submission_key is None:
        return None
    return Opinion.objects.filter(submission_key=submission_key).first()


def _insert_opinion(values: dict[str, Any]) -> Opinion:
    """One INSERT: in autocommit on its own, in a savepoint inside a caller's transaction.

    The savepoint keeps the caller's transaction usable when the INSERT fails on the key.
    """
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return Opinion.objects.create(**values)
    return Opinion.objects.create(**values)


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
        if opinion.suggested_area_id is None:
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


# --- Support ("Popieram") ------------------------------------------------------------------


def support_opinion(*, opinion: Opinion, user: User | None, session_key: str) -> bool:
    """Add one support; False if this person or session already supports the opinion."""
    if not opinion.is_published:
        raise ValidationError(_("Only published opinions can be supported."), code="unpublished")
    supporter: dict[str, Any] = (
        {"user": user}
        if user is not None and user.is_authenticated
        else {"session_key": session_key}
    )
    if not supporter.get("user") and not session_key:
        raise ValidationError(_("Your browser did not keep the session."), code="no_session")
    try:
        with transaction.atomic():
            Support.objects.create(opinion=opinion, **supporter)
            Opinion.objects.filter(pk=opinion.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True


def withdraw_support(*, opinion: Opinion, user: User | None, session_key: str) -> bool:
    supporter: dict[str, Any] = (
        {"user": user}
        if user is not None and user.is_authenticated
        else {"session_key": session_key, "user": None}
    )
    with transaction.atomic():
        deleted, _count = Support.objects.filter(opinion=opinion, **supporter).delete()
        if deleted:
            Opinion.objects.filter(pk=opinion.pk).update(support_count=F("support_count") - 1)
    return bool(deleted)


# --- Comments ------------------------------------------------------------------------------


def submit_comment(
    *,
    opinion: Opinion,
    text: str,
    author: User | None = None,
    author_name: str = "",
    submission_key: uuid.UUID | None = None,
    is_suspected_spam: bool = False,
) -> tuple[Comment, bool]:
    if not opinion.is_published:
        raise ValidationError(_("Only published opinions can be commented on."), code="unpublished")
    if submission_key is not None:
        existing = Comment.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                opinion=opinion,
                text=validate_opinion_text(text),
                author=author if author is not None and author.is_authenticated else None,
                author_name=clean_text(author_name)[:80],
                submission_key=submission_key,
                is_suspected_spam=is_suspected_spam,
            )
    except IntegrityError:
        if submission_key is None:
            raise
        return Comment.objects.get(submission_key=submission_key), False
    return comment, True


def moderate_comment(
    *, comment_id: int, moderator: User, expected_version: int, publish: bool, reason: str = ""
) -> Comment:
    """Publish or reject a comment; keeps the opinion's published-comment count in step."""
    if not publish and reason not in RejectionReason.values:
        raise ValidationError(_("Choose a reason from the list."), code="reason")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        if comment.version != expected_version:
            raise AlreadyHandled(comment)
        before = {"status": comment.status, "rejection_reason": comment.rejection_reason}
        was_published = comment.status == Opinion.Status.PUBLISHED
        comment.status = Opinion.Status.PUBLISHED if publish else Opinion.Status.REJECTED
        comment.rejection_reason = "" if publish else reason
        comment.version += 1
        comment.moderated_by = moderator
        comment.save(update_fields=["status", "rejection_reason", "version", "moderated_by"])
        delta = int(publish) - int(was_published)
        if delta:
            Opinion.objects.filter(pk=comment.opinion_id).update(
                comment_count=F("comment_count") + delta
            )
        ModerationLog.objects.create(
            comment=comment,
            actor=moderator,
            action="publish-comment" if publish else "reject-comment",
            before=before,
            after={"status": comment.status, "rejection_reason": comment.rejection_reason},
        )
    return comment
