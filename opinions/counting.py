"""Counting opinions without reading a million rows.

A list needs to know whether there are more than a page or two of opinions, and roughly how
many; the exact number of 900,000 rows costs more than the rest of the page. So counts stop
at a cap, and past it PostgreSQL's planner is asked for its estimate (from the statistics
ANALYZE keeps, in a fraction of a millisecond).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connections
from django.db.models import QuerySet


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """The number of rows, or cap + 1 if there are more than cap."""
    return queryset.order_by()[: cap + 1].count()


def estimated_count(queryset: QuerySet[Any], *, at_least: int = 0) -> int | None:
    """The planner's estimate of the rows, to two significant figures; None off PostgreSQL.

    `at_least` is what a capped count already proved, so the estimate never says less.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    rows = max(int(plan[0]["Plan"]["Plan Rows"]), at_least)
    digits = len(str(rows))
    return round(rows, -(digits - 2)) if digits > 2 else rows
