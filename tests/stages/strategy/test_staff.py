"""The strategy's staff pages and services: who may use them, adoption, goals, indicators,
measurements entered and imported (a verdict per row; a file with a bad row saves nothing)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from core.tabular import FileRefused
from stages.models import Goal, ImplementationUpdate, Indicator, Measurement, Task
from stages.strategy import services
from tests.factories import DistrictFactory, UserFactory, editor
from tests.roles import ROLES, client_for, expect_refused
from tests.stages.strategy.factories import (
    DirectionFactory,
    GoalFactory,
    IndicatorFactory,
    StrategyFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

ALLOWED = {"editor", "superuser"}


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def staff_urls() -> list[str]:
    goal = GoalFactory(code="B.2")
    IndicatorFactory(goal=goal, code="drogi-rowerowe")
    task = TaskFactory(direction__goal=goal, code="Z-1")
    return [
        reverse("stages:staff_task_create", args=[task.direction.code]),
        reverse("stages:staff_task", args=["Z-1"]),
        reverse("stages:staff_strategy"),
        reverse("stages:staff_adoption"),
        reverse("stages:staff_goal_create"),
        reverse("stages:staff_goal", args=["B.2"]),
        reverse("stages:staff_indicator_create", args=["B.2"]),
        reverse("stages:staff_indicator", args=["drogi-rowerowe"]),
        reverse("stages:staff_measurement_import"),
        reverse("workgroups:staff_goal_links", args=["B.2"]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_reach_the_strategy_staff_pages(role: str) -> None:
    urls = staff_urls()
    client, _user = client_for(role)
    for url in urls:
        response = client.get(url)
        if role in ALLOWED:
            assert response.status_code == 200, url
        else:
            expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_nobody_else_can_post_a_measurement(role: str) -> None:
    indicator = IndicatorFactory()
    client, _user = client_for(role)
    url = reverse("stages:staff_indicator", args=[indicator.code])
    expect_refused(client.post(url, {"year": 2022, "value": "1", "status": "final"}), role)
    assert not Measurement.objects.exists()


def test_the_adoption_is_recorded_and_shown_from_its_date() -> None:
    strategy = StrategyFactory()
    client, _user = client_for("editor")
    response = client.post(
        reverse("stages:staff_adoption"),
        {
            "adopted_on": "2022-01-27",
            "resolution_number": "1387/XXXVI/2022",
            "resolution_url": "https://bip.lublin.eu/uchwala-1387",
            "votes_for": "22",
            "votes_against": "6",
            "votes_abstaining": "3",
        },
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.adopted_on == dt.date(2022, 1, 27)
    assert (strategy.votes_for, strategy.votes_against, strategy.votes_abstaining) == (22, 6, 3)
    assert strategy.is_adopted(dt.date(2022, 1, 27))
    assert not strategy.is_adopted(dt.date(2022, 1, 26))


def test_an_adoption_needs_a_resolution_number() -> None:
    strategy = StrategyFactory()
    with pytest.raises(ValidationError):
        services.record_adoption(
            strategy=strategy,
            actor=editor(),
            adopted_on=dt.date(2022, 1, 27),
            resolution_number=" ",
        )
    with pytest.raises(PermissionDenied):
        services.record_adoption(
            strategy=strategy,
            actor=UserFactory(),
            adopted_on=dt.date(2022, 1, 27),
            resolution_number="1",
        )
    strategy.refresh_from_db()
    assert strategy.adopted_on is None


def test_an_editor_builds_a_goal_with_a_direction_and_an_indicator() -> None:
    area = GoalFactory().area
    client, _user = client_for("editor")
    response = client.post(
        reverse("stages:staff_goal_create"),
        {"area": area.pk, "code": "B.9", "title": "Zielone podwórka", "description": ""},
    )
    assert response.status_code == 302
    goal = Goal.objects.get(code="B.9")
    assert goal.level == Goal.Level.STRATEGIC
    client.post(
        reverse("stages:staff_direction_add", args=["B.9"]),
        {"direction-code": "B.9.1", "direction-title": "Sadzenie drzew"},
    )
    assert goal.directions.get().title == "Sadzenie drzew"
    data = {
        "code": "drzewa", "name": "Posadzone drzewa", "unit": "szt.", "polarity": "increase",
        "baseline_value": "100", "baseline_year": "2020", "target_value": "1000,5",
        "target_year": "2030", "source": "Zarząd Zieleni Miejskiej", "frequency": "annual",
        "yearly_targets": "2025: 500, 2027: 700,5",
    }  # fmt: skip
    response = client.post(reverse("stages:staff_indicator_create", args=["B.9"]), data)
    # A decimal comma splits the list: "5" alone is named as what could not be read.
    assert "5”" in response.context["form"].errors["yearly_targets"][0]
    data["yearly_targets"] = "2025: 500, 2027: 700.5"
    response = client.post(reverse("stages:staff_indicator_create", args=["B.9"]), data)
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="drzewa")
    assert indicator.target_value == Decimal("1000.5")
    assert indicator.yearly_target_values() == {2025: Decimal(500), 2027: Decimal("700.5")}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"target_year": "2019"}, "target_year", "must come after the baseline year"),
        ({"target_value": "50"}, "target_value", "wrong way"),
    ],
)
def test_an_indicator_with_its_target_wrong_is_refused(
    change: dict[str, str], field: str, message: str
) -> None:
    GoalFactory(code="B.9")
    client, _user = client_for("editor", english=True)
    data = {
        "code": "drzewa", "name": "Posadzone drzewa", "unit": "szt.", "polarity": "increase",
        "baseline_value": "100", "baseline_year": "2020", "target_value": "1000",
        "target_year": "2030", "source": "ZZM", "frequency": "annual", **change,
    }  # fmt: skip
    response = client.post(reverse("stages:staff_indicator_create", args=["B.9"]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Indicator.objects.exists()


def test_a_final_value_is_kept_beside_the_provisional_one() -> None:
    indicator = IndicatorFactory()
    actor = editor()
    services.record_measurement(
        actor=actor, indicator=indicator, year=2023, value=Decimal(140), status="provisional"
    )
    services.record_measurement(actor=actor, indicator=indicator, year=2023, value=Decimal(150))
    # Entered again: the final value of the year is corrected, not doubled.
    _m, created = services.record_measurement(
        actor=actor, indicator=indicator, year=2023, value=Decimal(155)
    )
    assert not created
    assert sorted(indicator.measurements.values_list("status", "value")) == [
        ("final", Decimal(155)),
        ("provisional", Decimal(140)),
    ]
    with pytest.raises(ValidationError):
        services.record_measurement(actor=actor, indicator=indicator, year=2010, value=Decimal(1))


def csv_upload(text: str, name: str = "pomiary.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_a_good_file_is_saved_with_a_verdict_for_every_row() -> None:
    IndicatorFactory(code="drogi-rowerowe")
    IndicatorFactory(
        code="pm10", baseline_value=Decimal(27), target_value=Decimal(20), polarity="decrease"
    )
    text = (
        "indicator;year;value;status;note\n"
        "drogi-rowerowe;2021;171;final;\n"
        "drogi-rowerowe;2022;185.5;provisional;wstępne dane\n"
        "pm10;2022;24;;\n"
    )
    result = services.import_measurements(actor=editor(), upload=csv_upload(text))
    assert result.saved
    assert [row.outcome for row in result.rows] == ["created", "created", "created"]
    assert Measurement.objects.count() == 3
    # The same file again changes nothing.
    again = services.import_measurements(actor=editor(), upload=csv_upload(text))
    assert [row.outcome for row in again.rows] == ["unchanged"] * 3


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("krzewy;2022;10", "unknown indicator “krzewy”"),
        ("drogi-rowerowe;2022;12,5", "decimal comma"),
        ("drogi-rowerowe;dwa tysiące;12", "is not a year"),
        ("drogi-rowerowe;2010;12", "before the baseline year 2020"),
        ("drogi-rowerowe;2022;", "no value"),
        ("drogi-rowerowe;2022;dużo", "is not a number"),
        ("drogi-rowerowe;2021;171", "repeats row 2"),
    ],
)
def test_a_file_with_one_bad_row_saves_nothing_and_names_the_row(row: str, reason: str) -> None:
    IndicatorFactory(code="drogi-rowerowe")
    text = f"indicator;year;value\ndrogi-rowerowe;2021;171\n{row}\n"
    result = services.import_measurements(actor=editor(), upload=csv_upload(text))
    assert not result.saved
    assert [row.number for row in result.rejected] == [3]
    assert reason in result.rejected[0].reason_texts[0]
    assert result.rows[0].accepted
    assert not Measurement.objects.exists()


def test_an_xlsx_reads_numbers_and_refuses_a_comma_in_a_text_cell() -> None:
    IndicatorFactory(code="drogi-rowerowe")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["indicator", "year", "value"])
    sheet.append(["drogi-rowerowe", 2021, 171.25])
    sheet.append(["drogi-rowerowe", 2022, "185,5"])
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("pomiary.xlsx", content.getvalue())
    result = services.import_measurements(actor=editor(), upload=upload)
    assert result.rows[0].value == Decimal("171.25")
    assert [row.number for row in result.rejected] == [3]
    assert not Measurement.objects.exists()


def test_a_file_without_the_columns_is_refused_whole() -> None:
    with pytest.raises(FileRefused, match="Missing columns: value"):
        services.import_measurements(actor=editor(), upload=csv_upload("indicator,year\nx,2022\n"))


def test_the_import_page_shows_the_verdicts() -> None:
    IndicatorFactory(code="drogi-rowerowe")
    client, _user = client_for("editor", english=True)
    upload = csv_upload("indicator,year,value\ndrogi-rowerowe,2022,12\nkrzewy,2022,1\n")
    response = client.post(reverse("stages:staff_measurement_import"), {"file": upload})
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "unknown indicator" in html
    dry = csv_upload("indicator,year,value\ndrogi-rowerowe,2022,12\n")
    response = client.post(
        reverse("stages:staff_measurement_import"), {"file": dry, "dry_run": "on"}
    )
    assert "every row can be saved" in response.content.decode()
    assert not Measurement.objects.exists()


def png() -> SimpleUploadedFile:
    from PIL import Image

    content = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(content, format="PNG")
    return SimpleUploadedFile("plac.png", content.getvalue(), content_type="image/png")


def test_an_editor_adds_a_task_and_its_updates_with_a_described_photo(client: Client) -> None:
    direction = DirectionFactory(code="B.2.1")
    district = DistrictFactory(slug="felin", name="Felin")
    editor_client, _user = client_for("editor", english=True)
    response = editor_client.post(
        reverse("stages:staff_task_create", args=["B.2.1"]),
        {
            "code": "B.2.1-7", "title": "Plac zabaw na Felinie", "responsible_unit": "ZZM",
            "status": "planned", "budget": "250000.50", "starts_on": "2024-03-01",
            "ends_on": "2024-10-31", "districts": [district.pk],
        },
    )  # fmt: skip
    assert response.status_code == 302
    task = Task.objects.get(code="B.2.1-7")
    assert task.budget == Decimal("250000.50")
    assert list(task.districts.all()) == [district]
    url = reverse("stages:staff_task", args=["B.2.1-7"])
    refused = editor_client.post(
        url, {"published_on": "2024-05-01", "text": "Ruszyły prace.", "image": png()}
    )
    assert "Describe the photo" in refused.content.decode()
    assert not ImplementationUpdate.objects.exists()
    editor_client.post(
        url,
        {"published_on": "2024-05-01", "text": "Ruszyły prace.", "image": png(),
         "alt_text": "Koparka na placu przy ul. Lipowej"},
    )  # fmt: skip
    editor_client.post(
        reverse("stages:staff_task_status", args=["B.2.1-7"]), {"status": "in_progress"}
    )
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS
    html = client.get(task.get_absolute_url()).content.decode()
    assert 'alt="Koparka na placu przy ul. Lipowej"' in html
    assert "Ruszyły prace." in html
    assert direction.tasks.count() == 1


def test_a_sector_programme_is_linked_to_a_goal_and_shown_on_it(client: Client) -> None:
    goal = GoalFactory(code="B.2")
    editor_client, _user = client_for("editor", english=True)
    url = reverse("stages:staff_document_add", args=["B.2"])
    editor_client.post(url, {"document-kind": "programme", "document-title": "Bez linku"})
    assert not goal.documents.exists()
    editor_client.post(
        url,
        {
            "document-kind": "programme",
            "document-title": "Program ochrony powietrza dla Lublina",
            "document-url": "https://bip.lublin.eu/program-powietrze",
        },
    )
    assert goal.documents.get().title == "Program ochrony powietrza dla Lublina"
    html = client.get(goal.get_absolute_url()).content.decode()
    assert 'href="https://bip.lublin.eu/program-powietrze"' in html
