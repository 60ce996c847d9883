"""The annual monitoring report: requested, built by its task, immutable, shown and downloadable."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from stages import tasks
from stages.models import Measurement, MonitoringReport
from stages.strategy.monitoring import build_monitoring_report, request_monitoring_report
from tests.factories import UserFactory, editor
from tests.stages.strategy.factories import (
    IndicatorFactory,
    MeasurementFactory,
    StrategyFactory,
    TaskFactory,
    UpdateFactory,
)

pytestmark = pytest.mark.django_db


def measured_strategy() -> None:
    indicator = IndicatorFactory(code="drogi-rowerowe", name="Długość dróg dla rowerów")
    MeasurementFactory(indicator=indicator, year=2021, value=Decimal(120))
    MeasurementFactory(indicator=indicator, year=2022, value=Decimal(140))
    MeasurementFactory(
        indicator=indicator, year=2022, value=Decimal(130), status=Measurement.Status.PROVISIONAL
    )
    MeasurementFactory(indicator=indicator, year=2023, value=Decimal(190))
    task = TaskFactory(direction__goal=indicator.goal)
    UpdateFactory(task=task, published_on="2022-05-01")
    UpdateFactory(task=task, published_on="2023-05-01")


def test_a_requested_report_is_built_after_commit_once(
    django_capture_on_commit_callbacks: object, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured_strategy()
    strategy = StrategyFactory()
    sent: list[tuple[object, ...]] = []
    # What is sent to the broker, after commit (the task itself runs below, for real).
    monkeypatch.setattr(
        tasks.build_monitoring_report, "apply_async", lambda args, **kw: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        report = request_monitoring_report(strategy=strategy, year=2022, actor=editor())
    assert sent == [(report.pk,)]
    assert report.status == MonitoringReport.Status.QUEUED
    tasks.build_monitoring_report(report.pk)
    report.refresh_from_db()
    assert report.status == MonitoringReport.Status.BUILT
    goal = report.content["areas"][0]["goals"][0]
    item = goal["indicators"][0]
    # As of 2022: the final 2022 value (not the provisional, not 2023's).
    assert (item["value"], item["value_year"], item["provisional"]) == ("140.0000", 2022, False)
    assert item["percent"] == 40
    assert goal["updates_in_year"] == 1
    assert report.pdf.read().startswith(b"%PDF")
    sheet = load_workbook(io.BytesIO(report.xlsx.read())).worksheets[0]
    assert sheet.cell(row=2, column=3).value == "Długość dróg dla rowerów"
    assert sheet.cell(row=2, column=9).value == 140
    built_at = report.built_at
    # Run again (a redelivered task): nothing changes.
    build_monitoring_report(report_id=report.pk)
    report.refresh_from_db()
    assert report.built_at == built_at
    html = client.get(reverse("stages:strategy_report", args=[report.pk])).content.decode()
    assert "Długość dróg dla rowerów" in html
    assert "140" in html
    listing = client.get(reverse("stages:strategy_reports")).content.decode()
    assert reverse("stages:strategy_report", args=[report.pk]) in listing


def test_versions_count_up_and_only_editors_request() -> None:
    strategy = StrategyFactory()
    staff = editor()
    first = request_monitoring_report(strategy=strategy, year=2022, actor=staff)
    second = request_monitoring_report(strategy=strategy, year=2022, actor=staff)
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(PermissionDenied):
        request_monitoring_report(strategy=strategy, year=2022, actor=UserFactory())
    with pytest.raises(ValidationError):
        request_monitoring_report(strategy=strategy, year=2040, actor=staff)


def test_an_unbuilt_report_is_not_public(client: Client) -> None:
    report = request_monitoring_report(strategy=StrategyFactory(), year=2022, actor=editor())
    assert client.get(reverse("stages:strategy_report", args=[report.pk])).status_code == 404
