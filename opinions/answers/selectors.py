"""Reads of a document consultation for its pages: versions, sections, comments, answers."""

from __future__ import annotations

from django.db.models import QuerySet

from stages.models import Consultation, DocumentVersion, Section

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
