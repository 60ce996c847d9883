"""The "Otwarte dane" page and the API documentation in a browser: axe-core (WCAG 2.1 A and AA)
at a desktop's width and a phone's, in Polish and in English; the documentation page runs
Swagger UI from the portal's own files under the Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from lublin2030.opendata.writing import write_open_data
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_law_pages import assert_no_sideways_scroll
from tests.factories import OpinionFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", (1280, 375), ids=lambda width: f"{width}px")
def test_open_data_page_is_accessible(
    page: Page, settings: Any, tmp_path: Path, width: int
) -> None:
    settings.MEDIA_ROOT = tmp_path
    OpinionFactory()
    write_open_data()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.locator("footer").get_by_role("link", name="Otwarte dane").click()
    expect(page.locator("h1")).to_have_text("Otwarte dane")
    expect(page.get_by_role("link", name="Opinie mieszkańców: CSV")).to_be_visible()
    assert_no_sideways_scroll(page, width)
    assert_accessible(page)
    if width < 960:
        # On a phone the language switch is in the folded main menu.
        page.locator("summary.site-menu__button").click()
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("h1")).to_have_text("Open data")
    assert_accessible(page)


def test_api_documentation_runs_under_the_csp(page: Page, server_errors: list[str]) -> None:
    page.goto("/api/v1/docs/")
    # Swagger UI read the schema and drew the operations (no CDN, no inline script).
    expect(page.get_by_text("/api/v1/opinions", exact=True).first).to_be_visible()
    assert server_errors == []


def test_api_documentation_is_accessible_closed_and_opened(page: Page) -> None:
    """Swagger UI's own colours and its deep links inside buttons failed axe (color-contrast,
    nested-interactive); its English text is marked as English on the Polish page."""
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("/api/v1/opinions", exact=True).first).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("#swagger-ui")).to_have_attribute("lang", "en")
    assert_accessible(page)
    page.locator(".opblock-summary-control").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert_accessible(page)
