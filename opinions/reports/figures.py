"""The figures of a thematic report: one SQL aggregate (GROUP BY) per figure.

Every figure lists all its categories, zeros included (all channels, all districts of the
process, all age bands, every month from the first opinion's to the last one's within the
consultations' period), so a chart
never hides a category nobody wrote from. Labels are Polish: the report is a Polish document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Min, QuerySet
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


def collection_period(scope: QuerySet[Opinion]) -> Period | None:
    """The days the opinions were asked for: from the earliest opening to the latest closing
    of the consultations they belong to (None when none has a consultation)."""
    row = Consultation.objects.filter(pk__in=scope.values("consultation_id")).aggregate(
        opens=Min("opens_at"), closes=Max("closes_at")
    )
    if row["opens"] is None or row["closes"] is None:
        return None
    return timezone.localtime(row["opens"]).date(), timezone.localtime(row["closes"]).date()


def by_month(scope: QuerySet[Opinion], period: Period | None = None) -> list[dict[str, Any]]:
    """Opinions per month, every month from the first to the last; with a period, only the
    period's months and opinions (one card dated years off would stretch the chart over
    dozens of empty months: `outside_period` counts such opinions apart)."""
    if period is not None:
        scope = scope.filter(collected_on__range=period)
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


def outside_period(scope: QuerySet[Opinion], period: Period | None) -> int:
    if period is None:
        return 0
    return scope.exclude(collected_on__range=period).order_by().count()


def area_share(count: int, total: int) -> dict[str, Any]:
    return {"count": count, "total": total, "share": round(count / total, 4) if total else 0.0}


def compute_figures(
    scope: QuerySet[Opinion], all_areas: QuerySet[Opinion]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figures, scope summary) of the report's opinions; `all_areas` is the same scope in
    every area (the denominator of the area's share)."""
    summary = scope_summary(scope)
    period = collection_period(scope)
    channels = by_channel(scope)
    summary["channel_count"] = sum(1 for row in channels if row["count"])
    figures = {
        "by_channel": channels,
        "by_district": by_district(scope),
        "by_age_band": by_age_band(scope),
        "by_month": by_month(scope, period),
        "period": [period[0].isoformat(), period[1].isoformat()] if period else None,
        "outside_period": outside_period(scope, period),
        "area_share": area_share(summary["opinion_count"], all_areas.order_by().count()),
    }
    return figures, summary
