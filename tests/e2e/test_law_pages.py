"""The accessibility statement and the privacy notice in a browser: at a desktop's width and a
phone's, in Polish and then in English, each checked with axe-core (WCAG 2.1 A and AA) and
for sideways scrolling.

With LAW_SCREENSHOTS set to a folder, each page is also saved there as a full-page PNG
(`<page>-<width>.png`), for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = {
    "accessibility": ("/accessibility/", "Deklaracja dostępności", "Accessibility statement"),
    "privacy": ("/privacy/", "Prywatność i dane osobowe", "Privacy and personal data"),
}
WIDTHS = (1280, 375)


def screenshot(page: Page, name: str, width: int) -> None:
    folder = os.environ.get("LAW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


def assert_no_sideways_scroll(page: Page, width: int) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["inner"] == width
    assert widths["scroll"] <= widths["inner"], (
        f"{page.url} scrolls sideways at {width} px: content is {widths['scroll']} px wide"
    )


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
@pytest.mark.parametrize("name", PAGES)
def test_law_page_is_accessible_in_both_languages(page: Page, name: str, width: int) -> None:
    path, polish, english = PAGES[name]
    page.set_viewport_size({"width": width, "height": 900})

    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("h1")).to_have_text(polish)
    # Both pages are linked from every page's footer, this one included.
    footer = page.locator("footer")
    expect(footer.locator("a[href='/accessibility/']")).to_have_text("Deklaracja dostępności")
    expect(footer.locator("a[href='/privacy/']")).to_have_text("Prywatność i dane osobowe")
    assert_no_sideways_scroll(page, width)
    assert_accessible(page)
    screenshot(page, name, width)

    if width < 960:
        # On a phone the language switch is in the folded main menu.
        page.locator("summary.site-menu__button").click()
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(english)
    assert_no_sideways_scroll(page, width)
    assert_accessible(page)
    screenshot(page, f"{name}-en", width)
