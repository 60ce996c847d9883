"""An editor's journey through the consultation report: build a version from the browser
and watch its progress bar (a real Celery worker builds it), be refused publication while a
comment is unanswered, build again once it is answered, publish, and open the public page,
its PDF and its XLSX; axe checks each page at 1280 and at 375 px."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from opinions.answers.models import ConsultationReport
from opinions.models import Opinion
from tests.e2e.conftest import (
    assert_accessible,
    assert_accessible_without_js,
    celery_worker,
    log_in,
    wait_until,
)
from tests.opinions.commented_document import PERSON_EMAIL, PERSON_NAME, commented_document

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SLUG = "projekt-strategii"
STAFF_PATH = f"/staff/consultations/{SLUG}/report/"
PUBLIC_PATH = f"/consultations/{SLUG}/report/"
BUILD_SECONDS = 120
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_width(page: Page, width: int) -> None:
    """axe at this width, and nothing wider than the screen."""
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)


def built(version: int) -> bool:
    return ConsultationReport.objects.filter(
        version=version, status=ConsultationReport.Status.BUILT
    ).exists()


def build_from_the_page(page: Page, version: int) -> None:
    page.locator("form#build-report button[type='submit']").click()
    expect(page).to_have_url(re.compile(rf"{STAFF_PATH}#version-{version}$"))
    row = page.locator(f"tr#version-{version}")
    expect(row.locator("progress")).to_be_visible()
    expect(row).to_have_attribute("hx-trigger", "every 1s")


def test_editor_builds_publishes_and_opens_the_report(
    page: Page, verified_editor: User, empty_task_queue: None
) -> None:
    document = commented_document()
    # Everything answered but the one comment still waiting for moderation.
    document.answer_everything()

    log_in(page, verified_editor)
    page.goto(STAFF_PATH)
    expect(page.locator("#report-deadline")).to_contain_text("1 uwaga wciąż czeka na odpowiedź")
    for width in (1280, 375):
        check_width(page, width)
    page.set_viewport_size({"width": 1280, "height": 900})

    # --- Version 1: built by a real worker while the bar shows its progress ------------
    build_from_the_page(page, 1)
    assert_accessible(page)
    assert_accessible_without_js(page)
    with celery_worker():
        wait_until(lambda: built(1), what="version 1", seconds=BUILD_SECONDS)
        # The row polled its progress and stopped once built: the bar is gone.
        expect(page.locator("tr#version-1 progress")).to_have_count(0, timeout=10_000)
        expect(page.locator("tr#version-1")).not_to_have_attribute("hx-trigger", re.compile(".*"))

    # Publishing would be refused while a comment is unanswered: the row offers no button
    # but says how many wait, with a link to them (the refusal itself: the pages' tests).
    row = page.locator("tr#version-1")
    expect(row.locator(f"form[action='{STAFF_PATH}v1/publish/']")).to_have_count(0)
    expect(row).to_contain_text("1 uwaga nadal czeka na odpowiedź")
    expect(row.get_by_role("link", name="Uwagi bez odpowiedzi")).to_have_attribute(
        "href", re.compile(r"/answers/\?state=unanswered$")
    )
    assert ConsultationReport.objects.get(version=1).published_at is None
    assert_accessible(page)

    # --- Answered: version 2, published ------------------------------------------------
    Opinion.objects.filter(status=Opinion.Status.PENDING).update(status=Opinion.Status.PUBLISHED)
    document.answer_everything()
    page.goto(STAFF_PATH)
    expect(page.locator("#report-deadline")).to_contain_text("Każda uwaga ma opublikowaną")
    build_from_the_page(page, 2)
    with celery_worker():
        wait_until(lambda: built(2), what="version 2", seconds=BUILD_SECONDS)
        expect(page.locator("tr#version-2 progress")).to_have_count(0, timeout=10_000)
    page.locator(f"form[action='{STAFF_PATH}v2/publish/'] button").click()
    expect(page.locator(".message--success")).to_be_visible()
    report = ConsultationReport.objects.get(version=2)
    assert report.is_published and report.deadline_met is True
    expect(page.locator("tr#version-2")).to_contain_text("w terminie 30 dni")
    assert_accessible(page)

    # --- The public page, its PDF and its XLSX ------------------------------------------
    page.goto(PUBLIC_PATH)
    expect(page.locator("h1")).to_contain_text("Raport z konsultacji")
    expect(page.locator("main article.comment")).to_have_count(5)
    expect(page.locator("main")).to_contain_text("Stowarzyszenie Rowerowy Lublin")
    html = page.content()
    assert PERSON_NAME not in html and PERSON_EMAIL not in html
    for width in (1280, 375):
        check_width(page, width)
    page.set_viewport_size({"width": 1280, "height": 900})

    pdf_link = page.locator(f"main a[href='{PUBLIC_PATH}report.pdf']")
    pdf = page.request.get(str(pdf_link.get_attribute("href")))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    xlsx_link = page.locator(f"main a[href='{PUBLIC_PATH}report.xlsx']")
    answer = page.request.get(str(xlsx_link.get_attribute("href")))
    assert answer.headers["content-type"] == XLSX_TYPE
    with page.expect_download() as download_info:
        xlsx_link.click()
    workbook = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    figures, comments = workbook.worksheets
    assert figures.title == "Liczby"
    assert comments.max_row == 1 + report.comment_count == 6

    # The first version stays for staff only; residents see a 404.
    assert page.context.browser is not None
    resident = page.context.browser.new_context(base_url=page.url.split("/consultations")[0])
    try:
        assert resident.new_page().request.get(f"{PUBLIC_PATH}v1/").status == 404
    finally:
        resident.close()
