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

A sample that finds a search dense is remembered (`remembered_sample`), as core.paging
remembers a count past the cap: at a million opinions the sample was nine tenths of a dense
search's database time (16-18 ms of 19, EXPLAIN ANALYZE of „miejsca parkingowe” and „zieleń
w dzielnicy”), paid again by every page and every reload of the same search.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from core.paging import BIG_COUNT_SECONDS

logger = logging.getLogger(__name__)

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


def _sample_key(queryset: QuerySet[Any]) -> str | None:
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None
    raw = repr((queryset.db, sql, params, SAMPLE_PERCENT, SAMPLE_SEED)).encode()
    return "counting:sample:" + hashlib.sha256(raw).hexdigest()[:40]


def remembered_sample(queryset: QuerySet[Any], *, dense_from: float) -> int | None:
    """`sampled_count`, remembered for BIG_COUNT_SECONDS (keyed by the query's SQL) when it
    passes `dense_from`: such a search is listed without counting or ranking, and only its
    rough size is shown („about 39,000”), which a few minutes' writes do not change. A
    smaller result is sampled afresh each time, as it is then counted exactly anyway."""
    key = _sample_key(queryset)
    if key is not None:
        try:
            remembered = cache.get(key)
        except Exception:
            logger.warning("counting: cache unreachable, sampling", exc_info=True)
            key = None
        else:
            if remembered is not None:
                return int(remembered)
    sampled = sampled_count(queryset)
    if key is not None and sampled is not None and sampled > dense_from:
        try:
            cache.set(key, sampled, timeout=BIG_COUNT_SECONDS)
        except Exception:
            logger.warning("counting: could not remember a sample", exc_info=True)
    return sampled
