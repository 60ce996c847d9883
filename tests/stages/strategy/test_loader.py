"""load_strategy: the Lublin file, a small city's file, and files with mistakes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from stages.models import (
    DevelopmentArea,
    Direction,
    Goal,
    Indicator,
    Measurement,
    Strategy,
    Task,
)
from stages.strategy.loader import StrategyFileError, load_strategy

pytestmark = pytest.mark.django_db

LUBLIN_STRATEGY = Path(settings.BASE_DIR) / "data" / "strategy" / "lublin-2030.toml"

SMALL = """
[strategy]
key = "maly-2030"
name = "Strategia Małego Miasta"
start_year = 2021
end_year = 2030

[[areas]]
number = 1
slug = "zielen"
name = "Zieleń"

[[goals]]
code = "1"
area = "zielen"
title = "Więcej drzew"

[[goals]]
code = "1.1"
area = "zielen"
parent = "1"
title = "Drzewa przy ulicach"

[[directions]]
code = "1.1.1"
goal = "1.1"
title = "Sadzenie drzew"

[[indicators]]
code = "drzewa"
goal = "1"
name = "Posadzone drzewa"
unit = "szt."
polarity = "increase"
baseline_value = 100
baseline_year = 2019
target_value = 1000.5
target_year = 2030
yearly_targets = { 2025 = 500 }
source = "GUS, Bank Danych Lokalnych"

[[tasks]]
code = "T-1"
direction = "1.1.1"
title = "Aleja na Czechowie"
responsible_unit = "Zarząd Zieleni Miejskiej"
budget = 120000
starts_on = 2022-03-01
ends_on = 2023-11-30
districts = ["czechow-polnocny", "slawin"]
status = "in_progress"

[[measurements]]
indicator = "drzewa"
year = 2022
value = "250.5"
status = "provisional"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "strategy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def counts() -> list[int]:
    return [
        model.objects.count()
        for model in (Strategy, DevelopmentArea, Goal, Direction, Indicator, Task, Measurement)
    ]


def test_the_lublin_strategy_loads_and_a_second_load_changes_nothing(lublin_process: None) -> None:
    report = load_strategy(LUBLIN_STRATEGY)
    assert report.changed
    assert DevelopmentArea.objects.count() == 5
    assert Goal.objects.filter(level=Goal.Level.STRATEGIC).count() == 15
    assert Direction.objects.count() == 30
    assert Indicator.objects.count() == 30
    assert Indicator.objects.get(code="pm10").polarity == Indicator.Polarity.DECREASE
    again = load_strategy(LUBLIN_STRATEGY)
    assert not again.changed
    assert again.unchanged["indicator"] == 30


def test_the_lublin_strategy_has_english_for_every_area_direction_and_indicator(
    lublin_process: None,
) -> None:
    load_strategy(LUBLIN_STRATEGY)
    assert DevelopmentArea.objects.exclude(description_en="").count() == 5
    assert Direction.objects.exclude(title_en="").count() == 30
    assert Indicator.objects.exclude(name_en="").count() == 30
    assert Indicator.objects.get(code="drogi-rowerowe").name_en == "Length of cycle paths"


def test_a_small_file_loads_every_kind_of_row(lublin_process: None, tmp_path: Path) -> None:
    load_strategy(write(tmp_path, SMALL))
    operational = Goal.objects.get(code="1.1")
    assert operational.level == Goal.Level.OPERATIONAL
    assert operational.parent == Goal.objects.get(code="1")
    indicator = Indicator.objects.get(code="drzewa")
    assert indicator.target_value == Decimal("1000.5")
    assert indicator.yearly_target_values() == {2025: Decimal(500)}
    task = Task.objects.get(code="T-1")
    assert task.budget == Decimal("120000.00")
    assert sorted(task.districts.values_list("slug", flat=True)) == ["czechow-polnocny", "slawin"]
    measurement = Measurement.objects.get()
    assert measurement.value == Decimal("250.5")
    assert measurement.is_provisional


def test_a_corrected_file_updates_what_it_corrects(lublin_process: None, tmp_path: Path) -> None:
    load_strategy(write(tmp_path, SMALL))
    report = load_strategy(write(tmp_path, SMALL.replace('"Więcej drzew"', '"Więcej zieleni"')))
    assert report.updated == {"goal": 1}
    assert Goal.objects.get(code="1").title == "Więcej zieleni"


def test_the_command_reports_what_it_did(lublin_process: None, tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    call_command("load_strategy", str(path))
    with pytest.raises(CommandError, match="no area 'woda'"):
        call_command(
            "load_strategy",
            str(
                write(
                    tmp_path,
                    SMALL.replace(
                        'area = "zielen"\ntitle = "Więcej', 'area = "woda"\ntitle = "Więcej'
                    ),
                )
            ),
        )


BAD = [
    pytest.param(
        ('area = "zielen"\ntitle = "Więcej', 'area = "woda"\ntitle = "Więcej'),
        "line 13, goals[0].area: no area 'woda' in this file",
        id="goal-under-unknown-area",
    ),
    pytest.param(
        ("target_year = 2030", "target_year = 2018"),
        "line 29, indicators[0].target_year: 2018 does not come after the baseline year 2019",
        id="target-before-baseline",
    ),
    pytest.param(
        ('indicator = "drzewa"', 'indicator = "krzewy"'),
        "measurements[0].indicator: no indicator 'krzewy' in this file",
        id="measurement-unknown-indicator",
    ),
    pytest.param(
        ('value = "250.5"', 'value = "250,5"'),
        "measurements[0].value: '250,5' has a decimal comma",
        id="comma-decimal",
    ),
    pytest.param(
        ("target_value = 1000.5", "target_value = 10"),
        "indicators[0].target_value: 10 goes the wrong way for polarity 'increase'",
        id="target-against-polarity",
    ),
    pytest.param(
        ('"slawin"]', '"nibylandia"]'),
        "tasks[0].districts: no district 'nibylandia'",
        id="unknown-district",
    ),
    pytest.param(
        ('parent = "1"', 'parent = "7"'),
        "goals[1].parent: no goal '7' in this file",
        id="unknown-parent",
    ),
    pytest.param(
        ("baseline_year = 2019", "baseline_year = 2019\ncolour = 1"),
        "indicators[0].colour: unknown key",
        id="unknown-key",
    ),
    pytest.param(
        ('code = "1.1.1"', 'code = "1.1"'),
        "directions[0].goal",
        id="duplicate-code-across-kinds-is-fine-but-missing-goal-is-not",
    ),
    pytest.param(
        ("[[tasks]]", "[[tasks]\n"),
        "TOML syntax error",
        id="syntax",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_a_file_with_a_mistake_is_refused_whole(
    lublin_process: None, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    if message == "directions[0].goal":
        old, new = 'goal = "1.1"\ntitle = "Sadzenie', 'goal = "9.9"\ntitle = "Sadzenie'
    text = SMALL.replace(old, new, 1)
    assert text != SMALL
    with pytest.raises(StrategyFileError) as caught:
        load_strategy(write(tmp_path, text))
    assert message in str(caught.value)
    assert counts() == [0] * 7


def test_a_mistake_in_a_reload_leaves_the_first_load_as_it_was(
    lublin_process: None, tmp_path: Path
) -> None:
    load_strategy(write(tmp_path, SMALL))
    before = counts()
    broken = SMALL.replace('title = "Więcej drzew"', 'title = "Więcej zieleni"').replace(
        'value = "250.5"', 'value = "250,5"'
    )
    with pytest.raises(StrategyFileError):
        load_strategy(write(tmp_path, broken))
    assert counts() == before
    assert Goal.objects.get(code="1").title == "Więcej drzew"


def test_every_mistake_is_listed_at_once(lublin_process: None, tmp_path: Path) -> None:
    text = SMALL.replace(
        'area = "zielen"\ntitle = "Więcej', 'area = "woda"\ntitle = "Więcej'
    ).replace("target_year = 2030", "target_year = 2018")
    with pytest.raises(StrategyFileError) as caught:
        load_strategy(write(tmp_path, text))
    assert "goals[0].area" in str(caught.value)
    assert "indicators[0].target_year" in str(caught.value)


def test_a_reload_keeps_the_adoption_recorded_by_the_editors(lublin_process: None) -> None:
    load_strategy(LUBLIN_STRATEGY)
    Strategy.objects.update(adopted_on="2022-01-27", resolution_number="1387/XXXVI/2022")
    report = load_strategy(LUBLIN_STRATEGY)
    assert not report.changed
    assert Strategy.objects.get().resolution_number == "1387/XXXVI/2022"
