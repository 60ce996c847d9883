from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from stages.models import Consultation, District, Process, Stage, ThematicArea
from stages.process_loader import ProcessFileError, load_process
from tests.conftest import LUBLIN_PROCESS

pytestmark = pytest.mark.django_db

SMALL_CITY = """
[process]
key = "przykladowo2035"
name = "Strategia Przykładowo 2035"
city = "Przykładowo"
question = "Jakie ma być Przykładowo w 2035 roku?"

[[stages]]
number = 1
slug = "diagnoza"
title = "Diagnoza"
period_start = 2025-01-01
period_end = 2025-06-30

[[stages]]
number = 2
slug = "wizja"
title = "Wizja"
period_start = 2025-07-01
period_end = 2025-12-31
expected_results = ["Wizja miasta"]

[[areas]]
number = 1
slug = "zielen"
name = "Zieleń"

[[districts]]
slug = "centrum"
name = "Centrum"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "process.toml"
    path.write_text(text, encoding="utf-8")
    return path


def snapshot() -> list[object]:
    return [
        list(Process.objects.values()),
        list(Stage.objects.order_by("number").values()),
        list(ThematicArea.objects.order_by("number").values()),
        list(District.objects.order_by("slug").values()),
        list(Consultation.objects.order_by("slug").values()),
    ]


def test_lublin_process_loads_nine_stages_twelve_areas_27_districts() -> None:
    report = load_process(LUBLIN_PROCESS)

    assert report.created == {
        "process": 1,
        "stages": 9,
        "areas": 12,
        "districts": 27,
        "consultations": 2,
    }
    assert list(Stage.objects.values_list("number", flat=True)) == list(range(1, 10))
    stage_two = Stage.objects.get(number=2)
    assert stage_two.title == "Rozmawiamy o przyszłości Lublina"
    assert stage_two.roman == "II"
    assert stage_two.results_list
    assert Process.objects.get().question == "Jaki ma być Lublin w 2030 roku?"
    assert ThematicArea.objects.get(slug="urbanistyka-mobilnosc").name.startswith("Urbanistyka")
    assert District.objects.filter(name="Śródmieście").exists()


def test_loading_twice_changes_nothing() -> None:
    load_process(LUBLIN_PROCESS)
    before = snapshot()

    report = load_process(LUBLIN_PROCESS)

    assert not report.changed
    assert report.unchanged == {
        "process": 1,
        "stages": 9,
        "areas": 12,
        "districts": 27,
        "consultations": 2,
    }
    assert snapshot() == before


def test_another_city_loads_the_same_way(tmp_path: Path) -> None:
    load_process(write(tmp_path, SMALL_CITY))

    assert Process.objects.get().city == "Przykładowo"
    assert list(Stage.objects.values_list("slug", flat=True)) == ["diagnoza", "wizja"]
    assert Stage.objects.get(slug="wizja").results_list == ["Wizja miasta"]


def test_a_corrected_file_updates_only_what_changed(tmp_path: Path) -> None:
    load_process(write(tmp_path, SMALL_CITY))
    report = load_process(
        write(tmp_path, SMALL_CITY.replace('title = "Wizja"', 'title = "Wizja 2035"'))
    )

    assert report.updated == {"stages": 1}
    assert Stage.objects.get(number=2).title == "Wizja 2035"


def test_syntax_error_names_the_line_and_loads_nothing(tmp_path: Path) -> None:
    broken = SMALL_CITY.replace('slug = "wizja"', 'slug = "wizja')

    with pytest.raises(ProcessFileError, match=r"line 17"):
        load_process(write(tmp_path, broken))
    assert not Stage.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('title = "Wizja"\n', ""), r"stages\[1\]\.title: required key is missing"),
        (("period_start = 2025-07-01", "period_start = 2026-07-01"), r"stages\[1\]\.period_end"),
        (('slug = "wizja"', 'slug = "diagnoza"'), r"stages\[1\]\.slug: 'diagnoza' repeats"),
        (('slug = "zielen"', 'slug = "Zieleń"'), r"areas\[0\]\.slug"),
        (("number = 2", 'number = "two"'), r"stages\[1\]\.number: expected a whole number"),
        (('question = "Jakie', 'questoin = "Jakie'), r"process\.questoin: unknown key"),
        (("[[districts]]", "[[distrcts]]"), r"distrcts: unknown section"),
    ],
)
def test_invalid_file_names_the_key_and_nothing_is_half_loaded(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    load_process(LUBLIN_PROCESS)
    before = snapshot()
    old, new = change
    assert old in SMALL_CITY

    with pytest.raises(ProcessFileError, match=message):
        load_process(write(tmp_path, SMALL_CITY.replace(old, new, 1)))

    assert snapshot() == before


def test_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cp1250.toml"
    path.write_bytes(SMALL_CITY.encode("cp1250"))

    with pytest.raises(ProcessFileError, match="not valid UTF-8"):
        load_process(path)
    assert not Process.objects.exists()


def test_command_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="required table"):
        call_command("load_process", str(write(tmp_path, "[[stages]]\nnumber = 1\n")))


def test_command_loads_the_shipped_process_by_default() -> None:
    call_command("load_process")
    assert Stage.objects.count() == 9


def test_the_open_question_is_seeded_as_a_consultation_of_stage_two() -> None:
    load_process(LUBLIN_PROCESS)

    consultation = Consultation.objects.get(stage__number=2)
    assert consultation.kind == Consultation.Kind.OPEN_QUESTION
    assert consultation.question == "Jaki ma być Lublin w 2030 roku?"
    assert consultation.statutory is False


def test_the_statutory_consultation_of_the_draft_strategy_is_loaded() -> None:
    load_process(LUBLIN_PROCESS)

    draft = Consultation.objects.get(stage__number=7)
    assert draft.kind == Consultation.Kind.DOCUMENT
    assert draft.statutory is True
    assert draft.how_to_comment.startswith("Uwagi do projektu można zgłaszać")
    assert draft.how_to_comment_en.startswith("Comments on the draft may be sent")
    # 15 November – 20 December 2021, Warsaw time: the 35 days the law asks for.
    assert timezone.localtime(draft.opens_at).date() == dt.date(2021, 11, 15)
    assert timezone.localtime(draft.closes_at).date() == dt.date(2021, 12, 20)


STATUTORY = SMALL_CITY + (
    '\n[[consultations]]\nstage = 2\nslug = "projekt"\nkind = "document"\n'
    'title = "Projekt strategii"\nstatutory = true\n'
    "opens_at = 2025-09-01T00:00:00+02:00\ncloses_at = {closes}\n"
)


def test_a_statutory_consultation_shorter_than_35_days_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProcessFileError) as error:
        load_process(write(tmp_path, STATUTORY.format(closes="2025-10-05T00:00:00+02:00")))
    assert "consultations[0].closes_at" in str(error.value)
    assert "35" in str(error.value)
    assert not Consultation.objects.exists()

    load_process(write(tmp_path, STATUTORY.format(closes="2025-10-06T00:00:00+02:00")))
    assert Consultation.objects.get().statutory is True


def test_dropping_statutory_from_the_file_takes_effect(tmp_path: Path) -> None:
    load_process(write(tmp_path, STATUTORY.format(closes="2025-10-06T00:00:00+02:00")))
    load_process(
        write(
            tmp_path,
            STATUTORY.format(closes="2025-10-06T00:00:00+02:00").replace("statutory = true\n", ""),
        )
    )
    assert Consultation.objects.get().statutory is False


def test_consultation_must_name_a_stage_of_the_file_and_a_time_zone(tmp_path: Path) -> None:
    bad = SMALL_CITY + (
        '\n[[consultations]]\nstage = 7\nslug = "pytanie"\nkind = "open-question"\n'
        'title = "Pytanie"\nopens_at = 2025-01-01T00:00:00\ncloses_at = 2025-02-01T00:00:00+01:00\n'
    )
    with pytest.raises(ProcessFileError) as error:
        load_process(write(tmp_path, bad))
    assert "consultations[0].stage: no stage number 7" in str(error.value)
    assert "consultations[0].opens_at: give a time zone offset" in str(error.value)
    assert not Consultation.objects.exists()


def test_a_stage_number_that_is_a_list_is_an_error_not_a_crash() -> None:
    from stages.process_loader import ProcessFileError, validate_process_data

    with pytest.raises(ProcessFileError) as error:
        validate_process_data({"stages": [{"number": ["a"]}]}, source="proces.toml")
    assert "stages[0].number" in str(error.value)
