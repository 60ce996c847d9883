"""Reads of the thematic reports that pages of this and lower apps need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, Q
from django.http import HttpRequest

from opinions.models import ThematicReport
from stages.models import Consultation, Stage


def published_reports_for_stage(stage: Stage) -> list[ThematicReport]:
    """The latest published version of each area's report on the stage's consultations.

    A report over all consultations belongs to every stage that asks residents an open
    question (what reports are made of). One query: whether the stage asks one is an
    EXISTS inside it.
    """
    asks_residents = Exists(
        Consultation.objects.filter(stage=stage, kind=Consultation.Kind.OPEN_QUESTION)
    )
    reports = (
        ThematicReport.objects.published()
        .filter(Q(consultation__stage=stage) | Q(asks_residents, consultation__isnull=True))
        .select_related("area", "consultation")
        .defer("content")
        .order_by("area__number", "consultation_id", "-version")
    )
    latest: dict[tuple[int, int | None], ThematicReport] = {}
    for report in reports:
        latest.setdefault((report.area_id, report.consultation_id), report)
    return list(latest.values())


def stage_reports_panel(request: HttpRequest, stage: Stage) -> Mapping[str, Any] | None:
    """The stage page's panel of thematic reports (core.panels); nothing when it has none."""
    reports = published_reports_for_stage(stage)
    return {"reports": reports} if reports else None
