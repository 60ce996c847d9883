"""Reads of a document consultation for its pages: versions, sections, comments, answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from stages.models import Consultation, DocumentVersion, Section, Stage

from ..models import Opinion


def published_versions(consultation: Consultation) -> list[DocumentVersion]:
    return list(consultation.document_versions.published().order_by("number"))


def sections_of(version: DocumentVersion) -> list[Section]:
    return list(version.sections.order_by("position"))


def published_comments(section: Section) -> QuerySet[Opinion]:
    """A section's published comments, oldest first, with their answers (shown once published)."""
    return (
        Opinion.objects.published()
        .filter(section=section)
        .select_related("answer__changed_section__version__consultation")
        .order_by("created_at", "pk")
    )


def general_comments(consultation: Consultation) -> QuerySet[Opinion]:
    """Comments on the document as a whole (no section)."""
    return (
        Opinion.objects.published()
        .filter(consultation=consultation, section__isnull=True)
        .select_related("answer__changed_section__version__consultation")
        .order_by("created_at", "pk")
    )


def stage_consultations_panel(request: HttpRequest, stage: Stage) -> Mapping[str, Any] | None:
    """The stage page's panel (core.panels): its consultations, with their state and link."""
    consultations = list(stage.consultations.order_by("opens_at", "pk"))
    if not consultations:
        return None
    return {"consultations": [(c, c.status_at()) for c in consultations]}
