"""The accessibility check itself: it must fail, and say why, on a page with violations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import assert_accessible

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROKEN_PAGE = """<!doctype html>
<html lang="pl"><head><title>Zepsuta strona</title></head>
<body><main><h1>Zepsuta strona</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
<p style="color:#aaa;background:#fff">Za mało kontrastu</p>
</main></body></html>"""


def test_assert_accessible_reports_each_violation(page: Page) -> None:
    page.set_content(BROKEN_PAGE)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    report = str(failure.value)
    assert "image-alt [critical]" in report
    assert "#no-alt" in report
    assert "color-contrast [serious]" in report


def test_assert_accessible_passes_a_clean_page(page: Page) -> None:
    fixed = BROKEN_PAGE.replace('id="no-alt"', 'id="no-alt" alt=""').replace("#aaa", "#333")
    page.set_content(fixed)
    assert_accessible(page)
