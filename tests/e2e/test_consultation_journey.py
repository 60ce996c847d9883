"""A consultation that answers every comment, in a browser, with axe on every page.

A resident reads the draft and comments on a section (with JavaScript, and in a browser
without it); a moderator answers three comments that say the same with one answer; an
editor approves and publishes it; the resident finds the answer on the tracking page.
Each page is checked at a desktop's width and a phone's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from lublin2030.models import User
from opinions.answers.models import ConsultationAnswer
from opinions.models import Opinion
from stages.models import DocumentVersion, Stage
from tests.e2e.conftest import assert_accessible, assert_accessible_without_js, log_in
from tests.factories import (
    DocumentConsultationFactory,
    DocumentVersionFactory,
    OpinionFactory,
    SectionFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def screenshot(page: Page, name: str) -> None:
    """With CONSULTATION_SCREENSHOTS set to a folder, the page is saved there for a person."""
    folder = os.environ.get("CONSULTATION_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


COMMENT = "Proszę dopisać ochronę starodrzewu w parkach i na osiedlach."


@pytest.fixture
def draft(lublin_process: None) -> DocumentVersion:
    consultation = DocumentConsultationFactory(
        stage=Stage.objects.order_by("number").last(), slug="projekt-strategii"
    )
    version = DocumentVersionFactory(consultation=consultation, number=1)
    chapter = SectionFactory(
        version=version, key="obszar-a", number="1", level=1, heading="Zielony Lublin"
    )
    SectionFactory(
        version=version,
        key="cel-1-1",
        number="1.1",
        heading="Zieleń w każdej dzielnicy",
        parent=chapter,
        body="Chronimy i rozwijamy **zieloną infrastrukturę** miasta.",
    )
    SectionFactory(
        version=version, key="cel-1-2", number="1.2", heading="Czyste powietrze", parent=chapter
    )
    return version


def comment_on_section(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/consultations/projekt-strategii/")
    expect(page.locator("h1")).to_have_text("Projekt Strategii Lublin 2030")
    expect(page.locator(".toc")).to_contain_text("§1.1 Zieleń w każdej dzielnicy")
    assert_accessible(page)
    screenshot(page, "document")
    page.get_by_role("link", name="Zgłoś uwagę do §1.1").click()
    expect(page.locator("h1")).to_contain_text("§1.1")
    assert_accessible(page)
    page.get_by_label("Twoja uwaga").fill(COMMENT)
    page.get_by_label("Proponowane brzmienie").fill("Chronimy starodrzew i sadzimy nowe drzewa.")
    page.get_by_label("w imieniu organizacji lub instytucji").check()
    # Forgot the organisation's name: a clear error, nothing lost.
    page.get_by_role("button", name="Wyślij uwagę do §1.1").click()
    expect(page.locator(".errorlist").first).to_contain_text("Podaj nazwę organizacji")
    expect(page.get_by_label("Twoja uwaga")).to_have_value(COMMENT)
    assert_accessible(page)
    screenshot(page, "section-error")
    page.get_by_label("Nazwa organizacji lub podmiotu").fill("Stowarzyszenie Zielony Lublin")
    page.get_by_role("button", name="Wyślij uwagę do §1.1").click()
    expect(page.locator("h1")).to_have_text("Twoja opinia")
    expect(page.locator("main")).to_contain_text("§1.1 Zieleń w każdej dzielnicy")
    assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 375], ids=lambda w: f"{w}px")
def test_a_resident_reads_the_draft_and_comments_on_a_section(
    page: Page, draft: DocumentVersion, width: int
) -> None:
    comment_on_section(page, width)
    comment = Opinion.objects.get()
    assert comment.section.key == "cel-1-1"
    assert comment.organisation == "Stowarzyszenie Zielony Lublin"


def test_commenting_works_without_javascript(
    browser: Browser, live_server: LiveServer, draft: DocumentVersion
) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/consultations/projekt-strategii/v1/cel-1-2/")
        assert_accessible_without_js(page)
        page.get_by_label("Twoja uwaga").fill("Więcej stacji pomiaru jakości powietrza.")
        page.get_by_role("button", name="Wyślij uwagę do §1.2").click()
        expect(page.locator("h1")).to_have_text("Twoja opinia")
    finally:
        context.close()
    assert Opinion.objects.get().section.key == "cel-1-2"


def test_three_duplicates_get_one_answer_that_reaches_the_tracking_page(
    page: Page, draft: DocumentVersion, verified_moderator: User, verified_editor: User
) -> None:
    section = draft.sections.get(key="cel-1-1")
    same = "Potrzebujemy więcej drzew przy ulicach, a nie tylko w parkach."
    three = [
        OpinionFactory(consultation=draft.consultation, section=section, text=same)
        for _ in range(3)
    ]
    other = OpinionFactory(consultation=draft.consultation, section=section)

    log_in(page, verified_moderator)
    page.goto("/staff/consultations/projekt-strategii/answers/")
    assert_accessible(page)
    for comment in three:
        page.locator(f"#comment-{comment.pk}").check()
    page.get_by_label("uwzględniono częściowo").check()
    page.get_by_label("Uzasadnienie").fill("Dopisano drzewa przyuliczne w celu 1.1.")
    page.get_by_role("button", name="Zapisz projekt odpowiedzi").click()
    expect(page.locator(".message").first).to_contain_text("Zapisano projekt odpowiedzi")
    expect(page.locator(f"#comment-{other.pk}")).to_be_visible()
    expect(page.locator(f"#comment-{three[0].pk}")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "answer-queue")
    answer = ConsultationAnswer.objects.get()
    assert answer.comments.count() == 3

    page.context.clear_cookies()
    log_in(page, verified_editor)
    page.goto("/staff/consultations/projekt-strategii/answers/")
    page.get_by_role("button", name=f"Zatwierdź odpowiedź nr {answer.pk}").click()
    page.get_by_role("button", name="Opublikuj 1 zatwierdzoną odpowiedź").click()
    expect(page.locator(".message").first).to_contain_text("Opublikowano odpowiedzi")
    assert_accessible(page)

    page.context.clear_cookies()
    page.goto(three[1].get_tracking_url())
    expect(page.locator("main")).to_contain_text("Dopisano drzewa przyuliczne w celu 1.1.")
    expect(page.locator("main")).to_contain_text("uwzględniono częściowo")
    assert_accessible(page)
    page.goto(section.get_absolute_url())
    expect(page.locator(".answer")).to_have_count(3)
    assert_accessible(page)
    screenshot(page, "section-answered")
