"""Comments on published opinions: submitted as pending, moderated like opinions."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from opinions.services.moderation import AlreadyHandled
from opinions.services.submission import validate_opinion_text

from ..cleaning import clean_text
from ..models import (
    Comment,
    ModerationLog,
    Opinion,
    RejectionReason,
)

if TYPE_CHECKING:
    from lublin2030.models import User


logger = logging.getLogger(__name__)


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
