"""The progress and status of an indicator, on the edge cases the monitoring report meets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stages.strategy.progress import (
    Line,
    Point,
    Status,
    compute_progress,
    effective_points,
    expected_fraction,
    latest_point,
    line_value,
    summarize,
)

D = Decimal
# From 100 in 2020 to 200 in 2030: the line expects 150 in 2025.
UP = Line(baseline_value=D(100), baseline_year=2020, target_value=D(200), target_year=2030)
# Less is better: from 40 down to 20.
DOWN = Line(
    baseline_value=D(40), baseline_year=2020, target_value=D(20), target_year=2030,
    less_is_better=True,
)  # fmt: skip


def test_no_measurement_has_no_progress_and_says_so() -> None:
    progress = compute_progress(UP, [])
    assert progress.status is Status.NO_DATA
    assert progress.fraction is None
    assert progress.percent is None
    assert progress.bar_percent == 0


def test_halfway_on_the_line_is_on_track() -> None:
    progress = compute_progress(UP, [Point(2025, D(150))])
    assert progress.fraction == D("0.5")
    assert progress.expected == D("0.5")
    assert progress.status is Status.ON_TRACK
    assert progress.percent == 50


def test_slightly_behind_is_at_risk_and_far_behind_is_off_track() -> None:
    assert compute_progress(UP, [Point(2025, D(141))]).status is Status.AT_RISK
    assert compute_progress(UP, [Point(2025, D(140))]).status is Status.AT_RISK
    assert compute_progress(UP, [Point(2025, D(139))]).status is Status.OFF_TRACK


def test_moving_the_wrong_way_is_negative_and_off_track() -> None:
    progress = compute_progress(UP, [Point(2022, D(90))])
    assert progress.fraction == D("-0.1")
    assert progress.percent == -10
    assert progress.bar_percent == 0
    assert progress.status is Status.OFF_TRACK


def test_reversed_polarity_counts_a_fall_as_progress() -> None:
    progress = compute_progress(DOWN, [Point(2025, D(30))])
    assert progress.fraction == D("0.5")
    assert progress.status is Status.ON_TRACK
    rising = compute_progress(DOWN, [Point(2025, D(45))])
    assert rising.fraction == D("-0.25")
    assert rising.status is Status.OFF_TRACK


def test_overshoot_goes_past_one_hundred_percent_and_stays_on_track() -> None:
    progress = compute_progress(UP, [Point(2026, D(250))])
    assert progress.fraction == D("1.5")
    assert progress.percent == 150
    assert progress.bar_percent == 100
    assert progress.status is Status.ON_TRACK
    assert compute_progress(DOWN, [Point(2024, D(10))]).percent == 150


@pytest.mark.parametrize(
    ("less_is_better", "value", "status", "fraction"),
    [
        (False, D(50), Status.ON_TRACK, D(1)),
        (False, D(51), Status.ON_TRACK, D(1)),
        (False, D(49), Status.OFF_TRACK, D(0)),
        (True, D(50), Status.ON_TRACK, D(1)),
        (True, D(49), Status.ON_TRACK, D(1)),
        (True, D(51), Status.OFF_TRACK, D(0)),
    ],
)
def test_target_equal_to_baseline_means_keep_the_level(
    less_is_better: bool, value: Decimal, status: Status, fraction: Decimal
) -> None:
    keep = Line(D(50), 2020, D(50), 2030, less_is_better=less_is_better)
    progress = compute_progress(keep, [Point(2024, value)])
    assert progress.status is status
    assert progress.fraction == fraction


def test_a_final_value_replaces_the_provisional_one_of_its_year() -> None:
    provisional = Point(2025, D(120), provisional=True)
    final = Point(2025, D(160))
    assert compute_progress(UP, [provisional]).status is Status.OFF_TRACK
    # Whatever the order the rows come in, the final value counts.
    for points in ([provisional, final], [final, provisional]):
        progress = compute_progress(UP, points)
        assert progress.latest == final
        assert progress.status is Status.ON_TRACK
    assert effective_points([provisional, Point(2024, D(130)), final]) == [
        Point(2024, D(130)),
        final,
    ]


def test_a_newer_provisional_value_is_the_latest() -> None:
    final = Point(2024, D(140))
    newer = Point(2025, D(150), provisional=True)
    assert latest_point([newer, final]) == newer


def test_the_line_before_the_baseline_and_after_the_target_is_clipped() -> None:
    assert expected_fraction(UP, 2018) == 0
    assert expected_fraction(UP, 2035) == 1
    assert line_value(UP, 2025) == D(150)
    assert line_value(DOWN, 2025) == D(30)
    # A measurement in the baseline year expects nothing yet.
    assert compute_progress(UP, [Point(2020, D(100))]).status is Status.ON_TRACK


def test_summary_counts_every_status() -> None:
    counts = summarize([Status.ON_TRACK, Status.ON_TRACK, Status.NO_DATA])
    assert counts == {
        Status.NO_DATA: 1, Status.ON_TRACK: 2, Status.AT_RISK: 0, Status.OFF_TRACK: 0,
    }  # fmt: skip
