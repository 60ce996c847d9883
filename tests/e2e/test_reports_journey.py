"""An editor's journey through the thematic reports: build all twelve from the browser and
watch the progress bars (a real Celery worker builds them), rename a sub-theme of one and add
the analyst's summary (a new version), publish that, open it, follow every quote to its
opinion, and open its PDF and its XLSX appendix; axe checks each page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils.html import escape
from openpyxl import load_workbook
from playwright.sync_api import expect

from lublin2030.demo.opinions import seed_demo_opinions, seed_sample_opinions
from opinions.models import ThematicReport
from stages.models import Consultation, Stage, ThematicArea
from tests.e2e.conftest import (
    assert_accessible,
    assert_accessible_without_js,
    celery_worker,
    log_in,
    wait_until,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response
    from pytest_django.live_server_helper import LiveServer

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_PATH = "/staff/reports/"
BUILD_SECONDS = 240
DEMO_OPINIONS = 600


@pytest.fixture
def sample_opinions(lublin_process: None) -> None:
    consultation = Consultation.objects.get(slug="jaki-ma-byc-lublin-w-2030")
    seed_sample_opinions(consultation=consultation)
    # Twenty sample opinions an area are too few for sub-themes (the chance that groups of
    # them hold together is measured against text placed at random); 600 demo opinions
    # more give most areas some, as a real consultation's thousands do.
    seed_demo_opinions(consultation=consultation, count=DEMO_OPINIONS)


@contextmanager
def live_server_reads_uncommitted(live_server: LiveServer) -> Iterator[None]:
    """The live server's own SQLite connection reads without taking table locks too.

    `celery_worker()` sets this on the test thread's connection; the live server runs on
    the connection it was given when it started, which (with Playwright's event loop in
    this thread) is not always that one. Twelve builds writing while twelve rows poll
    otherwise make a poll fail now and then with "database table is locked".
    """
    shared = [
        conn for conn in live_server.thread.connections_override.values() if conn.vendor == "sqlite"
    ]
    for conn in shared:
        with conn.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    try:
        yield
    finally:
        for conn in shared:
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 0")


def all_built() -> bool:
    return not ThematicReport.objects.exclude(status=ThematicReport.Status.BUILT).exists()


def test_editor_builds_publishes_and_reads_the_reports(
    page: Page, sample_opinions: None, verified_editor: User, live_server: LiveServer
) -> None:
    log_in(page, verified_editor)
    page.goto(STAFF_PATH)
    assert_accessible(page)
    expect(page.locator("main .empty")).to_have_count(ThematicArea.objects.count())

    # --- Build all: no worker yet, so twelve queued versions wait with their bars -------
    page.locator("form#build-reports button[name='area'][value='']").click()
    expect(page).to_have_url(re.compile(rf"{STAFF_PATH}$"))
    rows = page.locator("main tr[id^='report-']")
    expect(rows).to_have_count(12)
    bars = page.locator("main tr[id^='report-'] progress")
    expect(bars).to_have_count(12)
    expect(rows.first).to_have_attribute("hx-trigger", "every 1s")
    assert ThematicReport.objects.filter(status=ThematicReport.Status.QUEUED).count() == 12
    assert_accessible(page)
    assert_accessible_without_js(page)

    polls: list[str] = []

    def record_poll(response: Response) -> None:
        if "/progress/" in response.url and response.request.headers.get("hx-request"):
            polls.append(response.url)

    page.on("response", record_poll)
    with celery_worker(), live_server_reads_uncommitted(live_server):
        # The rows poll their progress each second and stop once built: every bar goes.
        expect(bars).to_have_count(0, timeout=BUILD_SECONDS * 1000)
        wait_until(all_built, what="the twelve reports", seconds=BUILD_SECONDS)
        assert polls, "the progress bars were never refreshed"
        assert not page.locator("main tr[id^='report-'][hx-trigger]").count()
        # "12 reports are being built" went with the last bar, without a reload.
        expect(page.locator("#reports-running p")).to_have_count(0)
        assert_accessible(page)

        # --- Publish a report with sub-themes and open it --------------------------------
        # Some areas may still get "no clear sub-themes": the first one that has them is read.
        reports = ThematicReport.objects.select_related("area").order_by("area__number")
        report = next((item for item in reports if item.content["subthemes"]), None)
        assert report is not None, "no area has sub-themes"

        # --- Before publishing: rename a sub-theme, add the analyst's summary -----------
        built = report
        page.locator(f"tr#report-{built.pk} a[href='/staff/reports/{built.pk}/edit/']").click()
        expect(page).to_have_url(re.compile(rf"/staff/reports/{built.pk}/edit/$"))
        assert_accessible(page)
        page.get_by_label(re.compile(r"^Nazwa podtematu 1, po polsku")).fill("")
        page.get_by_role("button", name="Zapisz jako nową wersję").click()
        # Nothing saved; the error is named in the summary and linked to its field.
        summary_link = page.locator(".error-summary a[href='#id_label_0']")
        expect(summary_link).to_be_visible()
        expect(page.locator("#id_label_0")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page)
        page.get_by_label(re.compile(r"^Nazwa podtematu 1, po polsku")).fill("Nazwa od analityka")
        page.get_by_label(re.compile(r"^Podsumowanie analityka")).fill(
            "Mieszkańcy piszą przede wszystkim o tym, co widać z okna."
        )
        page.get_by_role("button", name="Zapisz jako nową wersję").click()
        edited = ThematicReport.objects.get(edited_from=built)
        expect(page).to_have_url(re.compile(rf"/reports/{edited.pk}/$"))
        expect(page.locator("#subtheme-0-title")).to_contain_text("Nazwa od analityka")
        expect(page.locator("#analyst-summary-title")).to_be_visible()
        assert_accessible(page)
        # The version edited stays as it was; the list of versions says who changed what.
        built.refresh_from_db()
        assert built.content["subthemes"][0]["label"] != "Nazwa od analityka"
        page.goto(STAFF_PATH)
        record = page.locator(f"tr#report-{edited.pk} .report-edit-record")
        record.locator("summary").click()
        expect(record).to_contain_text("Nazwa od analityka")
        assert_accessible(page)
        report = edited

        row = page.locator(f"tr#report-{report.pk}")
        row.locator(f"form[action='/staff/reports/{report.pk}/publish/'] button").click()
        expect(page.locator(".message--success")).to_be_visible()
        report.refresh_from_db()
        assert report.is_published
        assert_accessible(page)

        page.locator(f"tr#report-{report.pk} a[href='/reports/{report.pk}/']").click()
        expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/$"))
        expect(page.locator("h1")).to_have_text(report.area.name)
        expect(page.locator("main svg[role='img']")).to_have_count(5)
        expect(page.locator("main .report-figure table")).to_have_count(5)
        assert_accessible(page)

        # Every quote links to its opinion's page, which shows that very text.
        quotes = [q for s in report.content["subthemes"] for q in s["quotes"]]
        assert quotes
        links = page.locator("main ul.quotes a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs == [f"/opinions/{quote['opinion_id']}/" for quote in quotes]
        for quote in quotes:
            answer = page.request.get(f"/opinions/{quote['opinion_id']}/")
            assert answer.status == 200
            assert escape(quote["text"].split("\n")[0][:60]) in answer.text()
        links.first.click()
        expect(page).to_have_url(re.compile(rf"/opinions/{quotes[0]['opinion_id']}/$"))
        assert_accessible(page)
        page.go_back()

        # A term's count leads to exactly that many opinions.
        term = report.content["terms"][0]
        page.locator("main table.report-terms tbody tr").first.locator("a").click()
        expect(page.locator("#results-title")).to_contain_text(str(term["count"]))
        assert_accessible(page)
        page.go_back()

        # --- The PDF and the XLSX appendix ----------------------------------------------
        pdf = page.request.get(f"/reports/{report.pk}/report.pdf")
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF-")
        with page.expect_download() as download_info:
            page.locator(f"main a[href='/reports/{report.pk}/appendix.xlsx']").click()
        workbook = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
        opinions_sheet = workbook.worksheets[0]
        assert opinions_sheet.max_row == 1 + report.opinion_count
        ids = {row[0] for row in opinions_sheet.iter_rows(min_row=2, values_only=True)}
        assert {quote["opinion_id"] for quote in quotes} <= ids

        # Let the worker finish rendering the other reports' files before it stops.
        wait_until(
            lambda: not ThematicReport.objects.filter(xlsx="").exists(),
            what="the files of every report",
            seconds=BUILD_SECONDS,
        )

    # --- Residents: the public list, the stage page, the report on a phone -------------
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        resident = context.new_page()
        resident.goto("/reports/")
        expect(resident.locator(f"main a[href='/reports/{report.pk}/']")).to_be_visible()
        assert_accessible(resident)
        stage = Stage.objects.get(number=2)
        resident.goto(stage.get_absolute_url())
        expect(resident.locator("#stage-reports-title")).to_be_visible()
        assert_accessible(resident)
        resident.set_viewport_size({"width": 320, "height": 800})
        resident.goto(f"/reports/{report.pk}/")
        assert resident.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(resident)
        # Unpublished versions are not there for residents.
        other = ThematicReport.objects.exclude(pk=report.pk).first()
        assert other is not None
        assert resident.request.get(f"/reports/{other.pk}/").status == 404
    finally:
        context.close()


def test_contrasting_views_and_the_analysts_summary_read_well(
    page: Page, lublin_process: None, live_server: LiveServer
) -> None:
    """The sections a build of the sample does not produce today: contrasting views side by
    side (the sample has none under the contrast rules) and an editor's summary and English
    names, in Polish, in English and on a phone; axe checks each."""
    from tests.opinions.test_report_pages import make_report

    report = make_report(published=True)
    ids = list(report.memberships.order_by("opinion_id").values_list("opinion_id", flat=True))
    report.content["contrasts"] = [
        {
            "term": "parking",
            "lemma": "parking",
            "more": {"count": 4, "quotes": [{"opinion_id": ids[0], "text": "Więcej parkingów."}]},
            "less": {
                "count": 3,
                "quotes": [{"opinion_id": ids[1], "text": "Zieleń zamiast parkingów."}],
            },
        }
    ]
    report.content["method"]["contrasts"] = "cue-words"
    report.content["method"]["contrast_min_side"] = 3
    report.content["analyst_summary"] = {
        "text": "Mieszkańcy chcą drzew.\n\nI mniej betonu.",
        "written_at": "2026-12-04T12:00:00+01:00",
    }
    report.content["subthemes"][0]["label_en"] = "Trees and shade"
    report.save(update_fields=["content"])

    page.goto(f"/reports/{report.pk}/")
    expect(page.locator("#analyst-summary-title")).to_have_text("Podsumowanie analityka")
    expect(page.locator(".analyst-summary time")).to_have_attribute(
        "datetime", re.compile("^2026-12-04")
    )
    expect(page.locator("#contrasts-title")).to_have_text("Różne zdania o tym samym")
    expect(page.locator(".contrast__side")).to_have_count(2)
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)

    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    try:
        english = context.new_page()
        english.goto(f"/reports/{report.pk}/")
        expect(english.locator("html")).to_have_attribute("lang", "en")
        expect(english.locator("#subtheme-0-title span[lang='en']")).to_have_text("Trees and shade")
        expect(english.locator("#contrasts-title")).to_have_text(
            "Different views on the same thing"
        )
        assert_accessible(english)
    finally:
        context.close()
