"""Reads of the strategy for its public pages, the monitoring report and the API.

Each function costs a fixed number of queries whatever the size of the strategy (the
comments count them); the page tests pin those counts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber

from stages.models import District

from .charts import IndicatorFigure, indicator_figure
from .models import (
    DevelopmentArea,
    Direction,
    Goal,
    ImplementationUpdate,
    Indicator,
    Measurement,
    Strategy,
    StrategyDocument,
    Task,
)
from .progress import Point, Progress, Status, compute_progress, line_of, summarize

UPDATES_ON_GOAL_PAGE = 3


def current_strategy() -> Strategy | None:
    return Strategy.objects.order_by("-start_year", "pk").first()  # 1 query


@dataclass
class GoalSummary:
    goal: Goal
    statuses: dict[Status, int]
    progress_percent: int | None
    children: list[GoalSummary] = field(default_factory=list)

    @property
    def indicator_count(self) -> int:
        return sum(self.statuses.values())


@dataclass
class AreaSummary:
    area: DevelopmentArea
    goals: list[GoalSummary]


def _mean_percent(progresses: list[Progress]) -> int | None:
    measured = [progress.bar_percent for progress in progresses if progress.fraction is not None]
    return round(sum(measured) / len(measured)) if measured else None


# The strategy page's summary is the same for every visitor until an editor changes the
# strategy: it is kept in the cache under a stamp that every write of the strategy's
# services (and the loader) replaces after commit, so a change shows at once.
OVERVIEW_STAMP_KEY = "strategy-overview-stamp"
OVERVIEW_SECONDS = 3600


def strategy_changed() -> None:
    """Call after a write that changes what the strategy page shows (after commit)."""
    transaction.on_commit(lambda: cache.set(OVERVIEW_STAMP_KEY, uuid.uuid4().hex, None))


def strategy_overview(strategy: Strategy) -> list[AreaSummary]:
    stamp = cache.get(OVERVIEW_STAMP_KEY)
    if stamp is None:
        stamp = uuid.uuid4().hex
        cache.set(OVERVIEW_STAMP_KEY, stamp, None)
    key = f"strategy-overview:{strategy.pk}:{stamp}"
    overview: list[AreaSummary] | None = cache.get(key)
    if overview is None:
        overview = _strategy_overview(strategy)
        cache.set(key, overview, OVERVIEW_SECONDS)
    return overview


def _strategy_overview(strategy: Strategy) -> list[AreaSummary]:
    """Areas → strategic goals → operational goals, each with its indicators' summary."""
    areas = list(strategy.areas.all())  # 1 query
    goals = list(Goal.objects.filter(area__strategy=strategy).order_by("position", "code"))  # 1
    indicators = Indicator.objects.filter(goal__area__strategy=strategy).only(
        "pk",
        "goal_id",
        "polarity",
        "baseline_value",
        "baseline_year",
        "target_value",
        "target_year",
    )  # 1 query
    # Plain tuples, not model instances: 200 indicators × 10 years is 2,000 rows per page view.
    points: dict[int, list[Point]] = defaultdict(list)
    rows = Measurement.objects.filter(indicator__goal__area__strategy=strategy).values_list(
        "indicator_id", "year", "value", "status"
    )  # 1 query
    for indicator_id, year, value, status in rows:
        points[indicator_id].append(Point(year, value, status == Measurement.Status.PROVISIONAL))
    by_goal: dict[int, list[Progress]] = defaultdict(list)
    for indicator in indicators:
        by_goal[indicator.goal_id].append(
            compute_progress(line_of(indicator), points[indicator.pk])
        )
    summaries = {
        goal.pk: GoalSummary(
            goal=goal,
            statuses=summarize(progress.status for progress in by_goal[goal.pk]),
            progress_percent=_mean_percent(by_goal[goal.pk]),
        )
        for goal in goals
    }
    by_area: dict[int, list[GoalSummary]] = defaultdict(list)
    for goal in goals:
        summary = summaries[goal.pk]
        if goal.parent_id is None:
            by_area[goal.area_id].append(summary)
        else:
            summaries[goal.parent_id].children.append(summary)
    return [AreaSummary(area=area, goals=by_area[area.pk]) for area in areas]


def district_task_counts() -> QuerySet[District]:
    """Every district with the number of strategy tasks in it (1 query)."""
    return District.objects.annotate(task_count=Count("strategy_tasks")).order_by("name")


@dataclass
class GoalPage:
    goal: Goal
    children: list[Goal]
    figures: list[IndicatorFigure]
    directions: Sequence[Direction]
    documents: list[StrategyDocument]


def _latest_updates() -> Prefetch[Any]:
    ranked = ImplementationUpdate.objects.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("task_id")],
            order_by=[F("published_on").desc(), F("pk").desc()],
        )
    ).filter(rank__lte=UPDATES_ON_GOAL_PAGE)
    # The goal page shows their text; the task page shows all of them with their images.
    return Prefetch(
        "updates",
        queryset=ranked.only("pk", "task_id", "published_on", "text"),
        to_attr="latest_updates",
    )


def goal_page(code: str) -> GoalPage | None:
    goal = (
        Goal.objects.select_related("area__strategy", "parent").filter(code=code).first()
    )  # 1 query
    if goal is None:
        return None
    children = list(goal.children.order_by("position", "code"))  # 1 query
    goal_ids = [goal.pk, *(child.pk for child in children)]
    indicators = (
        Indicator.objects.filter(goal__in=goal_ids)
        .select_related("goal")
        .prefetch_related(Prefetch("measurements", queryset=Measurement.objects.order_by("year")))
        .order_by("goal__position", "position", "code")
    )  # 2 queries
    # Lists (to_attr), not related managers: a goal page walks some 25 tasks and their
    # districts, and a manager made per row costs more than the queries.
    districts = Prefetch(
        "districts", queryset=District.objects.only("pk", "name", "slug"), to_attr="district_list"
    )
    tasks = (
        Task.objects.annotate(update_count=Count("updates"))
        .prefetch_related(districts, _latest_updates())
        .order_by("code")
    )
    directions = list(
        Direction.objects.filter(goal__in=goal_ids)
        .select_related("goal")
        .prefetch_related(Prefetch("tasks", queryset=tasks, to_attr="task_list"))
        .order_by("goal__position", "position", "code")
    )  # 4 queries: directions, tasks, their districts, their latest updates
    documents = list(goal.documents.order_by("kind", "title"))  # 1 query
    return GoalPage(
        goal=goal,
        children=children,
        figures=[indicator_figure(indicator) for indicator in indicators],
        directions=directions,
        documents=documents,
    )


def task_page(code: str) -> Task | None:
    return (
        Task.objects.select_related("direction__goal__area")
        .prefetch_related(
            "districts",
            Prefetch(
                "updates",
                queryset=ImplementationUpdate.objects.order_by(
                    "-published_on", "-pk"
                ).prefetch_related("images"),
            ),
        )
        .filter(code=code)
        .first()
    )  # 4 queries: the task, its districts, its updates, their images


def district_tasks(district: District) -> QuerySet[Task]:
    """The strategy's tasks in a district with their goal and latest update date (1 query)."""
    return (
        Task.objects.filter(districts=district)
        .select_related("direction__goal__area")
        .annotate(last_update=Max("updates__published_on"))
        .order_by("status", "code")
    )
