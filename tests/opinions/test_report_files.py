"""The files of a thematic report: the PDF (WeasyPrint, from the page's own template) and the
XLSX appendix (every opinion of the version, then its figures), stored once through Django's
storage and served by the report's links."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from pytest_django.fixtures import Settings as SettingsWrapper

from opinions.cleaning import neutralise_formula
from opinions.models import Opinion, ReportMembership, ThematicReport
from opinions.reports import files as report_files
from opinions.reports.files import (
    ReportNotBuilt,
    render_pdf,
    render_pdf_document,
    render_report_files,
)
from tests.opinions.test_report_pages import GREEN_TEXTS, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

FORMULA = "=cmd|' /C calc'!A0 i więcej drzew w parku"


@pytest.fixture
def report(lublin_process: None) -> ThematicReport:
    return make_report(texts=[*GREEN_TEXTS, FORMULA, "+48 500 600 700 to nie jest opinia o parku."])


def opinions_of(report: ThematicReport) -> list[Opinion]:
    return list(Opinion.objects.filter(pk__in=report.memberships.values("opinion_id")))


def stored_files(media_root: Path) -> list[str]:
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*.*"))


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_is_rendered_and_stored(report: ThematicReport, media_root: Path) -> None:
    rendered = render_report_files(report_id=report.pk)

    assert rendered.pdf.name.startswith("reports/")
    assert rendered.pdf.name.endswith(".pdf")
    data = rendered.pdf.read()
    assert data.startswith(b"%PDF-")
    assert len(data) > 10_000
    rendered.pdf.close()


def test_pdf_has_the_reports_sections_on_pages(report: ThematicReport) -> None:
    document = render_pdf_document(report)
    # Scope, figures (five charts and tables), terms, sub-themes, changes: several A4 pages.
    assert len(document.pages) >= 3
    size = document.pages[0].width, document.pages[0].height
    # A4 in CSS pixels (96 per inch): 210 × 297 mm.
    assert (round(size[0]), round(size[1])) == (794, 1123)


def test_print_html_is_the_pages_content_with_inline_charts(report: ThematicReport) -> None:
    from django.template.loader import render_to_string

    html = render_to_string(report_files.PRINT_TEMPLATE, report_files.print_context(report))
    assert html.count('role="img"') == 5
    assert '<html lang="pl">' in html
    assert 'class="method" lang="pl"' in html
    # Nothing is fetched: no stylesheet, image or script by address.
    assert "<link" not in html and "<img" not in html and "<script" not in html
    # Without the portal's public address, the PDF names each quote's opinion number
    # instead of linking to a page it cannot know the address of.
    quote = report.content["subthemes"][0]["quotes"][0]
    assert f"{quote['opinion_id']}" in html
    assert 'href="/opinions/' not in html


def test_pdf_links_are_absolute_when_the_portal_address_is_known(
    report: ThematicReport, settings: SettingsWrapper
) -> None:
    from django.template.loader import render_to_string

    settings.PORTAL_URL = "https://strategia.example.pl"
    html = render_to_string(report_files.PRINT_TEMPLATE, report_files.print_context(report))
    quote = report.content["subthemes"][0]["quotes"][0]
    # Relative in the HTML; WeasyPrint resolves them against the portal's address.
    assert f'href="/opinions/{quote["opinion_id"]}/"' in html
    assert report_files._portal_url() == "https://strategia.example.pl/"


def test_fetcher_serves_static_files_only(settings: SettingsWrapper) -> None:
    css = report_files._static_only_fetcher(f"{report_files.LOCAL_BASE}static/css/site.css")
    assert css["mime_type"] == "text/css"
    assert b"--brand" in css["string"]
    for url in [
        "https://example.com/tracker.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        f"{report_files.LOCAL_BASE}static/../../settings.py",
        f"{report_files.LOCAL_BASE}media/reports/other.pdf",
    ]:
        with pytest.raises(ValueError, match="not fetched"):
            report_files._static_only_fetcher(url)


def test_an_area_without_opinions_still_makes_a_short_pdf(lublin_process: None) -> None:
    empty = make_report(texts=[])
    document = render_pdf_document(empty)
    assert len(document.pages) == 1
    rendered = render_report_files(report_id=empty.pk)
    assert rendered.pdf and rendered.pdf_en and rendered.xlsx


# --- XLSX -----------------------------------------------------------------------------------


def open_xlsx(report: ThematicReport) -> Any:
    report.xlsx.open("rb")
    try:
        return load_workbook(io.BytesIO(report.xlsx.read()))
    finally:
        report.xlsx.close()


def test_xlsx_has_every_opinion_of_the_report(report: ThematicReport) -> None:
    rendered = render_report_files(report_id=report.pk)
    workbook = open_xlsx(rendered)

    opinions, figures = workbook.worksheets
    rows = list(opinions.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(header) == 6
    assert opinions.freeze_panes == "A2"
    assert opinions.column_dimensions["B"].width >= 60
    memberships = ReportMembership.objects.filter(report=report).select_related(
        "opinion", "opinion__district"
    )
    expected = {m.opinion_id: m for m in memberships}
    assert [row[0] for row in body] == sorted(expected)
    subthemes = {item["index"]: item["label"] for item in report.content["subthemes"]}
    with translation.override("pl"):
        no_district = gettext("no district")
        channels = {opinion.pk: opinion.get_channel_display() for opinion in opinions_of(report)}
    for opinion_id, text, district, channel, collected_on, subtheme in body:
        membership = expected[opinion_id]
        opinion = membership.opinion
        assert text == neutralise_formula(opinion.text)
        assert district == (opinion.district.name if opinion.district else no_district)
        assert channel == channels[opinion_id]
        assert collected_on.date() == opinion.collected_on
        assert subtheme.endswith(subthemes[membership.subtheme])
    with translation.override("pl"):
        assert figures.title == gettext("Figures")
    assert figures.freeze_panes == "A2"


def test_xlsx_neutralises_formulas(report: ThematicReport) -> None:
    rendered = render_report_files(report_id=report.pk)
    workbook = open_xlsx(rendered)
    cells = [
        cell
        for row in workbook.worksheets[0].iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str) and cell.column == 2
    ]
    texts = [cell.value for cell in cells]
    assert "'" + FORMULA in texts
    assert "'+48 500 600 700 to nie jest opinia o parku." in texts
    # Stored as text, never as a formula.
    assert all(cell.data_type == "s" for cell in cells)


def test_xlsx_figures_sheet_has_the_same_numbers(report: ThematicReport) -> None:
    rendered = render_report_files(report_id=report.pk)
    figures = open_xlsx(rendered).worksheets[1]
    values = {(row[0], row[1]) for row in figures.iter_rows(values_only=True) if row and row[0]}
    for row in report.content["figures"]["by_channel"]:
        assert (row["label"], row["count"]) in values
    for term in report.content["terms"]:
        assert (term["term"], term["count"]) in values


# --- Stored once ----------------------------------------------------------------------------


def test_rendering_twice_is_harmless(report: ThematicReport, media_root: Path) -> None:
    first = render_report_files(report_id=report.pk)
    names = (first.pdf.name, first.pdf_en.name, first.xlsx.name)
    files = stored_files(media_root)
    assert len(files) == 3

    again = render_report_files(report_id=report.pk)

    assert (again.pdf.name, again.pdf_en.name, again.xlsx.name) == names
    assert stored_files(media_root) == files


def test_a_render_that_loses_the_race_keeps_the_first_file(
    report: ThematicReport, media_root: Path
) -> None:
    stale = ThematicReport.objects.select_related("area").get(pk=report.pk)
    winner = render_report_files(report_id=report.pk)

    # A second render that read the report before the first stored its files.
    report_files._store(stale, "pdf", "late.pdf", b"%PDF-late")

    winner.refresh_from_db()
    assert winner.pdf.name == render_report_files(report_id=report.pk).pdf.name
    assert not any("late" in name for name in stored_files(media_root))


def test_only_built_reports_have_files(lublin_process: None) -> None:
    queued = make_report(status=ThematicReport.Status.QUEUED, published=False)
    with pytest.raises(ReportNotBuilt):
        render_report_files(report_id=queued.pk)


# --- Served by the report's links -----------------------------------------------------------


def test_files_are_rendered_on_first_download_then_served(
    report: ThematicReport, media_root: Path
) -> None:
    client = Client()
    response = client.get(reverse("opinions:report_pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "raport-miasto-zielone-v1.pdf" in response["Content-Disposition"]
    report.refresh_from_db()
    stored = report.pdf.name

    response = client.get(reverse("opinions:report_xlsx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.worksheets[0].max_row == 1 + report.opinion_count

    client.get(reverse("opinions:report_pdf", args=[report.pk]))
    report.refresh_from_db()
    assert report.pdf.name == stored
    assert len(stored_files(media_root)) == 3


# --- The English PDF ------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of a PDF as pdftotext (poppler) extracts it."""
    import subprocess

    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def test_every_page_carries_the_running_title(report: ThematicReport) -> None:
    import subprocess

    data = render_pdf(report)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    pages = text.split("\f")[:-1]
    title = (
        f"Strategia Lublin 2030 · Raport tematyczny: {report.content['scope']['area_name']}"
        f" · wersja {report.version}"
    )
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert " ".join(page.strip().splitlines()[-1].split()).startswith(title), number


ENGLISH_HEADINGS = ["Scope and method", "Figures", "What people talk about", "Sub-themes"]


def test_a_build_stores_the_polish_and_the_english_pdf(
    lublin_process: None, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """The task the builder sends after commit renders both PDFs and the XLSX."""
    from opinions.reports import tasks
    from tests.opinions.test_reports_build import add_opinion, build

    for text in GREEN_TEXTS:
        add_opinion(text)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        built = build()
    assert len(callbacks) == 1 and not (built.pdf or built.pdf_en or built.xlsx)
    tasks.render_report_files(built.pk)
    built.refresh_from_db()
    with translation.override("pl"):
        polish_headings = [gettext(heading) for heading in ENGLISH_HEADINGS]
    assert polish_headings[0] == "Zakres i metoda"
    assert built.pdf and built.pdf_en and built.xlsx
    assert built.pdf_en.name.endswith("-en.pdf")
    assert len(stored_files(media_root)) == 3
    with built.pdf.open("rb") as handle:
        polish = pdf_text(handle.read())
    with built.pdf_en.open("rb") as handle:
        english = pdf_text(handle.read())
    for heading in polish_headings:
        assert heading in polish and heading not in english, heading
    for heading in ENGLISH_HEADINGS:
        assert heading in english, heading
    # Residents' words are quoted as they wrote them, in both.
    assert "drzew" in english


def test_the_english_page_links_the_english_pdf(report: ThematicReport, media_root: Path) -> None:
    english = Client()
    english.cookies["django_language"] = "en"
    page = english.get(report.get_absolute_url()).content.decode()
    url = reverse("opinions:report_pdf_en", args=[report.pk])
    assert f'href="{url}"' in page
    assert f'href="{reverse("opinions:report_pdf", args=[report.pk])}"' not in page
    polish_page = Client().get(report.get_absolute_url()).content.decode()
    assert f'href="{url}"' not in polish_page

    response = english.get(url)
    assert response.status_code == 200
    assert "report-miasto-zielone-v1-en.pdf" in response["Content-Disposition"]
    assert "Scope and method" in pdf_text(b"".join(response.streaming_content))
    report.refresh_from_db()
    assert report.pdf_en and report.pdf and report.xlsx
