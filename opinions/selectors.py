"""Reads of the published opinions that pages of this app and of the apps above it need.

The public list and a working group's workspace list the same opinions the same way, and the
recommendation editor searches them: they all come here, never to another app's views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Model, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core import pagecache, paging
from stages.models import Consultation, District, ThematicArea

from .analysis import counting
from .analysis.query import parse_query
from .analysis.search import (
    did_you_mean,
    highlighted_lemmas,
    plan_search,
    rank_by_relevance,
    search_opinions,
)
from .analysis.text import highlighted_excerpt
from .models import Comment, ConsultationAnswer, Opinion, ReportMembership, ThematicReport
from .reports.charts import report_figures
from .reports.terms import written_form

__all__ = [
    "Order",
    "browse_published",
    "filter_published",
    "opinion_results",
    "report_figures",
    "search_published",
]

PAGE_SIZE = 20
# Lists and searches count their opinions up to this many (“more than 10,000”): counting
# every one of 900,000 published opinions, or of the 100,000 of one area, takes longer than
# the rest of the page; pages end there too. A list without a search then shows the
# database's estimate instead (“about 920,000”).
SEARCH_COUNT_CAP = 10_000
# A search whose sampled estimate passes the cap by this factor is taken to pass it: a 1%
# sample of 15,000 matches finds about 150 ± 12, so the real number is not under the cap.
DENSE_SEARCH_FACTOR = 1.5


class Order:
    """How a list of opinions is sorted (the value of the lists' "sort" filter)."""

    NEWEST = "newest"
    SUPPORTED = "supported"
    # With a search only (the default then): see opinions.analysis.search.rank_by_relevance.
    RELEVANCE = "relevance"


# Each order can walk an index on Opinion: (status, created_at) or (status, support_count);
# the primary key only breaks ties, so the database sorts at most a handful of rows.
ORDERINGS = {
    Order.NEWEST: ("-created_at", "-pk"),
    Order.SUPPORTED: ("-support_count", "-created_at", "-pk"),
}


def filter_published(
    *,
    area: Any = None,
    district: Any = None,
    channel: str = "",
    event: Any = None,
    consultation: Any = None,
) -> QuerySet[Opinion]:
    opinions = Opinion.objects.published()
    if area is not None:
        opinions = opinions.filter(area=area)
    if district is not None:
        opinions = opinions.filter(district=district)
    if channel:
        opinions = opinions.filter(channel=channel)
    if event is not None:
        opinions = opinions.filter(event=event)
    if consultation is not None:
        opinions = opinions.filter(consultation=consultation)
    return opinions


def search_published(query: str, *, area: ThematicArea | None = None) -> QuerySet[Opinion]:
    """The published opinions (of the area, if one is given) that contain the query's words;
    all of them for an empty query."""
    opinions = filter_published(area=area)
    return search_opinions(opinions, query) if query else opinions


def browse_published(
    filters: Mapping[str, Any], *, page_number: str | None, area: ThematicArea | None = None
) -> dict[str, Any]:
    """One page of the published opinions chosen by a list's filters (the cleaned data of an
    `OpinionFilterForm`), searched and sorted: see `opinion_results`. `area`, when given,
    replaces the filters' own (a group's workspace lists its area's opinions only)."""
    opinions = filter_published(
        area=area if area is not None else filters.get("area"),
        district=filters.get("district"),
        channel=filters.get("channel") or "",
        event=filters.get("event"),
        consultation=filters.get("consultation"),
    )
    query = filters.get("q") or ""
    return opinion_results(
        opinions,
        query=query,
        sort=filters.get("sort") or (Order.RELEVANCE if query else Order.NEWEST),
        page_number=page_number,
        shared=True,
    )


def opinion_results(
    opinions: QuerySet[Opinion],
    *,
    query: str,
    sort: str,
    page_number: str | None,
    count: int | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    """One page of opinions searched and sorted, with highlights and counts: the context of
    templates/opinions/public/partials/results.html, for every page that lists opinions.

    `count`: the exact number of opinions (no search) when the caller has it already from
    an aggregate; then nothing is counted and every page is reachable, past the cap too.
    `shared`: the opinions are published ones that everyone may read, so a search's ranking
    is shared between requests until the next write (see `_paginate`)."""
    exact = count is not None and not query
    if count is not None and not query:
        # Every page is reachable: a late one reads its ids first (core.paging).
        paginator: paging.CountedPaginator = paging.IdsFirstPaginator(
            opinions.select_related("area", "district").order_by(
                *ORDERINGS.get(sort, ORDERINGS[Order.NEWEST])
            ),
            PAGE_SIZE,
            count=count,
        )
    else:
        paginator = _paginate(opinions, query=query, sort=sort, shared=shared)
    page = paginator.get_page(page_number)
    marked = highlighted_lemmas(query) if query else []
    return {
        "page": page,
        "items": [
            (opinion, highlighted_excerpt(opinion.text, query, lemmas=marked) if query else None)
            for opinion in page
        ],
        "query": query,
        # Only for a search that found nothing: a few more queries.
        "suggestion": did_you_mean(opinions, query) if query and not paginator.count else None,
        "count_is_capped": not exact and paginator.count > SEARCH_COUNT_CAP,
        "count_cap": SEARCH_COUNT_CAP,
        "count_estimate": getattr(paginator, "estimate", None),
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }


def _paginate(
    opinions: QuerySet[Opinion], *, query: str, sort: str, shared: bool = False
) -> paging.CountedPaginator:
    """Pages of the filtered opinions, counted and ordered so that a million rows stay fast.

    The count stops at SEARCH_COUNT_CAP + 1. Without a search the page walks one of the
    (status, …) indexes on Opinion, and a count over the cap asks the planner for its
    estimate (PostgreSQL). With a search the number of matches picks the plan: many
    matches are dense, so walking the ordering index finds a page at once (newest or most
    supported first, even when relevance is asked for); up to SEARCH_COUNT_CAP matches are
    ranked by relevance (the default with a search) or found through the search index and
    sorted (walking the ordering index would read the
    whole table to find a handful, as PostgreSQL misjudges how rare they are). On
    PostgreSQL a sample tells the many from the few first, and many are not counted at
    all (counting.py).

    A ranking is a list of ids, read once and paged through: with `shared` (published
    opinions only, the same for everyone), every request shares it until the next write
    (core.pagecache.shared_until_written), so the ranking, its count and its sample are
    not done again for each page or each person.
    """
    opinions = opinions.select_related("area", "district")
    if not query:
        return paging.paginate_with_capped_count(
            opinions.order_by(*ORDERINGS.get(sort, ORDERINGS[Order.NEWEST])),
            PAGE_SIZE,
            cap=SEARCH_COUNT_CAP,
        )
    rank = sort == Order.RELEVANCE
    sharing = shared and rank and settings.PAGE_CACHE_SECONDS > 0
    key = _ranking_key(opinions, query) if sharing else None
    searched: list[QuerySet[Opinion]] = []  # searched once, by whichever step needs it first

    def search() -> QuerySet[Opinion]:
        if not searched:
            searched.append(search_opinions(opinions, query))
        return searched[0]

    def find() -> _Found:
        # Shared, the whole ranking is kept as ids; else a page ranks and reads its 20 rows.
        return _found(search(), query, ranked_ids=key is not None)

    found = pagecache.shared_until_written(key, find) if key is not None else find()
    if found.ranked is not None:
        return paging.IdListPaginator(found.ranked, opinions, PAGE_SIZE)
    if rank and found.sampled is None and found.count <= SEARCH_COUNT_CAP:
        return paging.CountedPaginator(
            rank_by_relevance(search(), query), PAGE_SIZE, count=found.count, estimate=None
        )
    if key is not None:
        return _sorted_search(search, found, sort=sort, shared_as=key, rows=opinions)
    return _sorted_search(search, found, sort=sort)


def _ranking_key(opinions: QuerySet[Opinion], query: str) -> str | None:
    """The key of the filtered opinions and the search's plan (what the query finds by, its
    synonyms included; not how it was typed)."""
    try:
        sql, params = opinions.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that no row can pass: nothing worth sharing
        return None
    plan = plan_search(parse_query(query))
    raw = repr((opinions.db, sql, params, plan)).encode()
    return "opinions:ranked:" + hashlib.sha256(raw).hexdigest()[:40]


@dataclass(frozen=True)
class _Found:
    """What a search found: the ranked ids (up to SEARCH_COUNT_CAP matches, when ranked),
    else the capped count and, for many matches, the sampled estimate."""

    count: int
    sampled: int | None = None
    ranked: list[int] | None = None


def _found(searched: QuerySet[Opinion], query: str, *, ranked_ids: bool) -> _Found:
    dense_from = DENSE_SEARCH_FACTOR * SEARCH_COUNT_CAP
    sampled = counting.remembered_sample(searched, dense_from=dense_from)
    if sampled is not None and sampled > dense_from:
        # Ranking reads every match: for tens of thousands it takes seconds, so such a
        # search lists the newest first even when relevance is asked for (each result
        # holds the query's words).
        return _Found(count=SEARCH_COUNT_CAP + 1, sampled=sampled)
    matches = paging.capped_count(searched, SEARCH_COUNT_CAP)
    if not ranked_ids or matches > SEARCH_COUNT_CAP:
        return _Found(count=matches)
    # All of them, but only their ids: the database ranks every match anyway, and a page
    # then reads its 20 rows by id.
    ranked = list(rank_by_relevance(searched, query).values_list("pk", flat=True))
    return _Found(count=len(ranked), ranked=ranked)


def _sorted_search(
    search: Callable[[], QuerySet[Opinion]],
    found: _Found,
    *,
    sort: str,
    shared_as: str | None = None,
    rows: QuerySet[Opinion] | None = None,
) -> paging.CountedPaginator:
    """The searched opinions newest or most supported first (or any search past the cap).

    Shared (a ranking's key, and the unsearched `rows` to read a page's opinions from), each
    page's ids are shared until the next write, like a ranking: the walk along the ordering
    index that finds a page of a common search is done once, not for every reader."""
    orderings = ORDERINGS.get(sort, ORDERINGS[Order.NEWEST])
    estimate = None
    if found.sampled is not None:
        ordering: list[Any] = list(orderings)
        estimate = paging.two_significant_figures(found.sampled)
    elif found.count > SEARCH_COUNT_CAP:
        ordering = list(orderings)
    else:
        first, *rest = orderings
        field = first.removeprefix("-")
        # COALESCE(x, x) is x, but no index is sorted by it, so the planner cannot walk one.
        ordering = [Coalesce(field, field).desc(), *rest]
    if shared_as is not None and rows is not None:
        return paging.SharedPagesPaginator(
            lambda: search().order_by(*ordering),
            PAGE_SIZE,
            count=found.count,
            estimate=estimate,
            key=f"{shared_as}:{sort}",
            rows=rows,
        )
    return paging.CountedPaginator(
        search().order_by(*ordering), PAGE_SIZE, count=found.count, estimate=estimate
    )


def author_mail_links(opinion: Opinion) -> tuple[str, str]:
    """The absolute addresses every e-mail to an author carries: the opinion's private page
    and the page that stops the e-mails (for the apps above that write to authors)."""
    from .services.author_mail import absolute, stop_url

    return absolute(opinion.get_tracking_url()), absolute(stop_url(opinion))


# --- The API and the open-data files ---------------------------------------------------------


def _by_slug(model: type[Model], slug: str) -> Subquery:
    # A scalar subquery: the database resolves the slug once, and the filter still walks the
    # (status, area, created_at) index, with no query of its own.
    return Subquery(model._default_manager.filter(slug=slug).values("pk")[:1])


def api_published_opinions(
    *,
    area: str = "",
    district: str = "",
    channel: str = "",
    event: int | None = None,
    consultation: str = "",
    section: int | None = None,
    query: str = "",
    updated_since: dt.datetime | None = None,
) -> QuerySet[Opinion]:
    """The published opinions chosen by the API's filters (slugs, not rows), searched with
    the lists' Polish search. Moderation changes (publishing, a new area) set
    status_changed_at, which `updated_since` reads."""
    opinions = Opinion.objects.published().select_related(
        "area", "district", "consultation", "section"
    )
    if area:
        opinions = opinions.filter(area=_by_slug(ThematicArea, area))
    if district:
        opinions = opinions.filter(district=_by_slug(District, district))
    if consultation:
        opinions = opinions.filter(consultation=_by_slug(Consultation, consultation))
    if channel:
        opinions = opinions.filter(channel=channel)
    if event is not None:
        opinions = opinions.filter(event_id=event)
    if section is not None:
        opinions = opinions.filter(section_id=section)
    if updated_since is not None:
        opinions = opinions.filter(
            Q(status_changed_at__gte=updated_since)
            | Q(status_changed_at__isnull=True, created_at__gte=updated_since)
        )
    return search_opinions(opinions, query) if query else opinions


def published_comments_of(opinion_id: int) -> QuerySet[Comment]:
    return Comment.objects.filter(opinion_id=opinion_id, status=Opinion.Status.PUBLISHED)


def published_answers(consultation: Consultation) -> QuerySet[ConsultationAnswer]:
    return ConsultationAnswer.objects.published().filter(consultation=consultation)


# Fewer opinions than this in a group are not shown as a number: with filters narrow enough,
# a group of one or two would point at a person.
SUPPRESS_BELOW = 5


def demographics(opinions: QuerySet[Opinion]) -> dict[str, list[dict[str, Any]]]:
    """How many of the opinions gave each age band and relation to the city; counts under
    SUPPRESS_BELOW are None (suppressed). Two aggregate queries, never a row per person."""
    result: dict[str, list[dict[str, Any]]] = {}
    for field in ("age_band", "relation"):
        rows = (
            opinions.order_by()
            .values(field)
            .annotate(count=Count("pk"))
            .values_list(field, "count")
        )
        result[f"by_{field}"] = [
            {"value": value or "", "count": count if count >= SUPPRESS_BELOW else None}
            for value, count in sorted(rows, key=lambda row: row[0] or "")
        ]
    return result


def published_report_versions() -> QuerySet[ThematicReport]:
    return ThematicReport.objects.published().select_related("area", "consultation")


def report_members(report: ThematicReport) -> QuerySet[ReportMembership]:
    return ReportMembership.objects.filter(report=report)


def suppress_small_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with every count from 1 to SUPPRESS_BELOW - 1 replaced by None."""
    return [
        {**row, "count": None if 0 < int(row.get("count") or 0) < SUPPRESS_BELOW else row["count"]}
        for row in rows
    ]


def public_report_figures(report: ThematicReport) -> dict[str, Any]:
    """The report's figures for the open data: the age bands (who wrote) with small groups
    suppressed; the rest as the report page shows them."""
    figures = dict((report.content or {}).get("figures") or {})
    if isinstance(figures.get("by_age_band"), list):
        figures["by_age_band"] = suppress_small_counts(figures["by_age_band"])
    return figures


def public_report_summary(report: ThematicReport) -> dict[str, Any] | None:
    """The analyst's summary of a report version as the open data shows it: its text, when
    it was written and whether for an earlier version; never who wrote it (an editor's
    name is personal data)."""
    summary = (report.content or {}).get("analyst_summary") or {}
    if not summary.get("text"):
        return None
    return {
        "text": summary["text"],
        "written_at": summary.get("written_at"),
        "written_for_version": summary.get("written_for_version"),
    }


def public_report_edit(report: ThematicReport) -> dict[str, Any] | None:
    """That an editor made this version from another, and when (not who)."""
    if report.edited_from_id is None:
        return None
    return {
        "from_version": (report.edit_changes or {}).get("from_version"),
        "edited_at": report.edited_at,
    }


def public_report_contrasts(report: ThematicReport) -> list[dict[str, Any]]:
    """The contrasting views (opinions/reports/contrasts.py) as the report page shows them:
    each subject with its two sides, more first, their counts and quotes."""
    content = report.content or {}
    return [
        {
            "term": contrast["term"],
            "form": written_form(content, contrast["term"]),
            "lemma": contrast.get("lemma", ""),
            "sides": [
                {
                    "side": side,
                    "count": contrast[side]["count"],
                    "quotes": [
                        {"opinion": quote["opinion_id"], "text": quote["text"]}
                        for quote in contrast[side]["quotes"]
                    ],
                }
                for side in ("more", "less")
                if side in contrast
            ],
        }
        for contrast in content.get("contrasts") or []
    ]


def published_comments_of_all() -> QuerySet[Comment]:
    return Comment.objects.filter(status=Opinion.Status.PUBLISHED)


def published_answers_of_all() -> QuerySet[ConsultationAnswer]:
    return ConsultationAnswer.objects.published()
