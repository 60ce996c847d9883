"""Counting opinions without reading a million rows.

A list needs to know whether there are more than a page or two of opinions, and roughly how
many; the exact number of 900,000 rows costs more than the rest of the page. So counts stop
at a cap, and past it PostgreSQL is asked for an estimate instead:

- a list without a search: the planner's estimate, from the statistics ANALYZE keeps (a
  fraction of a millisecond);
- a search: the planner misjudges how often words occur together (it guessed 4,500 for the
  36,000 opinions with „miejsca parkingowe”), so the matches in a 1% sample of the table's
  pages are counted and scaled up (TABLESAMPLE SYSTEM: about 4 ms at a million opinions,
  where the exact count up to 10,000 took 28 ms). The sample is the same on every call
  (REPEATABLE), so a page shows the same figure when reloaded.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# The share of the table's pages a search's estimate reads, in percent.
SAMPLE_PERCENT = 1.0
SAMPLE_SEED = 2030
# Below this many rows (the table's statistics) the sample holds too few pages to trust
# (rows are clustered by when they arrived), and counting is cheap anyway.
SAMPLE_FROM_ROWS = 200_000


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


def sampled_count(queryset: QuerySet[Any], *, percent: float | None = None) -> int | None:
    """The rows matching in a sample of `percent` of the table's pages, scaled to the whole
    table; None off PostgreSQL, for a table under SAMPLE_FROM_ROWS, or for a query this
    cannot sample.

    Good for telling "thousands" from "a few": a count of k sampled rows is off by about
    √k, so it says little below a few dozen.
    """
    percent = SAMPLE_PERCENT if percent is None else percent
    if connections[queryset.db].vendor != "postgresql" or not 0 < percent <= 100:
        return None
    connection = connections[queryset.db]
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0  # a queryset that can match nothing (.none(), an empty __in)
    source = f"FROM {table} "
    if sql.count(source) != 1:
        return None  # a subquery on the same table: do not guess which one to sample
    # Both numbers are this module's own floats and ints, never user input.
    sampled = sql.replace(
        source, f"FROM {table} TABLESAMPLE SYSTEM ({float(percent)}) REPEATABLE ({SAMPLE_SEED}) "
    )
    # The table's size from its statistics, in the same round trip (reltuples is -1 for a
    # table never analysed).
    size = "(SELECT reltuples FROM pg_class WHERE oid = %s::regclass)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), {size} FROM ({sampled}) AS sampled",  # noqa: S608
            [queryset.model._meta.db_table, *params],
        )
        found, rows = cursor.fetchone()
    if rows is None or rows < SAMPLE_FROM_ROWS:
        return None
    return round(found * 100 / percent)


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
