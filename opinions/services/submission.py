"""Submitting an opinion: validated, saved once per submission key, analysed after commit."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import send_after_commit
from opinions import tasks
from opinions.analysis import requests as analysis_requests
from stages.models import Consultation, District, Section, ThematicArea

from ..cleaning import clean_text
from ..models import (
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    Channel,
    Event,
    Opinion,
    SubmitterKind,
)

if TYPE_CHECKING:
    from lublin2030.models import User


logger = logging.getLogger(__name__)


class ConsultationClosed(Exception):
    def __init__(self, consultation: Consultation, status: str) -> None:
        super().__init__(status)
        self.consultation = consultation
        self.status = status


# --- Submitting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionComment:
    """What a comment on a document (or on the recommendations) adds to an opinion."""

    section: Section | None = None
    proposed_wording: str = ""
    justification: str = ""
    submitter_kind: str = SubmitterKind.PERSON
    organisation: str = ""


def validate_section_comment(consultation: Consultation, comment: SectionComment) -> dict[str, Any]:
    """The comment's fields as saved; a section of another consultation or a draft is refused."""
    section = comment.section
    if section is not None and (
        section.version.consultation_id != consultation.pk or not section.version.is_published
    ):
        raise ValidationError(_("This section is not part of the consultation."), code="section")
    if comment.submitter_kind not in SubmitterKind.values:
        raise ValidationError(_("Choose who is sending the comment."), code="submitter_kind")
    organisation = clean_text(comment.organisation)[:200]
    if comment.submitter_kind != SubmitterKind.PERSON and not organisation:
        raise ValidationError(
            _("Give the name of the organisation or body on whose behalf you comment."),
            code="organisation",
        )
    return {
        "section": section,
        "proposed_wording": clean_text(comment.proposed_wording)[:TEXT_MAX_LENGTH],
        "justification": clean_text(comment.justification)[:TEXT_MAX_LENGTH],
        "submitter_kind": comment.submitter_kind,
        # A private person's name is never asked for, so it can never be printed.
        "organisation": "" if comment.submitter_kind == SubmitterKind.PERSON else organisation,
    }


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
    comment: SectionComment | None = None,
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
        **(validate_section_comment(consultation, comment) if comment else {}),
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
    if opinion.author_email:
        # The link to follow it, by e-mail: what the form's notice promises.
        send_after_commit(
            tasks.send_tracking_link, opinion.pk, fallback="the tracking page still shows it"
        )
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
