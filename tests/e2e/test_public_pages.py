"""What a resident sees: the home page, a stage page, the language switch, a phone-sized
screen and the 404 page, each checked with axe-core."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils import translation
from playwright.sync_api import expect

from stages.models import Stage
from tests.e2e.conftest import assert_accessible

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUESTION_PL = "Jaki ma być Lublin w 2030 roku?"
QUESTION_EN = "What should Lublin be like in 2030?"
STAGE_II_SLUG = "rozmawiamy-o-przyszlosci"
HOME_URL = re.compile(r"^https?://[^/]+/$")
STAGE_II_TITLE_PL = "Rozmawiamy o przyszłości Lublina"
STAGE_II_TITLE_EN = "We talk about the future of Lublin"
ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]


def stage_texts(slug: str, language: str) -> tuple[list[str], list[str]]:
    """A stage's description paragraphs and expected results as the page should show them."""
    stage = Stage.objects.get(slug=slug)
    with translation.override(language):
        return stage.description_paragraphs, stage.results_list


def expect_stage_page(page: Page, title: str, language: str) -> None:
    expect(page).to_have_url(re.compile(rf"/stages/{STAGE_II_SLUG}/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_contain_text(f"II. {title}")
    paragraphs, results = stage_texts(STAGE_II_SLUG, language)
    assert paragraphs, "stage II has a description in the process file"
    prose = page.locator(".prose")
    for paragraph in paragraphs:
        expect(prose).to_contain_text(paragraph)
    expect(page.locator("ul.results > li")).to_have_text(results)


def test_resident_browses_home_and_stage_in_polish(page: Page, lublin_process: None) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200

    # Chromium asks for en-US, but the city portal speaks Polish until the visitor chooses.
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("h1#question")).to_have_text(QUESTION_PL)

    timeline = page.locator("ol.timeline")
    items = timeline.locator(":scope > li")
    expect(items).to_have_count(9)
    expect(timeline.locator(".timeline__numeral")).to_have_text(ROMANS)

    current = Stage.objects.current()
    assert current is not None, "the shipped process has a current stage today"
    marked = timeline.locator(':scope > li[aria-current="step"]')
    expect(marked).to_have_count(1)
    expect(marked.locator(".timeline__numeral")).to_have_text(current.roman)
    expect(marked.locator("h3")).to_contain_text(current.title)
    expect(marked).to_have_class(re.compile(r"\btimeline__item--current\b"))
    assert_accessible(page)

    timeline.get_by_role("link", name=re.compile(STAGE_II_TITLE_PL)).click()
    expect_stage_page(page, STAGE_II_TITLE_PL, "pl")
    assert_accessible(page)


def test_resident_switches_to_english_and_back(page: Page, lublin_process: None) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    polish = page.get_by_role("button", name="Polski", exact=True)
    expect(polish).to_be_disabled()
    expect(polish).to_have_attribute("aria-current", "true")

    page.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(HOME_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1#question")).to_have_text(QUESTION_EN)
    expect(page.get_by_role("button", name="English", exact=True)).to_be_disabled()
    expect(page.locator("ol.timeline > li")).to_have_count(9)
    assert_accessible(page)

    page.locator("ol.timeline").get_by_role("link", name=re.compile(STAGE_II_TITLE_EN)).click()
    expect_stage_page(page, STAGE_II_TITLE_EN, "en")
    assert_accessible(page)

    # Back to Polish on the same page: the switch returns to where the visitor was.
    page.get_by_role("button", name="Polski", exact=True).click()
    expect_stage_page(page, STAGE_II_TITLE_PL, "pl")
    assert_accessible(page)

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("h1#question")).to_have_text(QUESTION_PL)
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", f"/stages/{STAGE_II_SLUG}/"], ids=["home", "stage"])
def test_narrow_phone_screen_has_no_horizontal_scroll(
    page: Page, lublin_process: None, path: str
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator("ol.timeline > li, h1").first).to_be_visible()

    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["inner"] == 375
    assert widths["scroll"] <= widths["inner"], (
        f"{path} scrolls sideways at 375 px: content is {widths['scroll']} px wide"
    )
    assert_accessible(page)


def test_unknown_stage_shows_the_styled_404_page(page: Page, lublin_process: None) -> None:
    response = page.goto("/stages/no-such-stage/")
    assert response is not None
    assert response.status == 404

    expect(page.locator("html")).to_have_attribute("lang", "pl")
    header = page.locator("header.site-header")
    expect(header).to_be_visible()
    expect(header.locator(".brand")).to_contain_text("Strategia Lublin 2030")
    expect(page.locator("main h1")).to_have_text("Nie znaleziono strony")
    expect(page.locator("main").get_by_role("link")).to_have_attribute("href", "/")
    # The site's stylesheet is applied, not the browser's defaults.
    assert page.evaluate(
        "() => [...document.styleSheets].some((sheet) => sheet.href?.includes('/css/site'))"
    )
    assert_accessible(page)
