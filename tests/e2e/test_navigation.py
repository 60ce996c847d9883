"""Finding one's way: each role lands where its work is, with "Mój panel" in the header;
the main menu folds behind one button on a phone, with and without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    assert_accessible,
    assert_accessible_without_js,
    log_in,
    verified_user,
)
from tests.factories import UserFactory, editor, moderator, verifier
from tests.workgroups.factories import member
from workgroups.models import WorkingGroup
from workgroups.services.groups import ensure_working_groups

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}


def group_member() -> User:
    ensure_working_groups()
    return member(WorkingGroup.objects.get(area__slug="edukacja"))


@pytest.mark.parametrize(
    ("make", "lands_on", "heading"),
    [
        (editor, "/panel/", "Mój panel"),
        (moderator, "/staff/moderation/", None),
        (verifier, "/staff/verification/", None),
        (group_member, "/groups/edukacja/workspace/", None),
        (lambda: UserFactory(), "/moje/", "Moje"),
    ],
    ids=["editor", "moderator", "verifier", "member", "resident"],
)
def test_each_role_lands_on_its_work_and_finds_it_again_from_the_header(
    page: Page,
    lublin_process: None,
    make: Callable[[], User],
    lands_on: str,
    heading: str | None,
) -> None:
    log_in(page, verified_user(make()), lands_on=lands_on)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    panel_link = page.locator("nav.site-nav a", has_text="Mój panel")
    expect(panel_link).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    page.goto("/opinions/")
    expect(page.locator("nav.site-nav a[href='/opinions/']")).to_have_attribute(
        "aria-current", "page"
    )
    page.locator("nav.site-nav a", has_text="Mój panel").click()
    expect(page).to_have_url(live_path(lands_on))


def live_path(path: str) -> object:
    import re

    return re.compile(r"^https?://[^/]+" + re.escape(path) + "$")


def open_menu_on_a_phone(page: Page) -> None:
    page.goto("/")
    header = page.locator("header.site-header")
    box = header.bounding_box()
    assert box is not None and box["height"] < 80, f"the header takes {box} on a phone"
    expect(page.locator("nav.site-nav a[href='/opinions/']")).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(page.locator("nav.site-nav a[href='/opinions/']")).to_be_visible()
    # The opened menu lies over the page: the header itself keeps its height.
    box = header.bounding_box()
    assert box is not None and box["height"] < 80


def test_the_menu_folds_on_a_phone_with_javascript(
    browser: Browser, live_server: LiveServer, lublin_process: None
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        open_menu_on_a_phone(page)
        assert_accessible(page)
        page.locator("nav.site-nav a[href='/opinions/']").click()
        expect(page).to_have_url(live_path("/opinions/"))
    finally:
        context.close()


def test_the_menu_folds_on_a_phone_without_javascript(
    browser: Browser, live_server: LiveServer, lublin_process: None
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        open_menu_on_a_phone(page)
        assert_accessible_without_js(page)
        page.locator("nav.site-nav a[href='/opinions/']").click()
        expect(page).to_have_url(live_path("/opinions/"))
    finally:
        context.close()


def test_on_a_wide_screen_the_menu_shows_without_a_button(page: Page, lublin_process: None) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/updates/")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.locator("nav.site-nav a[href='/updates/']")).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(page)


def test_the_opinion_filters_fold_on_a_phone_and_open_with_one_tap(
    browser: Browser, live_server: LiveServer, lublin_process: None
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.goto("/opinions/")
        district = page.locator("main select[name='district']")
        expect(page.locator("main input[name='q']")).to_be_visible()
        expect(district).to_be_hidden()
        page.locator("main summary", has_text="Filtry").click()
        expect(district).to_be_visible()
        assert_accessible(page)
        # Wider, the filters show without the button.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto("/opinions/")
        expect(district).to_be_visible()
        expect(page.locator("main summary", has_text="Filtry")).to_be_hidden()
    finally:
        context.close()


def test_the_district_filter_is_in_polish_order(page: Page, lublin_process: None) -> None:
    page.goto("/opinions/")
    names = page.locator("main select[name='district'] option").all_inner_texts()
    assert names.index("Sławinek") < names.index("Śródmieście") < names.index("Tatary")
    assert names.index("Śródmieście") < names.index("Wrotków")
    assert_accessible(page)


def test_the_comment_queue_count_follows_each_decision(page: Page, lublin_process: None) -> None:
    from opinions.models import Comment
    from stages.models import Consultation, ThematicArea
    from tests.factories import OpinionFactory

    opinion = OpinionFactory(
        consultation=Consultation.objects.first(), area=ThematicArea.objects.first()
    )
    comments = [
        Comment.objects.create(opinion=opinion, text=f"Zgadzam się, komentarz {n}.")
        for n in range(3)
    ]
    log_in(page, verified_user(moderator()), lands_on="/staff/moderation/")
    page.goto("/staff/moderation/comments/")
    count = page.locator("#comments-waiting")
    expect(count).to_contain_text("3")
    page.locator(f"#comment-{comments[0].pk} form[action$='/publish/'] button").click()
    expect(count).to_contain_text("2")
    expect(page.locator("h2#comments-waiting")).to_have_count(1)
    assert_accessible(page)


def test_a_browser_without_details_content_still_shows_the_menu_and_filters(
    browser: Browser, live_server: LiveServer, lublin_process: None
) -> None:
    """Firefox before 143 and Safari before 18.4 cannot show a closed <details>'s content:
    js/fold.js opens the menu and the filters on a wide screen, and folds them on a phone."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    # Such a browser answers "no" when asked whether it knows ::details-content.
    context.add_init_script(
        "const known = CSS.supports.bind(CSS);"
        "CSS.supports = (...args) =>"
        " !String(args[0]).includes('details-content') && known(...args);"
    )
    try:
        page = context.new_page()
        page.goto("/opinions/")
        menu = page.locator("details.site-menu")
        expect(menu).to_have_attribute("open", "")
        expect(menu).to_have_attribute("data-unfolded", "")
        expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
        expect(page.locator("details.filters-fold")).to_have_attribute("open", "")
        expect(page.locator("main select[name='district']")).to_be_visible()

        page.set_viewport_size(PHONE)
        expect(menu).not_to_have_attribute("open", "")
        expect(page.locator("nav.site-nav a[href='/opinions/']")).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        expect(page.locator("nav.site-nav a[href='/opinions/']")).to_be_visible()
    finally:
        context.close()
