"""Accessible inline SVG bar charts for the thematic reports (the page and its PDF).

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(which says where the largest value is and that a table holds the same numbers); every bar
has its label written above it and its value printed after it, so nothing is told by colour
alone, and the page shows the same numbers in a `<table>` beside the chart.

The layout is fluid: horizontal positions are percentages and vertical ones pixels, so the
text keeps its size from a 320 px phone to an A4 page (a `viewBox` would shrink the labels
with the width). The same SVG is drawn by browsers and by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from opinions.models import AgeBand, Channel
from opinions.reports.figures import REPORT_LANGUAGE

# Ink on white 16:1, bars 8.6:1 (at least 3:1 is needed for graphics, 4.5:1 for text).
INK = "#1a1f2b"
BAR = "#0b4a8b"
TRACK = "#e4e8ef"
FONT = "DejaVu Sans, system-ui, sans-serif"


@dataclass(frozen=True)
class Layout:
    """Where a bar row's parts go: pixels down, percentages across."""

    font_size: int
    row_height: int
    label_baseline: int
    bar_top: int
    bar_height: int
    # The bars start here (0: the label is above the bar; else the label is beside it).
    bar_start_percent: float
    # The longest bar ends here; the rest of the width is room for its printed value.
    bar_end_percent: float
    # Longer labels are shortened with “…” (the table beside has them whole); 0: never.
    label_max_chars: int


# Screens from 320 px: each label on its own line above its bar, text at full size.
STACKED = Layout(13, 36, 14, 19, 12, 0.0, 78.0, 0)
# Print: the label beside its bar, so 28 districts fit beside their table on an A4 page.
COMPACT = Layout(10, 19, 13, 5, 10, 40.0, 86.0, 24)
# Print, for charts of a few bars with long labels (the consultation report's "organizacja
# lub instytucja"): each label whole above its bar, as on screens, at the print size.
PRINT_STACKED = Layout(10, 28, 11, 14, 10, 0.0, 86.0, 0)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    # Share of the figure's total, 0–100 (for the table beside the chart).
    percent: float
    # "pl" for a Polish name (a district, an area) shown on a page in another language.
    lang: str = ""


@dataclass(frozen=True)
class Figure:
    """One figure of a report: the chart and the rows of the table with the same numbers."""

    key: str
    title: str
    bars: tuple[Bar, ...]
    total: int
    svg: SafeString | None
    # What the rows are (the header of the table's first column).
    row_header: str
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def bars_of(rows: Iterable[Mapping[str, Any]]) -> tuple[Bar, ...]:
    """Bars from the rows of a report figure ({"label": …, "count": …}), in their order."""
    triples = [(str(row["label"]), int(row["count"]), str(row.get("lang", ""))) for row in rows]
    total = sum(count for _, count, _lang in triples)
    return tuple(
        Bar(label=label, count=count, percent=100 * count / total if total else 0.0, lang=lang)
        for label, count, lang in triples
    )


def bar_chart(
    *, chart_id: str, title: str, bars: Sequence[Bar], layout: Layout = STACKED
) -> SafeString | None:
    """A horizontal bar chart, or None when every value is zero (no empty charts)."""
    largest = max(bars, key=lambda bar: bar.count, default=None)
    if largest is None or largest.count == 0:
        return None
    description = _(
        "Bar chart with %(count)s bars; the largest is %(label)s: %(value)s. "
        "The same numbers are in the table next to the chart."
    ) % {"count": len(bars), "label": largest.label, "value": _number(largest.count)}
    rows = format_html_join(
        "",
        "{}",
        ((_bar_row(index, bar, largest.count, layout),) for index, bar in enumerate(bars)),
    )
    height = len(bars) * layout.row_height
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" role="img" '
        'width="100%" height="{height}" '
        'aria-labelledby="{id}-title" aria-describedby="{id}-desc" '
        'font-family="{font}" font-size="{size}" fill="{ink}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        "{rows}</svg>",
        height=height,
        id=chart_id,
        font=FONT,
        size=layout.font_size,
        ink=INK,
        title=title,
        description=description,
        rows=rows,
    )


def _bar_row(index: int, bar: Bar, largest: int, layout: Layout) -> SafeString:
    top = index * layout.row_height
    start = layout.bar_start_percent
    span = layout.bar_end_percent - start
    width = span * bar.count / largest
    label = bar.label
    if layout.label_max_chars and len(label) > layout.label_max_chars:
        label = label[: layout.label_max_chars - 1].rstrip() + "…"
    # A zero is a thin dark mark at the start of the track, and its value says 0.
    bar_width = f"{width:.2f}%" if bar.count else "2"
    return format_html(
        '<g><text x="0" y="{label_y}"{lang}>{label}</text>'
        '<rect x="{start}%" y="{y}" width="{span}%" height="{h}" fill="{track_fill}"/>'
        '<rect x="{start}%" y="{y}" width="{bar_width}" height="{h}" fill="{fill}"/>'
        '<text x="{value_x}%" dx="5" y="{value_y}" font-weight="bold">{value}</text></g>',
        label_y=top + layout.label_baseline,
        label=label,
        lang=format_html(' lang="{}"', bar.lang) if bar.lang else "",
        start=f"{start:.2f}",
        y=top + layout.bar_top,
        span=f"{span:.2f}",
        h=layout.bar_height,
        track_fill=TRACK,
        bar_width=bar_width,
        fill=BAR if bar.count else INK,
        value_x=f"{start + width:.2f}",
        value_y=top + layout.bar_top + layout.bar_height - 1,
        value=_number(bar.count),
    )


def _number(value: int) -> str:
    # As the table beside prints it (no thousands separator), so the two read the same.
    return str(value)


def report_figures(content: Mapping[str, Any], *, layout: Layout = STACKED) -> list[Figure]:
    """The figures of a built report's content (see opinions/reports.py), charts drawn."""
    figures = content.get("figures") or {}
    specs = [
        ("by_channel", _("Opinions by channel"), _("Channel")),
        ("by_district", _("Opinions by district"), _("District")),
        ("by_age_band", _("Opinions by age"), _("Age")),
        ("by_month", _("Opinions by month"), _("Month")),
    ]
    notes = {"by_month": _month_note(figures)}
    result = [
        _figure(
            key,
            title,
            header,
            bars_of(_in_page_language(key, figures.get(key) or [])),
            layout,
            notes.get(key, ""),
        )
        for key, title, header in specs
    ]
    share = figures.get("area_share")
    if share and share.get("total"):
        area = str((content.get("scope") or {}).get("area_name", ""))
        count, total = int(share["count"]), int(share["total"])
        bars = bars_of(
            [
                {"label": area, "count": count, "lang": "pl"},
                {"label": _("all other areas"), "count": max(total - count, 0)},
            ]
        )
        result.append(
            _figure(
                "area_share",
                _("Share of this area among all areas"),
                _("Areas"),
                bars,
                layout,
                note=_("%(percent)s %% of all %(total)s opinions in scope.")
                % {
                    "percent": number_format(100 * count / total, 1),
                    "total": _number(total),
                },
            )
        )
    return result


def _in_page_language(key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A figure's rows labelled in the page's language: the stored labels are Polish (the
    build's language), so on a page in another language channels and age bands are named
    again from their keys, and district names, proper names, are marked Polish."""
    named: dict[str, Any] = {}
    if get_language() == REPORT_LANGUAGE:
        return rows
    if key == "by_channel":
        named = {choice.value: choice.label for choice in Channel}
    elif key == "by_age_band":
        named = {choice.value: choice.label for choice in AgeBand} | {"": _("not given")}
    elif key == "by_district":
        named = {"": _("no district")}
    result = []
    for row in rows:
        row_key = str(row.get("key", ""))
        if row_key in named:
            result.append({**row, "label": str(named[row_key])})
        elif key == "by_district":
            result.append({**row, "lang": "pl"})
        else:
            result.append(row)
    return result


def _month_note(figures: Mapping[str, Any]) -> str:
    """The collection period the monthly chart is limited to, and the opinions dated outside."""
    period = figures.get("period")
    if not period:
        return ""
    first, last = (date_format(dt.date.fromisoformat(day), "j E Y") for day in period)
    if int(figures.get("periods") or 1) > 1:
        # Several consultations: each opinion against its own one's period (figures.py).
        note = _("Opinions dated within the period of the consultation each belongs to.")
    else:
        note = _("Opinions collected from %(first)s to %(last)s, the consultation's period.") % {
            "first": first,
            "last": last,
        }
    outside = int(figures.get("outside_period") or 0)
    if outside:
        note += " " + ngettext(
            "%(count)s opinion dated outside this period is counted in the report but not in "
            "this chart.",
            "%(count)s opinions dated outside this period are counted in the report but not in "
            "this chart.",
            outside,
        ) % {"count": outside}
    return note


def _figure(
    key: str, title: str, header: str, bars: tuple[Bar, ...], layout: Layout, note: str = ""
) -> Figure:
    return Figure(
        key=key,
        title=title,
        bars=bars,
        total=sum(bar.count for bar in bars),
        svg=bar_chart(
            chart_id=f"chart-{key.replace('_', '-')}", title=title, bars=bars, layout=layout
        ),
        row_header=header,
        note=note,
    )
