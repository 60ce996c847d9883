"""The whole in numbers: how many opinions reached each step of the spine, by area and by
district, each number a link to the opinions it counts.

Steps: published → in a published thematic report → cited by a published recommendation →
behind a recommendation adopted into the strategy. The figures are aggregates (a GROUP BY per
step and grouping), kept in the cache for a few minutes: at a million opinions the page
reads them rather than counting on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import translation

from opinions.models import Opinion, ReportMembership
from stages.models import Consultation, District, ThematicArea

from .models import OpinionEvidence, Recommendation

STEPS = ("published", "reported", "cited", "adopted")
CACHE_KEY = "numbers:v1"
CACHE_SECONDS = 300


def step_opinions(step: str) -> QuerySet[Opinion]:
    """The published opinions that reached `step` (one of STEPS)."""
    # Answers to the open question: comments on the draft and on the recommendations are
    # counted with their consultations, not here.
    published = Opinion.objects.published().filter(
        consultation__kind=Consultation.Kind.OPEN_QUESTION
    )
    if step == "published":
        return published
    if step == "reported":
        in_report = ReportMembership.objects.filter(
            opinion=OuterRef("pk"), report__published_at__isnull=False
        )
        return published.filter(Exists(in_report))
    citing = OpinionEvidence.objects.filter(
        opinion=OuterRef("pk"), recommendation__published_at__isnull=False
    )
    if step == "adopted":
        citing = citing.filter(recommendation__status=Recommendation.Status.ADOPTED)
    elif step != "cited":
        raise ValueError(f"no step {step!r}")
    return published.filter(Exists(citing))


@dataclass(frozen=True)
class Row:
    """One line of a table: an area or a district (or all of them), its count per step."""

    label: str
    slug: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Numbers:
    totals: tuple[int, ...]
    by_area: list[Row]
    by_district: list[Row]


def numbers() -> Numbers:
    """The figures, from the cache when they were counted in the last few minutes."""
    # Per language: the rows carry the areas' names.
    key = f"{CACHE_KEY}:{translation.get_language()}"
    cached = cache.get(key)
    if isinstance(cached, Numbers):
        return cached
    figures = count_numbers()
    cache.set(key, figures, CACHE_SECONDS)
    return figures


def count_numbers() -> Numbers:
    """Two GROUP BY queries per step (by area, by district) and the two lists of names."""
    by_area: dict[int | None, list[int]] = {}
    by_district: dict[int | None, list[int]] = {}
    for index, step in enumerate(STEPS):
        opinions = step_opinions(step).order_by()
        for field, table in (("area", by_area), ("district", by_district)):
            for key, count in opinions.values_list(field).annotate(n=Count("pk")):
                table.setdefault(key, [0] * len(STEPS))[index] = count
    totals = tuple(sum(row[i] for row in by_area.values()) for i in range(len(STEPS)))
    areas = [
        Row(area.localized_name, area.slug, tuple(by_area.get(area.pk, [0] * len(STEPS))))
        for area in ThematicArea.objects.order_by("number")
    ]
    districts = [
        Row(d.name, d.slug, tuple(by_district.get(d.pk, [0] * len(STEPS))))
        for d in District.objects.order_by("name")
    ]
    return Numbers(totals=totals, by_area=areas, by_district=districts)
