"""Consultations: creating one and changing it, with the legal minimum of a statutory one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Consultation, Stage

# What staff may set on a consultation besides its dates (the form's fields).
EDITABLE_FIELDS = (
    "stage",
    "slug",
    "kind",
    "title",
    "title_en",
    "question",
    "question_en",
    "description",
    "description_en",
    "how_to_comment",
    "how_to_comment_en",
    "statutory",
)


class ConsultationRefused(Exception):
    """The consultation cannot be saved like this; the message says why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def open_days(opens_at: dt.datetime, closes_at: dt.datetime) -> float:
    """How long it is open, in days on the Warsaw wall clock (a DST change in between does
    not make 35 days into 34 days and 23 hours)."""
    opens = timezone.localtime(opens_at).replace(tzinfo=None)
    closes = timezone.localtime(closes_at).replace(tzinfo=None)
    return (closes - opens) / dt.timedelta(days=1)


def check_dates(*, opens_at: dt.datetime, closes_at: dt.datetime, statutory: bool) -> None:
    if closes_at <= opens_at:
        raise ConsultationRefused(_("A consultation must close after it opens."), field="closes_at")
    days = open_days(opens_at, closes_at)
    if statutory and days < Consultation.STATUTORY_MIN_DAYS:
        latest_close = timezone.localtime(opens_at) + dt.timedelta(
            days=Consultation.STATUTORY_MIN_DAYS
        )
        raise ConsultationRefused(
            _(
                "A consultation required by law (art. 6 of the act on development policy) "
                "stays open at least %(min)d days; this one would be open %(days)s days. "
                "Let it close on %(date)s or later."
            )
            % {
                "min": Consultation.STATUTORY_MIN_DAYS,
                "days": f"{days:.4g}",
                "date": latest_close.strftime("%Y-%m-%d %H:%M"),
            },
            field="closes_at",
        )


def create_consultation(
    *,
    stage: Stage,
    slug: str,
    kind: str,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    statutory: bool = False,
    **texts: str,
) -> Consultation:
    """A new consultation; `texts` are the optional texts (question, description, how to
    comment and their English versions)."""
    unknown = set(texts) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown consultation fields: {sorted(unknown)}")
    check_dates(opens_at=opens_at, closes_at=closes_at, statutory=statutory)
    if Consultation.objects.filter(slug=slug).exists():
        raise ConsultationRefused(
            _("Another consultation has the address “%(slug)s”.") % {"slug": slug}, field="slug"
        )
    return Consultation.objects.create(
        stage=stage,
        slug=slug,
        kind=kind,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        statutory=statutory,
        **texts,
    )


def update_consultation(*, consultation: Consultation, **changes: Any) -> Consultation:
    """Change a consultation's texts, kind or dates, checking the dates as on creation."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"opens_at", "closes_at"}
    if unknown:
        raise TypeError(f"unknown consultation fields: {sorted(unknown)}")
    check_dates(
        opens_at=changes.get("opens_at", consultation.opens_at),
        closes_at=changes.get("closes_at", consultation.closes_at),
        statutory=changes.get("statutory", consultation.statutory),
    )
    kind = changes.get("kind", consultation.kind)
    with transaction.atomic():
        if kind != consultation.kind and consultation.document_versions.exists():
            raise ConsultationRefused(
                _("The consultation has document versions, so its kind cannot change."),
                field="kind",
            )
        slug = changes.get("slug", consultation.slug)
        if Consultation.objects.filter(slug=slug).exclude(pk=consultation.pk).exists():
            raise ConsultationRefused(
                _("Another consultation has the address “%(slug)s”.") % {"slug": slug},
                field="slug",
            )
        for name, value in changes.items():
            setattr(consultation, name, value)
        consultation.save(update_fields=list(changes) or None)
    return consultation
