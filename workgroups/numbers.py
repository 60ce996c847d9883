"""The whole in numbers: how many opinions reached each step of the spine, by area and by
district, each number a link to the opinions it counts.

Steps: published → in a published thematic report → cited by a published recommendation →
behind a recommendation adopted into the strategy. The figures are aggregates (a GROUP BY per
step and grouping), kept in the cache for a few minutes: at a million opinions the page
reads them rather than counting on every request, and when they are older a worker counts
them again while the page shows the last ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import translation

from core.tasks import send_now
from opinions.models import Opinion, ReportMembership
from stages.models import Consultation, District, ThematicArea

from .models import OpinionEvidence, Recommendation

STEPS = ("published", "reported", "cited", "adopted")
CACHE_KEY = "numbers:v2"
CACHE_SECONDS = 300  # then counted again, by a worker, while visitors read these
KEEP_SECONDS = 7 * 24 * 3600
RECOUNT_CLAIM_SECONDS = 120


def _reached(step: str) -> Q:
    """What a published answer must have to have reached `step` (one of STEPS).

    IN a subquery, not EXISTS: in a WHERE both are semi-joins, and in the counts' FILTER
    PostgreSQL hashes an IN subquery's rows once where it would run an EXISTS per opinion.
    """
    if step == "published":
        return Q()
    if step == "reported":
        in_report = ReportMembership.objects.filter(report__published_at__isnull=False)
        return Q(pk__in=in_report.values("opinion_id"))
    citing = OpinionEvidence.objects.filter(recommendation__published_at__isnull=False)
    if step == "adopted":
        citing = citing.filter(recommendation__status=Recommendation.Status.ADOPTED)
    elif step != "cited":
        raise ValueError(f"no step {step!r}")
    return Q(pk__in=citing.values("opinion_id"))


def _published_answers() -> QuerySet[Opinion]:
    # Answers to the open question: comments on the draft and on the recommendations are
    # counted with their consultations, not here.
    return Opinion.objects.published().filter(consultation__kind=Consultation.Kind.OPEN_QUESTION)


def step_opinions(step: str) -> QuerySet[Opinion]:
    """The published opinions that reached `step` (one of STEPS)."""
    return _published_answers().filter(_reached(step))


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
    """The figures, from the cache: counted in the last few minutes, or older ones while a
    worker counts them again (at a million opinions counting takes seconds: no visitor
    waits for it but the very first, when the cache holds nothing at all)."""
    # Per language: the rows carry the areas' names.
    language = translation.get_language()
    key = f"{CACHE_KEY}:{language}"
    cached = cache.get(key)
    if isinstance(cached, Counted):
        if time.time() - cached.at > CACHE_SECONDS and cache.add(
            f"{key}:recounting", True, RECOUNT_CLAIM_SECONDS
        ):
            from .tasks import recount_numbers

            # Should the broker refuse, the claim expires and a later visitor asks again.
            send_now(recount_numbers, language, fallback="asked again by a later visitor")
        return cached.figures
    return recount(language)


@dataclass(frozen=True)
class Counted:
    figures: Numbers
    at: float


def recount(language: str) -> Numbers:
    """Count the figures in `language` and keep them (the task, and the first visitor)."""
    with translation.override(language):
        figures = count_numbers()
    key = f"{CACHE_KEY}:{language}"
    cache.set(key, Counted(figures, time.time()), KEEP_SECONDS)
    cache.delete(f"{key}:recounting")
    return figures


def count_numbers() -> Numbers:
    """One pass over the published answers: a GROUP BY (area, district) with a conditional
    count per step, the two tables summed from its cells; and the two lists of names. (A
    GROUP BY per step and grouping read a million opinions eight times.)"""
    counts = {
        f"n_{step}": Count("pk", filter=_reached(step)) if step != "published" else Count("pk")
        for step in STEPS
    }
    cells = (
        _published_answers().order_by().values_list("area_id", "district_id").annotate(**counts)
    )  # 1 query
    by_area: dict[int | None, list[int]] = {}
    by_district: dict[int | None, list[int]] = {}
    for area, district, *reached in cells:
        for key, table in ((area, by_area), (district, by_district)):
            row = table.setdefault(key, [0] * len(STEPS))
            for index, count in enumerate(reached):
                row[index] += count
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
