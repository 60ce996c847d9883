"""Where a goal of the strategy came from: the recommendations behind it and their opinions.

Read by the goal page's panel (stages' GOAL_PAGE slot) and by the monitoring report. A
fixed number of queries whatever the number of links: the links with their
recommendations, the count of distinct published opinions those recommendations cite, and
a few of those opinions to quote. Only published recommendations and published opinions
are shown or counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import translation

from opinions.models import Opinion
from stages.models import Goal, ThematicArea

from .models import OpinionEvidence, StrategyLink

QUOTES = 3
COUNTS_CACHE_SECONDS = 300
QUOTE_CHARS = 280


@dataclass(frozen=True)
class GoalOrigin:
    links: list[StrategyLink]
    opinion_count: int
    quotes: list[Opinion]

    @property
    def recommendation_count(self) -> int:
        return len({link.recommendation_id for link in self.links})


def _links_behind(goal: Goal) -> QuerySet[StrategyLink]:
    """Links of published recommendations to the goal, its operational goals or directions."""
    return StrategyLink.objects.filter(
        Q(goal=goal)
        | Q(goal__parent=goal)
        | Q(direction__goal=goal)
        | Q(direction__goal__parent=goal),
        recommendation__published_at__isnull=False,
    )


def goal_origin(goal: Goal) -> GoalOrigin:
    """The published recommendations linked to the goal, its operational goals or directions."""
    links = list(
        _links_behind(goal)
        .select_related("recommendation__group__area", "goal", "direction")
        .order_by("recommendation__group__area__number", "recommendation__number", "pk")
    )  # 1 query
    ids = sorted({link.recommendation_id for link in links})
    if not ids:
        return GoalOrigin(links=[], opinion_count=0, quotes=[])
    cited = opinions_behind(ids)
    count = cited.count()  # 1 query
    quotes = list(cited.only("pk", "text").order_by("-pk")[:QUOTES])  # 1 query
    return GoalOrigin(links=links, opinion_count=count, quotes=quotes)


def recommendations_behind(goal: Goal) -> list[int]:
    """The ids of the published recommendations behind the goal (1 query)."""
    # No ordering: the links' default one would add its columns to the DISTINCT.
    links = _links_behind(goal).order_by()
    return sorted(links.values_list("recommendation_id", flat=True).distinct())


def opinions_behind(recommendation_ids: list[int]) -> QuerySet[Opinion]:
    """The published opinions those recommendations cite, each once (IN, not a join: an
    opinion cited by two of them is one row; the databases walk the citations of those
    recommendations and look the opinions up, rather than test every opinion)."""
    cited = OpinionEvidence.objects.filter(recommendation__in=recommendation_ids)
    return Opinion.objects.published().filter(pk__in=cited.values("opinion_id"))


@dataclass(frozen=True)
class Tally:
    """How many of the opinions are of an area or a district."""

    pk: int
    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class GoalOpinionCounts:
    """The opinions behind a goal counted by (area, district), from one GROUP BY."""

    cells: dict[tuple[str, str], int]
    areas: list[Tally]
    districts: list[Tally]

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def count(self, *, area: str = "", district: str = "") -> int:
        """The opinions of the area and the district ("" : any), without another query."""
        return sum(
            n
            for (cell_area, cell_district), n in self.cells.items()
            if (not area or cell_area == area) and (not district or cell_district == district)
        )


def goal_opinion_counts(
    goal: Goal, recommendation_ids: list[int], opinions: QuerySet[Opinion]
) -> GoalOpinionCounts:
    """The counts of the opinions behind the goal, from the cache when they were counted in
    the last few minutes: behind 10,000 opinions the GROUP BY reads every one of them (tens
    of milliseconds), and the page is read far more often than a goal gains opinions. The
    key holds the recommendations behind the goal, so a new link counts again at once."""
    ids = ",".join(map(str, recommendation_ids))
    key = f"goal-opinions:v1:{goal.pk}:{translation.get_language()}:{ids}"
    cached = cache.get(key)
    if isinstance(cached, GoalOpinionCounts):
        return cached
    counts = count_opinions_behind(opinions)
    cache.set(key, counts, COUNTS_CACHE_SECONDS)
    return counts


def count_opinions_behind(opinions: QuerySet[Opinion]) -> GoalOpinionCounts:
    """One GROUP BY (area, district) with their names: both lists and every filtered total
    are sums of its cells (at most 12 × 28 rows whatever the number of opinions)."""
    rows = (
        opinions.order_by()
        .values_list(
            "area_id",
            "area__number",
            "area__slug",
            "area__name",
            "area__name_en",
            "district_id",
            "district__slug",
            "district__name",
        )
        .annotate(n=Count("pk"))
    )  # 1 query
    cells: dict[tuple[str, str], int] = {}
    areas: dict[str, list[Any]] = {}
    districts: dict[str, list[Any]] = {}
    for area_pk, number, area, name, name_en, district_pk, district, district_name, n in rows:
        cells[(area or "", district or "")] = n
        if area:
            # An unsaved area only to name it in the page's language, as everywhere.
            label = ThematicArea(name=name, name_en=name_en).localized_name
            areas.setdefault(area, [number, area_pk, label, 0])[3] += n
        if district:
            districts.setdefault(district, [district_name, district_pk, district_name, 0])[3] += n
    return GoalOpinionCounts(cells=cells, areas=_tallies(areas), districts=_tallies(districts))


def _tallies(rows: dict[str, list[Any]]) -> list[Tally]:
    """[order key, pk, label, count] by slug → tallies in order."""
    return [
        Tally(pk, slug, label, n)
        for slug, (_, pk, label, n) in sorted(rows.items(), key=lambda item: item[1][0])
    ]


def goal_links(goal: Goal) -> list[StrategyLink]:
    """Every link to the goal and to its directions, for the editors (1 query)."""
    return list(
        StrategyLink.objects.filter(Q(goal=goal) | Q(direction__goal=goal))
        .select_related("recommendation__group__area", "direction")
        .order_by("recommendation__group__area__number", "recommendation__number", "pk")
    )
