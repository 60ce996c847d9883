"""The answers to comments on the version comparison of a consulted document (a stages page):
under each section of the newer version, the published answers that changed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from stages.models import DocumentVersion

from ..models import Opinion
from .models import ConsultationAnswer


def answers_by_changed_section(
    request: HttpRequest, version: DocumentVersion
) -> Mapping[int, Mapping[str, Any]]:
    """One query for the whole page: the published answers whose changed section is in this
    version, each with how many published comments it answered."""
    answers = (
        ConsultationAnswer.objects.published()
        .filter(changed_section__version=version)
        .annotate(
            comment_count=Count("comments", filter=Q(comments__status=Opinion.Status.PUBLISHED))
        )
        .order_by("changed_section_id", "pk")
    )
    by_section: dict[int, list[ConsultationAnswer]] = {}
    for answer in answers:
        assert answer.changed_section_id is not None
        by_section.setdefault(answer.changed_section_id, []).append(answer)
    return {section: {"answers": found} for section, found in by_section.items()}
