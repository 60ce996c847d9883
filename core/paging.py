"""Pages of a list whose exact size would cost more than the page: counts stop at a cap,
and past it the database's planner gives an estimate (PostgreSQL; None elsewhere)."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """The number of rows, or cap + 1 if there are more than cap."""
    return queryset.order_by()[: cap + 1].count()


def two_significant_figures(number: int) -> int:
    digits = len(str(number))
    return round(number, -(digits - 2)) if digits > 2 else number


def estimated_count(queryset: QuerySet[Any], *, at_least: int = 0) -> int | None:
    """The planner's estimate of the rows, to two significant figures; None off PostgreSQL.

    `at_least` is what a capped count already proved, so the estimate never says less.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    # Only the rows: the planner's estimate is the same without the joins of a page's
    # select_related, and planning those took longer than the rest.
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return two_significant_figures(max(int(plan[0]["Plan"]["Plan Rows"]), at_least))


class CountedPaginator(Paginator):
    """A paginator given its count, so the count can be taken before the ordering is chosen.

    `count` is at most the list's cap + 1 (pages end after the cap); `estimate` is the
    database's guess at the real number when the count stopped at the cap, if it has one.
    """

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        count: int,
        estimate: int | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self._count = count
        self.estimate = estimate

    @cached_property
    def count(self) -> int:
        return self._count


def paginate_with_capped_count(
    queryset: QuerySet[Any], per_page: int, *, cap: int
) -> CountedPaginator:
    """Pages of the queryset, counted up to `cap` and, past it, estimated by the planner
    (PostgreSQL); the pages end after the cap."""
    count = capped_count(queryset, cap)
    estimate = estimated_count(queryset, at_least=cap + 1) if count > cap else None
    return CountedPaginator(queryset, per_page, count=count, estimate=estimate)
