"""Submitting an opinion: validated, saved once per submission key, analysed after commit."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import send_after_commit
from opinions import tasks
from opinions.analysis import requests as analysis_requests
from stages.models import Consultation, District, ThematicArea

from ..cleaning import clean_text
from ..models import (
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    Channel,
    Event,
    Opinion,
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
