"""An administrator runs the process without the Django admin: adds a district (a refused
duplicate first), gives a moderator's role, and finds the change in the roles' log; at a
desktop width and on a phone, with axe on every page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from core.audit import read_role_change, role_changes
from core.roles import MODERATORS
from lublin2030.models import User
from stages.models import District
from tests.e2e.conftest import assert_accessible, in_polish, log_in, verified_user
from tests.factories import UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_DISTRICT = "Zemborzyce Tereszyńskie"


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


@pytest.mark.parametrize("width", [1280, 375])
def test_an_administrator_adds_a_district_gives_a_role_and_sees_it_logged(
    page: Page, lublin_process: None, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    admin = verified_user(UserFactory(is_superuser=True, display_name="Anna Administratorka"))
    person = UserFactory(display_name="Marek Moderujący", email="marek@example.org")
    log_in(page, admin)

    # The districts, from the menu (folded behind its button on a phone).
    if width < 800:
        page.locator("summary.site-menu__button").click()
    page.locator("nav.site-nav a[href='/staff/areas/']").click()
    expect(page).to_have_url(re.compile(r"/staff/areas/$"))
    assert_accessible(page)
    page.locator("main a[href='/staff/districts/']").first.click()
    expect(page.locator("main h1")).to_have_text("Dzielnice")
    assert_accessible(page)
    no_sideways_scroll(page)

    # A name already taken is refused next to the field, in Polish.
    page.locator("main a[href='/staff/districts/new/']").click()
    form = page.locator("main form.narrow")
    form.get_by_label("Nazwa").fill("Śródmieście")
    form.locator("button[type='submit']").click()
    name = form.get_by_label("Nazwa")
    expect(name).to_have_attribute("aria-invalid", "true")
    taken = in_polish(lambda: gettext("A district of this name already exists."))
    expect(form).to_contain_text(taken)
    assert_accessible(page)
    no_sideways_scroll(page)

    name.fill(NEW_DISTRICT)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/staff/districts/$"))
    expect(page.locator("main .messages")).to_contain_text(NEW_DISTRICT)
    expect(page.locator("main table")).to_contain_text(NEW_DISTRICT)
    district = District.objects.get(name=NEW_DISTRICT)
    assert district.slug == "zemborzyce-tereszynskie"

    # The roles page: give Marek the moderator's role by his address.
    if width < 800:
        page.locator("summary.site-menu__button").click()
    page.locator("nav.site-nav a[href='/staff/roles/']").click()
    expect(page.locator("main h1")).to_have_text("Role")
    assert_accessible(page)
    no_sideways_scroll(page)
    grant = page.locator("main form[action='/staff/roles/']")
    grant.get_by_label("Adres e-mail osoby").fill("marek@example.org")
    grant.get_by_label("Rola").select_option(MODERATORS)
    grant.locator("button[type='submit']").click()
    expect(page.locator("main .messages")).to_contain_text("Marek Moderujący")
    assert set(person.groups.values_list("name", flat=True)) == {MODERATORS}

    # Listed with a button to withdraw it, and in the log: who, what, when.
    row = page.locator("main table tr", has_text="Marek Moderujący").first
    expect(row.get_by_role("button", name=re.compile("Odbierz"))).to_be_visible()
    log = page.locator("main table.role-log")
    first = log.locator("tbody tr").first
    expect(first).to_contain_text("Anna Administratorka")
    expect(first).to_contain_text("Marek Moderujący")
    expect(first.locator("time")).to_be_visible()
    (entry,) = role_changes(User)
    change = read_role_change(entry)
    assert change is not None and change.granted and entry.user_id == admin.pk
    assert_accessible(page)
    no_sideways_scroll(page)

    # The whole log: the district added too.
    page.locator("main a[href='/staff/log/']").click()
    expect(page.locator("main h1")).to_have_text("Dziennik zmian")
    lines = page.locator("main table.role-log tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(1)).to_contain_text(NEW_DISTRICT)
    expect(lines.nth(1)).to_contain_text("Anna Administratorka")
    assert_accessible(page)
    no_sideways_scroll(page)
