"""An editor's journey with a consulted document: create the consultation (the 35-day rule
refuses a short one), upload the draft, fix a section, publish, upload version 2, compare;
a resident reads the public comparison. axe on every page, at 1280 and 375 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from stages.documents.models import DocumentVersion
from stages.models import Consultation, Stage
from tests.e2e.conftest import assert_accessible, in_polish, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST = "# Projekt\n## Wizja\nLublin zielony.\n## Cele\nPięć obszarów.\n## Sport\nBoiska.\n"
SECOND = (
    "# Projekt\n## Wizja\nLublin zielony i otwarty.\n## Cele\nPięć obszarów.\n"
    "## Kultura\nTeatry i muzea.\n"
)


def check(page: Page) -> None:
    """axe at the desktop width and at 375 px."""
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def upload(page: Page, path: Path) -> None:
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[type='file']").set_input_files(str(path))
    form.locator("button[type='submit']").click()


def test_editor_consults_a_document_in_versions(
    page: Page, verified_editor: User, tmp_path: Path
) -> None:
    stage = Stage.objects.get(number=7)
    log_in(page, verified_editor)
    page.locator("nav.site-nav a[href='/staff/consultations/']").click()
    expect(page).to_have_url(re.compile(r"/staff/consultations/$"))
    check(page)

    page.locator("main a[href='/staff/consultations/new/']").click()
    check(page)
    form = page.locator("main form.narrow")
    form.locator("select[name='stage']").select_option(str(stage.pk))
    form.locator("input[name='slug']").fill("projekt-testowy")
    form.locator("select[name='kind']").select_option("document")
    form.locator("input[name='statutory']").check()
    form.locator("input[name='title']").fill("Projekt strategii")
    form.locator("input[name='opens_at']").fill("2021-11-15T00:00")
    form.locator("input[name='closes_at']").fill("2021-12-01T00:00")
    form.locator("button[type='submit']").click()
    # Refused, saying why, next to the field.
    expect(page.locator("main .errorlist")).to_contain_text("2021-12-20 00:00")
    assert not Consultation.objects.filter(slug="projekt-testowy").exists()
    check(page)
    page.locator("main input[name='closes_at']").fill("2021-12-20T23:59")
    page.locator("main form.narrow button[type='submit']").click()
    consultation = Consultation.objects.get(slug="projekt-testowy")

    page.goto(f"/staff/consultations/{consultation.pk}/document/")
    check(page)
    bad = tmp_path / "zly.docx"
    bad.write_bytes(b"to nie jest dokument")
    upload(page, bad)
    expect(page.locator("main .errorlist")).to_contain_text(
        in_polish(lambda: "Plik nie jest dokumentem Worda (DOCX).")
    )
    check(page)

    first = tmp_path / "projekt.md"
    first.write_text(FIRST, encoding="utf-8")
    upload(page, first)
    expect(page).to_have_url(re.compile(rf"/staff/consultations/{consultation.pk}/versions/1/$"))
    check(page)
    page.locator("main a", has_text="Sport").click()
    check(page)
    page.locator("main textarea[name='body']").fill("Boiska i baseny.")
    page.locator("main form.narrow button[type='submit']").click()
    page.locator("main form[action$='/publish/'] button").click()
    expect(page.locator("main .messages")).to_be_visible()
    assert DocumentVersion.objects.get(consultation=consultation, number=1).is_published

    page.goto(f"/staff/consultations/{consultation.pk}/document/")
    second = tmp_path / "projekt-2.md"
    second.write_text(SECOND, encoding="utf-8")
    upload(page, second)
    page.locator("main form[action$='/publish/'] textarea[name='note']").fill("Dodano kulturę.")
    page.locator("main form[action$='/publish/'] button").click()
    page.locator("main a[href$='/versions/1/2/']").click()
    expect(page.locator("main ins").first).to_contain_text("otwarty")
    check(page)

    # Residents see the same comparison of the published versions.
    page.context.clear_cookies()
    page.goto("/consultations/projekt-testowy/versions/1/2/")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Dodano kulturę.")
    expect(page.locator("main del").first).to_be_visible()
    check(page)
