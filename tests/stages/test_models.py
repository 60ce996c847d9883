from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from stages.models import Stage, to_roman
from tests.factories import StageFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "roman"), [(1, "I"), (4, "IV"), (9, "IX"), (12, "XII"), (14, "XIV"), (40, "XL")]
)
def test_roman_numerals(number: int, roman: str) -> None:
    assert to_roman(number) == roman


def test_status_follows_the_dates() -> None:
    stage = StageFactory(period_start=dt.date(2021, 4, 1), period_end=dt.date(2021, 6, 30))

    assert stage.status_on(dt.date(2021, 3, 31)) == Stage.Status.UPCOMING
    assert stage.status_on(dt.date(2021, 4, 1)) == Stage.Status.CURRENT
    assert stage.status_on(dt.date(2021, 6, 30)) == Stage.Status.CURRENT
    assert stage.status_on(dt.date(2021, 7, 1)) == Stage.Status.COMPLETED


def test_a_pinned_status_wins_over_the_dates() -> None:
    stage = StageFactory(
        period_start=dt.date(2021, 4, 1),
        period_end=dt.date(2021, 6, 30),
        pinned_status=Stage.Status.CURRENT,
    )
    assert stage.status_on(dt.date(2030, 1, 1)) == Stage.Status.CURRENT


@time_machine.travel(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC), tick=False)
def test_current_stage_is_the_latest_started_of_overlapping_periods() -> None:
    StageFactory(number=3, period_start=dt.date(2020, 10, 1), period_end=dt.date(2021, 6, 30))
    fourth = StageFactory(
        number=4, period_start=dt.date(2021, 4, 1), period_end=dt.date(2021, 6, 30)
    )
    StageFactory(number=6, period_start=dt.date(2021, 10, 1), period_end=dt.date(2021, 12, 31))

    assert Stage.objects.current() == fourth


def test_pinning_a_stage_current_makes_it_the_current_one() -> None:
    StageFactory(number=1, period_start=dt.date(2020, 1, 1), period_end=dt.date(2035, 1, 1))
    pinned = StageFactory(number=2, pinned_status=Stage.Status.CURRENT)

    assert Stage.objects.current() == pinned


def test_no_current_stage_between_periods() -> None:
    StageFactory(number=1, period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 2, 1))
    assert Stage.objects.current(today=dt.date(2024, 1, 1)) is None


def test_english_text_falls_back_to_polish() -> None:
    stage = StageFactory(
        title="Diagnoza", title_en="", summary="Po polsku", summary_en="In English"
    )

    with translation.override("en"):
        assert stage.localized_title == "Diagnoza"
        assert stage.localized_summary == "In English"
    with translation.override("pl"):
        assert stage.localized_summary == "Po polsku"


def test_results_and_paragraphs_are_split_for_display() -> None:
    stage = StageFactory(
        expected_results="- Raport\n\n• Rekomendacje  \n", description="Jeden.\n\n\nDwa."
    )
    assert stage.results_list == ["Raport", "Rekomendacje"]
    assert stage.description_paragraphs == ["Jeden.", "Dwa."]
