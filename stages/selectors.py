"""Reads of the process skeleton that other modules need (the API, the open-data files)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet

from .models import (
    Consultation,
    District,
    DocumentVersion,
    Goal,
    Indicator,
    Measurement,
    Process,
    Section,
    Stage,
    StageUpdate,
    Task,
    ThematicArea,
)


def the_process() -> Process | None:
    return Process.objects.order_by("pk").first()


def stages() -> QuerySet[Stage]:
    return Stage.objects.order_by("number")


def areas() -> QuerySet[ThematicArea]:
    return ThematicArea.objects.order_by("number")


def districts() -> QuerySet[District]:
    return District.objects.order_by("name")


def visible_updates(*, updated_since: dt.datetime | None = None) -> QuerySet[StageUpdate]:
    """Updates the public sees (published, or scheduled for a time that has come)."""
    updates = StageUpdate.objects.visible().select_related("stage")
    if updated_since is not None:
        updates = updates.filter(updated_at__gte=updated_since)
    return updates


def consultations() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("stage").order_by("opens_at", "pk")


def published_versions(consultation: Consultation) -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.published().filter(consultation=consultation)


def sections_of(version: DocumentVersion) -> QuerySet[Section]:
    return Section.objects.filter(version=version).select_related("parent")


# --- The adopted strategy ---------------------------------------------------------------------


def strategy_goals() -> QuerySet[Goal]:
    return Goal.objects.select_related("area", "parent").order_by("area__number", "position", "pk")


def strategy_indicators() -> QuerySet[Indicator]:
    return (
        Indicator.objects.select_related("goal")
        .prefetch_related(
            Prefetch("measurements", queryset=Measurement.objects.order_by("year", "status"))
        )
        .order_by("goal__code", "position", "pk")
    )


def strategy_tasks() -> QuerySet[Task]:
    return (
        Task.objects.select_related("direction")
        .prefetch_related(Prefetch("districts", queryset=District.objects.order_by("slug")))
        .order_by("code")
    )
