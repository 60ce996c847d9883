"""Pages of a list whose exact size would cost more than the page: counts stop at a cap,
and past it the database's planner gives an estimate (PostgreSQL; None elsewhere).

Counting up to the cap still reads cap + 1 index entries (10,001 for the lists: a few
milliseconds at a million opinions, on every request). A result found to pass the cap is
remembered in the cache for BIG_COUNT_SECONDS, keyed by its SQL, with the planner's estimate
when one was asked for: later requests for the same filters neither count nor ask the
planner again. Only "more than the cap" is remembered, never an exact number, so a small
list is always counted exactly and a write shows at once; a big list that shrinks below the
cap (deletions) shows "more than", and its estimate stays, for at most BIG_COUNT_SECONDS."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, cast

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from core.pagecache import shared_until_written

logger = logging.getLogger(__name__)

BIG_COUNT_SECONDS = 300


def _big_count_key(queryset: QuerySet[Any], cap: int) -> str | None:
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return None
    digest = hashlib.sha256(repr((queryset.db, sql, params, cap)).encode()).hexdigest()
    return f"paging:big:{digest[:40]}"


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """The number of rows, or cap + 1 if there are more than cap (remembered a while)."""
    return _counted(queryset, cap, with_estimate=False)[0]


def _counted(queryset: QuerySet[Any], cap: int, *, with_estimate: bool) -> tuple[int, int | None]:
    """(the capped count, and past the cap the planner's estimate if asked for and known).

    The cache holds {} for "more than the cap", or {"estimate": n or None} once the
    planner was asked; an older entry of True reads as {}.
    """
    key = _big_count_key(queryset, cap)
    remembered: Any = None
    try:
        if key is not None:
            remembered = cache.get(key)
    except Exception:
        logger.warning("paging: cache unreachable, counting", exc_info=True)
        key = None
    if remembered:
        known = remembered if isinstance(remembered, dict) else {}
        if "estimate" in known or not with_estimate:
            return cap + 1, known.get("estimate")
        count = cap + 1
    else:
        count = queryset.order_by()[: cap + 1].count()
        if count <= cap:
            return count, None
    entry: dict[str, int | None] = {}
    if with_estimate:
        entry["estimate"] = estimated_count(queryset, at_least=cap + 1)
    if key is not None:
        try:
            cache.set(key, entry or True, timeout=BIG_COUNT_SECONDS)
        except Exception:
            logger.warning("paging: could not remember a big count", exc_info=True)
    return count, entry.get("estimate")


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
    count, estimate = _counted(queryset, cap, with_estimate=True)
    return CountedPaginator(queryset, per_page, count=count, estimate=estimate)


class IdsFirstPaginator(CountedPaginator):
    """A counted paginator whose page is read in two steps: the page's ids through the
    ordering's index alone, then those rows. OFFSET makes the database walk every row it
    skips; walking the index entries instead of whole rows (and their joins) keeps a late
    page of a big list as cheap as an early one, give or take. Two queries a page."""

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = cast("QuerySet[Any]", self.object_list)
        ids = list(queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        return Page(rows_in_order(queryset, ids), number, self)


def rows_in_order(queryset: QuerySet[Any], ids: list[Any]) -> list[Any]:
    """The queryset's rows of these ids, in the ids' order; an id not in it is left out."""
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class IdListPaginator(CountedPaginator):
    """Pages of rows whose ids are known in order (a ranked search's): a page reads its
    rows from `rows` by id, so a row that has left `rows` since (unpublished) is left out."""

    def __init__(self, ids: list[Any], rows: QuerySet[Any], per_page: int) -> None:
        super().__init__(ids, per_page, count=len(ids))  # type: ignore[arg-type]
        self.ids = ids
        self.rows = rows

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return Page(
            rows_in_order(self.rows, self.ids[bottom : bottom + self.per_page]), number, self
        )


class SharedPagesPaginator(CountedPaginator):
    """Pages of an ordered list whose ids are shared between requests until the next write
    (core.pagecache.shared_until_written, under `key` and the page's number): the first
    request for a page walks `ordered()` to find its ids; the others read its rows by id
    from `rows`, so a row that has left `rows` since (unpublished) is left out. `ordered` is
    called only then, so a request served shared ids builds no search at all."""

    def __init__(
        self,
        ordered: Callable[[], QuerySet[Any]],
        per_page: int,
        *,
        count: int,
        estimate: int | None,
        key: str,
        rows: QuerySet[Any],
    ) -> None:
        # The list itself is `ordered()`, made when a page's ids are not shared yet.
        super().__init__(cast(QuerySet[Any], ()), per_page, count=count, estimate=estimate)
        self.ordered = ordered
        self.key = key
        self.rows = rows

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:  # as Django's Paginator: pages end at the count
            top = self.count

        def page_ids() -> list[Any]:
            return list(self.ordered()[bottom:top].values_list("pk", flat=True))

        ids = shared_until_written(f"{self.key}:page:{number}", page_ids)
        return Page(rows_in_order(self.rows, ids), number, self)
