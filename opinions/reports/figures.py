"""The figures of a thematic report: one SQL aggregate (GROUP BY) per figure.

Every figure lists all its categories, zeros included (all channels, all districts of the
process, all age bands, every month from the first opinion's to the last one's within the
consultations' period), so a chart
never hides a category nobody wrote from. Labels are Polish: the report is a Polish document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext

from opinions.models import AgeBand, Channel, Opinion
from stages.models import Consultation, District

REPORT_LANGUAGE = "pl"

# Polish alphabetical order without depending on the database's collation (SQLite compares
# bytes, PostgreSQL whatever locale the cluster was created with): „Śródmieście” after
# „Sławinek”, „Łęczna” after „Lublin”.
_POLISH_LETTERS = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_POLISH_RANK = {letter: rank for rank, letter in enumerate(_POLISH_LETTERS)}


def polish_sort_key(text: str) -> tuple[tuple[int, str], ...]:
    return tuple(
        (_POLISH_RANK.get(char, len(_POLISH_LETTERS) + 1), char) for char in text.casefold()
    )


def _label(value: Any) -> str:
    with translation.override(REPORT_LANGUAGE):
        return str(value)


def _not_given() -> str:
    with translation.override(REPORT_LANGUAGE):
        return gettext("not given")


def _no_district() -> str:
    with translation.override(REPORT_LANGUAGE):
        return gettext("no district")


def scope_summary(scope: QuerySet[Opinion]) -> dict[str, Any]:
    """Opinions, events, districts and the first and last day, in one query."""
    row = scope.order_by().aggregate(
        opinions=Count("pk"),
        events=Count("event", distinct=True),
        districts=Count("district", distinct=True),
        first=Min("collected_on"),
        last=Max("collected_on"),
    )
    return {
        "opinion_count": row["opinions"],
        "event_count": row["events"],
        "district_count": row["districts"],
        "first_date": row["first"].isoformat() if row["first"] else None,
        "last_date": row["last"].isoformat() if row["last"] else None,
    }


def _counts(scope: QuerySet[Opinion], field: str) -> dict[Any, int]:
    rows = scope.order_by().values(field).annotate(count=Count("pk")).values_list(field, "count")
    return {value: count for value, count in rows}


def by_channel(scope: QuerySet[Opinion]) -> list[dict[str, Any]]:
    counts = _counts(scope, "channel")
    return [
        {"key": channel.value, "label": _label(channel.label), "count": counts.get(channel, 0)}
        for channel in Channel
    ]


def by_district(scope: QuerySet[Opinion]) -> list[dict[str, Any]]:
    counts = _counts(scope, "district")
    districts = sorted(
        District.objects.values_list("pk", "slug", "name"),
        key=lambda row: polish_sort_key(row[2]),
    )
    rows = [
        {"key": slug, "label": name, "count": counts.get(pk, 0)} for pk, slug, name in districts
    ]
    rows.append({"key": "", "label": _no_district(), "count": counts.get(None, 0)})
    return rows


def by_age_band(scope: QuerySet[Opinion]) -> list[dict[str, Any]]:
    counts = _counts(scope, "age_band")
    rows = [
        {"key": band.value, "label": _label(band.label), "count": counts.get(band, 0)}
        for band in AgeBand
    ]
    rows.append({"key": "", "label": _not_given(), "count": counts.get("", 0)})
    return rows


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


Period = tuple[dt.date, dt.date]


def collection_periods(scope: QuerySet[Opinion]) -> dict[int, Period]:
    """The days each consultation of the opinions asked for them: from its opening to its
    closing, by consultation id."""
    rows = Consultation.objects.filter(pk__in=scope.values("consultation_id")).values_list(
        "pk", "opens_at", "closes_at"
    )
    return {
        pk: (timezone.localtime(opens).date(), timezone.localtime(closes).date())
        for pk, opens, closes in rows
        if opens is not None and closes is not None
    }


def in_period(periods: dict[int, Period]) -> Q | None:
    """Opinions dated within their own consultation's period (one without a consultation,
    or of one without dates, within the span of them all); None without any period.

    The span alone would not do for several consultations: one open until 2030 would let a
    card dated years off into the chart, and stretch it over dozens of empty months."""
    if not periods:
        return None
    span = _span(periods)
    condition = ~Q(consultation_id__in=sorted(periods)) & Q(collected_on__range=span)
    for pk, period in sorted(periods.items()):
        condition |= Q(consultation_id=pk, collected_on__range=period)
    return condition


def by_month(scope: QuerySet[Opinion], within: Q | None = None) -> list[dict[str, Any]]:
    """Opinions per month, every month from the first to the last; with `within` (see
    `in_period`), only the months of the opinions dated within their consultation's period
    (`outside_period` counts the others apart)."""
    if within is not None:
        scope = scope.filter(within)
    rows = (
        scope.order_by()
        .annotate(month=TruncMonth("collected_on"))
        .values("month")
        .annotate(count=Count("pk"))
        .values_list("month", "count")
    )
    counts: dict[dt.date, int] = {}
    for month, count in rows:
        day = month.date() if isinstance(month, dt.datetime) else month
        counts[_month_start(day)] = counts.get(_month_start(day), 0) + count
    if not counts:
        return []
    months = []
    month, last = min(counts), max(counts)
    while month <= last:
        months.append(
            {
                "key": f"{month:%Y-%m}",
                "label": f"{month:%m.%Y}",
                "count": counts.get(month, 0),
            }
        )
        month = _next_month(month)
    return months


def outside_period(scope: QuerySet[Opinion], within: Q | None) -> int:
    if within is None:
        return 0
    return scope.exclude(within).order_by().count()


def area_share(count: int, total: int) -> dict[str, Any]:
    return {"count": count, "total": total, "share": round(count / total, 4) if total else 0.0}


def compute_figures(
    scope: QuerySet[Opinion], all_areas: QuerySet[Opinion]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figures, scope summary) of the report's opinions; `all_areas` is the same scope in
    every area (the denominator of the area's share)."""
    summary = scope_summary(scope)
    periods = collection_periods(scope)
    within = in_period(periods)
    channels = by_channel(scope)
    summary["channel_count"] = sum(1 for row in channels if row["count"])
    figures = {
        "by_channel": channels,
        "by_district": by_district(scope),
        "by_age_band": by_age_band(scope),
        "by_month": by_month(scope, within),
        "period": _period_figure(periods),
        # How many consultations' periods the chart keeps to (its note says so).
        "periods": len(periods),
        "outside_period": outside_period(scope, within),
        "area_share": area_share(summary["opinion_count"], all_areas.order_by().count()),
    }
    return figures, summary


def _span(periods: dict[int, Period]) -> Period:
    return min(first for first, _last in periods.values()), max(
        last for _f, last in periods.values()
    )


def _period_figure(periods: dict[int, Period]) -> list[str] | None:
    """[first day, last day] of the consultations' periods together, as ISO dates."""
    if not periods:
        return None
    return [day.isoformat() for day in _span(periods)]
