"""Where a goal of the strategy came from: the recommendations behind it and their opinions.

Read by the goal page's panel (stages' GOAL_PAGE slot) and by the monitoring report. A
fixed number of queries whatever the number of links: the links with their
recommendations, the count of distinct published opinions those recommendations cite, and
a few of those opinions to quote. Only published recommendations and published opinions
are shown or counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from opinions.models import Opinion
from stages.models import Goal

from .models import StrategyLink

QUOTES = 3
QUOTE_CHARS = 280


@dataclass(frozen=True)
class GoalOrigin:
    links: list[StrategyLink]
    opinion_count: int
    quotes: list[Opinion]

    @property
    def recommendation_count(self) -> int:
        return len({link.recommendation_id for link in self.links})


def goal_origin(goal: Goal) -> GoalOrigin:
    """The published recommendations linked to the goal, its operational goals or directions."""
    links = list(
        StrategyLink.objects.filter(
            Q(goal=goal)
            | Q(goal__parent=goal)
            | Q(direction__goal=goal)
            | Q(direction__goal__parent=goal),
            recommendation__published_at__isnull=False,
        )
        .select_related("recommendation__group__area", "goal", "direction")
        .order_by("recommendation__group__area__number", "recommendation__number", "pk")
    )  # 1 query
    ids = {link.recommendation_id for link in links}
    if not ids:
        return GoalOrigin(links=[], opinion_count=0, quotes=[])
    cited = Opinion.objects.published().filter(cited_by__recommendation__in=ids)
    count = cited.values("pk").distinct().count()  # 1 query
    quotes = list(
        Opinion.objects.published()
        .filter(pk__in=cited.values("pk"))
        .only("pk", "text")
        .order_by("-pk")[:QUOTES]
    )  # 1 query
    return GoalOrigin(links=links, opinion_count=count, quotes=quotes)


def goal_links(goal: Goal) -> list[StrategyLink]:
    """Every link to the goal and to its directions, for the editors (1 query)."""
    return list(
        StrategyLink.objects.filter(Q(goal=goal) | Q(direction__goal=goal))
        .select_related("recommendation__group__area", "direction")
        .order_by("recommendation__group__area__number", "recommendation__number", "pk")
    )
