"""How far an indicator has come, and whether it is on track: the one place this is computed.

Progress is (latest - baseline) / (target - baseline): 0 at the baseline, 1 at the target,
above 1 past it, below 0 when the indicator moved the wrong way. The formula needs no
polarity (a "less is better" indicator has its target below its baseline, so both
differences are negative); polarity matters only when the target equals the baseline
("keep the level"), where the fraction is undefined.

The status compares progress with the straight line from the baseline (year, value) to the
target (year, value): at the latest measurement's year the line expects
(year - baseline_year) / (target_year - baseline_year) of the way. At or above it: on track;
short of it by at most AT_RISK_MARGIN of the whole way: at risk; further behind: off track.

The latest measurement is the one of the latest year; for a year that has both a
provisional and a final value, the final one counts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Indicator, Measurement

AT_RISK_MARGIN = Decimal("0.10")
ONE = Decimal(1)
ZERO = Decimal(0)


class Status(enum.StrEnum):
    NO_DATA = "no_data"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.NO_DATA: _("no measurement yet"),
    Status.ON_TRACK: _("on track"),
    Status.AT_RISK: _("at risk"),
    Status.OFF_TRACK: _("off track"),
}


@dataclass(frozen=True)
class Line:
    """What an indicator promises: from the baseline to the target, better one way."""

    baseline_value: Decimal
    baseline_year: int
    target_value: Decimal
    target_year: int
    less_is_better: bool = False


@dataclass(frozen=True)
class Point:
    year: int
    value: Decimal
    provisional: bool = False


@dataclass(frozen=True)
class Progress:
    latest: Point | None
    # None when there is no measurement; see the module's docstring for the target==baseline case.
    fraction: Decimal | None
    expected: Decimal | None
    status: Status

    @property
    def percent(self) -> int | None:
        """The fraction as whole percent for people (may exceed 100 or be negative)."""
        if self.fraction is None:
            return None
        return int((self.fraction * 100).to_integral_value())

    @property
    def bar_percent(self) -> int:
        """The fraction clipped to 0-100, for a progress bar."""
        return max(0, min(100, self.percent or 0))


def latest_point(points: Iterable[Point]) -> Point | None:
    """The measurement of the latest year; a final value outranks a provisional one."""
    best: Point | None = None
    for point in points:
        if best is None or (point.year, not point.provisional) > (best.year, not best.provisional):
            best = point
    return best


def effective_points(points: Iterable[Point]) -> list[Point]:
    """One point per year (the final value where there is one), in year order."""
    by_year: dict[int, Point] = {}
    for point in points:
        held = by_year.get(point.year)
        if held is None or (held.provisional and not point.provisional):
            by_year[point.year] = point
    return [by_year[year] for year in sorted(by_year)]


def expected_fraction(line: Line, year: int) -> Decimal:
    """How far the straight line from baseline to target is in `year` (0 to 1)."""
    span = line.target_year - line.baseline_year
    if span <= 0:
        return ONE
    share = Decimal(year - line.baseline_year) / Decimal(span)
    return max(ZERO, min(ONE, share))


def line_value(line: Line, year: int) -> Decimal:
    """The value the straight line expects in `year`."""
    return line.baseline_value + (line.target_value - line.baseline_value) * expected_fraction(
        line, year
    )


def compute_progress(line: Line, points: Iterable[Point]) -> Progress:
    latest = latest_point(points)
    if latest is None:
        return Progress(latest=None, fraction=None, expected=None, status=Status.NO_DATA)
    expected = expected_fraction(line, latest.year)
    span = line.target_value - line.baseline_value
    if span == 0:
        # Keep the level: reached while the value is not worse than the target.
        worse = latest.value < line.target_value
        if line.less_is_better:
            worse = latest.value > line.target_value
        fraction = ZERO if worse else ONE
        status = Status.OFF_TRACK if worse else Status.ON_TRACK
        return Progress(latest=latest, fraction=fraction, expected=expected, status=status)
    fraction = (latest.value - line.baseline_value) / span
    return Progress(
        latest=latest, fraction=fraction, expected=expected, status=_status(fraction, expected)
    )


def _status(fraction: Decimal, expected: Decimal) -> Status:
    if fraction >= expected:
        return Status.ON_TRACK
    if fraction >= expected - AT_RISK_MARGIN:
        return Status.AT_RISK
    return Status.OFF_TRACK


def summarize(statuses: Iterable[Status]) -> dict[Status, int]:
    """How many indicators are in each status, every status present (for a goal's summary)."""
    counts = dict.fromkeys(Status, 0)
    for status in statuses:
        counts[status] += 1
    return counts


def line_of(indicator: Indicator) -> Line:
    return Line(
        baseline_value=indicator.baseline_value,
        baseline_year=indicator.baseline_year,
        target_value=indicator.target_value,
        target_year=indicator.target_year,
        less_is_better=indicator.polarity == indicator.Polarity.DECREASE,
    )


def points_of(measurements: Iterable[Measurement]) -> list[Point]:
    return [Point(year=m.year, value=m.value, provisional=m.is_provisional) for m in measurements]


def indicator_progress(indicator: Indicator) -> Progress:
    """An indicator's progress from its measurements (prefetch them for a list)."""
    return compute_progress(line_of(indicator), points_of(indicator.measurements.all()))
