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

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

# The share of the table's pages a search's estimate reads, in percent.
SAMPLE_PERCENT = 1.0
SAMPLE_SEED = 2030
# Below this many rows (the table's statistics) the sample holds too few pages to trust
# (rows are clustered by when they arrived), and counting is cheap anyway.
SAMPLE_FROM_ROWS = 200_000


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
