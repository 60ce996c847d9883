"""The nightly open-data files: what they hold (and never hold), how they are described,
how they are written, and the "Otwarte dane" page."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from openpyxl import load_workbook

from lublin2030 import tasks
from lublin2030.opendata import writing
from lublin2030.opendata.datasets import DATASETS
from tests.site.test_api import PERSONAL_FIELDS
from tests.site.test_api_spine import spine  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_URL = "https://strategia.lublin.example"
    return tmp_path / "open-data"


def test_files_hold_no_personal_data(media: Path, spine: dict[str, Any]) -> None:  # noqa: F811
    written = writing.write_open_data()
    assert written["opinions"]["rows"] > 0
    assert written["recommendations"]["rows"] > 0
    assert written["indicators"]["rows"] > 0
    for dataset in DATASETS:
        for extension in ("csv", "json"):
            text = (media / f"{dataset.name}.{extension}").read_text(encoding="utf-8")
            assert "planted" not in text.lower(), (dataset.name, extension)
        with open(media / f"{dataset.name}.csv", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert not set(header) & PERSONAL_FIELDS, dataset.name
        workbook = load_workbook(media / f"{dataset.name}.xlsx", read_only=True)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                assert not any("planted" in str(value).lower() for value in row if value)


def test_datapackage_describes_every_field_with_licence_and_date(
    media: Path,
    spine: dict[str, Any],  # noqa: F811
) -> None:
    writing.write_open_data()
    package = json.loads((media / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["created"]
    assert len(package["resources"]) == 3 * len(DATASETS)
    for resource in package["resources"]:
        path = media / resource["path"]
        assert resource["bytes"] == path.stat().st_size
        fields = resource["schema"]["fields"]
        assert all(field["description"] and field["type"] for field in fields)
        if resource["format"] == "csv":
            with open(path, encoding="utf-8", newline="") as handle:
                assert next(csv.reader(handle)) == [field["name"] for field in fields]


def test_dcat_catalogue_lists_every_dataset_and_download(
    media: Path,
    spine: dict[str, Any],  # noqa: F811
) -> None:
    writing.write_open_data()
    catalogue = json.loads((media / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    datasets = catalogue["dcat:dataset"]
    assert {dataset["dct:identifier"] for dataset in datasets} == {d.name for d in DATASETS}
    client = Client()
    for dataset in datasets:
        assert dataset["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        for distribution in dataset["dcat:distribution"]:
            url = distribution["dcat:downloadURL"]["@id"]
            assert url.startswith("https://strategia.lublin.example/otwarte-dane/")
            response = client.get(url.removeprefix("https://strategia.lublin.example"))
            assert response.status_code == 200
            assert response["Content-Type"] == distribution["dcat:mediaType"]


def test_page_lists_datasets_and_links_the_api(
    media: Path,
    spine: dict[str, Any],  # noqa: F811
) -> None:
    client = Client()
    before = client.get("/otwarte-dane/").content.decode()
    assert "/api/v1/docs/" in before
    assert "/otwarte-dane/opinions.csv" not in before
    writing.write_open_data()
    page = client.get("/otwarte-dane/").content.decode()
    for dataset in DATASETS:
        assert f"/otwarte-dane/{dataset.name}.csv" in page
        assert f"/otwarte-dane/{dataset.name}.xlsx" in page
        assert f"/otwarte-dane/{dataset.name}.json" in page
    assert "CC BY 4.0" in page
    assert "/otwarte-dane/datapackage.json" in page
    assert 'href="/otwarte-dane/"' in client.get("/").content.decode()


def test_unknown_files_are_404(media: Path) -> None:
    client = Client()
    for path in ("opinions.exe", "authors.csv", "..%2Fsettings.py", "opinions.csv"):
        assert client.get(f"/otwarte-dane/{path}").status_code == 404


def test_xlsx_goes_on_in_a_new_sheet_past_the_limit(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "ROWS_PER_SHEET", 2)
    media.mkdir(parents=True)
    rows = [(number, f"=SUM(A{number})") for number in range(5)]
    count = writing.write_xlsx(media / "t.xlsx", ["n", "text"], iter(rows), title="t")
    assert count == 5
    workbook = load_workbook(media / "t.xlsx")
    assert [sheet.title for sheet in workbook.worksheets] == ["t", "t 2", "t 3"]
    assert [row[0].value for row in workbook["t 3"].iter_rows(min_row=2)] == [4]
    # Text that looks like a formula stays text.
    assert workbook["t"]["B2"].data_type == "s"


def test_a_failed_run_keeps_the_previous_file(media: Path) -> None:
    media.mkdir(parents=True)
    target = media / "x.csv"
    writing.write_csv(target, ["n"], iter([(1,), (2,)]))

    def broken() -> Iterator[tuple[int]]:
        yield (3,)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        writing.write_csv(target, ["n"], broken())
    assert target.read_text(encoding="utf-8").splitlines() == ["n", "1", "2"]
    assert [path.name for path in media.iterdir()] == ["x.csv"]


def test_nightly_task_is_scheduled_and_writes(media: Path, spine: dict[str, Any]) -> None:  # noqa: F811
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "lublin2030.tasks.write_open_data" for entry in schedule.values())
    assert tasks.write_open_data() == len(DATASETS)
    assert tasks.write_open_data() == len(DATASETS)  # a second run writes the same again
    assert (media / "opinions.csv").exists()
