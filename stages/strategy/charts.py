"""An indicator as an accessible inline SVG line chart, with the rows of the table beside it.

Like opinions/reports/charts.py: an `<svg role="img">` named by its `<title>` and described
by its `<desc>` (baseline, target, latest value and status, and that a table holds the
same numbers); horizontal positions are percentages and vertical ones pixels, so the text
keeps its size from a 320 px phone to an A4 page, and WeasyPrint draws the same SVG.
Nothing is told by colour alone: the plan is a dashed line, measurements a solid one, a
final value a filled dot, a provisional one an open dot, the target a ring; the page's
legend says so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .models import Indicator
from .progress import Line, Point, Progress, compute_progress, effective_points, line_of, points_of

INK = "#1a1f2b"
MEASURED = "#0b4a8b"
GRID = "#cfd6e3"
FONT = "DejaVu Sans, system-ui, sans-serif"
HEIGHT = 210
TOP, BOTTOM = 16, 176
LEFT, RIGHT = 16.0, 95.0


@dataclass(frozen=True)
class Row:
    year: int
    planned: Decimal | None
    measured: Decimal | None
    provisional: bool = False


@dataclass(frozen=True)
class IndicatorFigure:
    indicator: Indicator
    progress: Progress
    svg: SafeString
    rows: list[Row]


def format_value(value: Decimal | None) -> str:
    """A value as people read it here (decimal comma in Polish), without trailing zeros."""
    if value is None:
        return ""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(normal, decimal_pos=places, use_l10n=True, force_grouping=True)


def indicator_figure(indicator: Indicator, chart_id: str = "") -> IndicatorFigure:
    """The chart and table of an indicator (prefetch `measurements` for a list)."""
    points = points_of(indicator.measurements.all())
    line = line_of(indicator)
    progress = compute_progress(line, points)
    shown = effective_points(points)
    yearly = indicator.yearly_target_values()
    return IndicatorFigure(
        indicator=indicator,
        progress=progress,
        svg=line_chart(
            chart_id=chart_id or f"indicator-{indicator.code}",
            title=indicator.localized_name,
            unit=indicator.unit,
            line=line,
            yearly=yearly,
            points=shown,
            progress=progress,
        ),
        rows=table_rows(line, yearly, shown),
    )


def table_rows(line: Line, yearly: dict[int, Decimal], points: list[Point]) -> list[Row]:
    planned = dict(yearly)
    planned[line.baseline_year] = line.baseline_value
    planned[line.target_year] = line.target_value
    measured = {point.year: point for point in points}
    rows = []
    for year in sorted(set(planned) | set(measured)):
        point = measured.get(year)
        rows.append(
            Row(
                year=year,
                planned=planned.get(year),
                measured=point.value if point else None,
                provisional=bool(point and point.provisional),
            )
        )
    return rows


@dataclass(frozen=True)
class Scale:
    first_year: int
    last_year: int
    low: Decimal
    high: Decimal

    def x(self, year: int) -> str:
        span = max(1, self.last_year - self.first_year)
        return f"{LEFT + (RIGHT - LEFT) * (year - self.first_year) / span:.2f}%"

    def y(self, value: Decimal) -> int:
        share = (value - self.low) / (self.high - self.low)
        return round(BOTTOM - float(share) * (BOTTOM - TOP))


def _scale(line: Line, yearly: dict[int, Decimal], points: list[Point]) -> Scale:
    values = [line.baseline_value, line.target_value, *yearly.values()]
    values += [point.value for point in points]
    low, high = min(values), max(values)
    pad = (high - low) * Decimal("0.08") or abs(high) * Decimal("0.1") or Decimal(1)
    years = [line.baseline_year, line.target_year, *(point.year for point in points)]
    return Scale(min(years), max(years), low - pad, high + pad)


def line_chart(
    *,
    chart_id: str,
    title: str,
    unit: str,
    line: Line,
    yearly: dict[int, Decimal],
    points: list[Point],
    progress: Progress,
) -> SafeString:
    scale = _scale(line, yearly, points)
    parts = [_grid(scale, unit), _plan(scale, line, yearly), _measured(scale, points)]
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" role="img" '
        'width="100%" height="{height}" '
        'aria-labelledby="{id}-title" aria-describedby="{id}-desc" '
        'font-family="{font}" font-size="12" fill="{ink}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        "{parts}</svg>",
        height=HEIGHT,
        id=chart_id,
        font=FONT,
        ink=INK,
        title=title,
        description=_describe(line, unit, points, progress),
        parts=format_html_join("", "{}", ((part,) for part in parts)),
    )


def _describe(line: Line, unit: str, points: list[Point], progress: Progress) -> str:
    text = _(
        "Line chart. Baseline %(baseline)s %(unit)s in %(baseline_year)s, "
        "target %(target)s %(unit)s in %(target_year)s."
    ) % {
        "baseline": format_value(line.baseline_value),
        "baseline_year": line.baseline_year,
        "target": format_value(line.target_value),
        "target_year": line.target_year,
        "unit": unit,
    }
    latest = progress.latest
    if latest is None:
        text += " " + _("No measurement yet.")
    else:
        text += " " + _("Latest: %(value)s %(unit)s in %(year)s (%(status)s).") % {
            "value": format_value(latest.value),
            "unit": unit,
            "year": latest.year,
            "status": progress.status.label,
        }
    return text + " " + _("The same numbers are in the table next to the chart.")


def _grid(scale: Scale, unit: str) -> SafeString:
    middle = (scale.low + scale.high) / 2
    lines = format_html_join(
        "",
        '<line x1="{}%" x2="{}%" y1="{}" y2="{}" stroke="{}"/>'
        '<text x="0" y="{}" font-size="11">{}</text>',
        (
            (
                LEFT,
                RIGHT,
                scale.y(value),
                scale.y(value),
                GRID,
                scale.y(value) + 4,
                format_value(_round(value)),
            )
            for value in (scale.high, middle, scale.low)
        ),
    )
    years = sorted({scale.first_year, scale.last_year})
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
        ((scale.x(year), BOTTOM + 20, year) for year in years),
    )
    return format_html(
        '<g aria-hidden="true">{lines}{labels}<text x="0" y="10" font-size="11">{unit}</text></g>',
        lines=lines,
        labels=labels,
        unit=unit,
    )


def _round(value: Decimal) -> Decimal:
    # Axis labels need three significant figures at most; the table has the exact values.
    if value == 0:
        return value
    digits = value.adjusted()
    return value.quantize(Decimal(10) ** min(0, digits - 2))


def _plan(scale: Scale, line: Line, yearly: dict[int, Decimal]) -> SafeString:
    stops = sorted(
        {
            line.baseline_year: line.baseline_value,
            **yearly,
            line.target_year: line.target_value,
        }.items()
    )
    segments = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
        'stroke-dasharray="6 4"/>',
        (
            (scale.x(a_year), scale.y(a_value), scale.x(b_year), scale.y(b_value), INK)
            for (a_year, a_value), (b_year, b_value) in pairwise(stops)
        ),
    )
    return format_html(
        '<g aria-hidden="true">{segments}'
        '<circle cx="{bx}" cy="{by}" r="4" fill="{ink}"/>'
        '<circle cx="{tx}" cy="{ty}" r="7" fill="#ffffff" stroke="{ink}" stroke-width="3"/></g>',
        segments=segments,
        bx=scale.x(line.baseline_year),
        by=scale.y(line.baseline_value),
        tx=scale.x(line.target_year),
        ty=scale.y(line.target_value),
        ink=INK,
    )


def _measured(scale: Scale, points: list[Point]) -> SafeString:
    segments = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>',
        (
            (scale.x(a.year), scale.y(a.value), scale.x(b.year), scale.y(b.value), MEASURED)
            for a, b in pairwise(points)
        ),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="5" fill="{}" stroke="{}" stroke-width="2"/>',
        (
            (
                scale.x(point.year),
                scale.y(point.value),
                "#ffffff" if point.provisional else MEASURED,
                MEASURED,
            )
            for point in points
        ),
    )
    return format_html('<g aria-hidden="true">{}{}</g>', segments, dots)
