"""Working-group recruitment in the browser: a resident applies (a refused form keeps what was
typed, then an edit), the call closes and the application becomes read-only; an editor
proposes a selection, an over-fill is refused with a message, the editor adjusts within
the seats, checks the recorded draw and reviews the applications. axe on every page; the
resident's pages and the selection page also at 375 px."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.e2e.conftest import (
    TIMEOUT_MS,
    assert_accessible,
    in_polish,
    log_in,
    record_server_errors,
    verified_user,
)
from tests.factories import UserFactory, editor
from tests.workgroups.factories import ApplicationFactory
from workgroups.models import Application, Membership, RecruitmentCall, SelectionDraw, WorkingGroup
from workgroups.services.groups import ensure_working_groups
from workgroups.services.recruitment import open_call, set_quotas

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page
    from pytest_django.live_server_helper import LiveServer


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOTIVATION = "Mieszkam na Kalinowszczyźnie i chcę, żeby w mojej dzielnicy było więcej zieleni."
ORGANISATION = "Stowarzyszenie Zielony Lublin"


# Elements whose content is wider than their box: named in the failure, to find the culprit.
WIDER_THAN_THEIR_BOX = """() => [...document.querySelectorAll('main *')]
  .filter((el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
  .slice(0, 5)
  .map((el) => `${el.tagName}.${el.className} ${el.scrollWidth}/${el.clientWidth}`)"""


def _fits(page: Page) -> None:
    """Nothing scrolls sideways at the page's width."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        wide = page.evaluate(WIDER_THAN_THEIR_BOX)
        pytest.fail(f"{page.url} is {overflow} px wider than the screen: {wide}")


def _phone(page: Page, live_server: LiveServer, server_errors: list[str]) -> BrowserContext:
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def test_applying_and_selecting_within_the_seats(
    page: Page, live_server: LiveServer, lublin_process: None, server_errors: list[str]
) -> None:
    groups = ensure_working_groups()
    group: WorkingGroup = groups[0]
    other: WorkingGroup = groups[1]
    # Two resident seats in the first group, so that filling and over-filling are quick.
    set_quotas(group=group, seats={"resident": 2})
    staff = verified_user(editor())
    now = timezone.now()
    call = open_call(
        title="Nabór do Tematycznych Grup Roboczych",
        text="Zapraszamy mieszkańców i instytucje do **Tematycznych Grup Roboczych**.",
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(days=7),
        groups=[group, other],
        created_by=staff,
    )
    resident = verified_user(UserFactory(first_name="Anna", last_name="Zielińska"))

    # --- The resident, on a phone-sized screen --------------------------------------------
    phone = _phone(page, live_server, server_errors)
    resident_page = phone.new_page()
    record_server_errors(resident_page, server_errors)
    try:
        log_in(resident_page, resident)
        resident_page.goto("/groups/")
        expect(resident_page.get_by_role("heading", level=1)).to_have_text(
            in_polish(lambda: gettext("Working groups"))
        )
        _fits(resident_page)
        assert_accessible(resident_page)
        resident_page.get_by_role("link", name=re.compile(re.escape(group.area.name))).first.click()
        expect(resident_page.get_by_role("heading", level=1)).to_have_text(group.area.name)
        _fits(resident_page)
        assert_accessible(resident_page)
        resident_page.get_by_role(
            "link",
            name=re.compile(re.escape(in_polish(lambda: gettext("Read the call and apply")))),
        ).click()
        expect(resident_page.get_by_role("heading", level=1)).to_have_text(call.title)
        _fits(resident_page)
        assert_accessible(resident_page)
        resident_page.get_by_role("link", name=in_polish(lambda: gettext("Apply"))).last.click()
        expect(resident_page).to_have_url(re.compile(rf"/calls/{call.pk}/apply/$"))
        _fits(resident_page)
        assert_accessible(resident_page)

        # A business applicant without an organisation, the same group twice: refused, kept.
        form = resident_page.locator("main form[method='post']")
        form.locator("select[name='first_choice']").select_option(str(group.pk))
        form.locator("select[name='second_choice']").select_option(str(group.pk))
        form.locator("input[name='sector'][value='business']").check()
        form.locator("textarea[name='motivation']").fill(MOTIVATION)
        form.locator("input[name='consent_to_publish']").check()
        form.locator("button[type='submit']").click()
        expect(resident_page.locator(".message--error")).to_be_visible()
        expect(resident_page.locator("textarea[name='motivation']")).to_have_value(MOTIVATION)
        expect(resident_page.locator("input[name='full_name']")).to_have_value("Anna Zielińska")
        expect(
            resident_page.get_by_text(
                in_polish(lambda: gettext("Name the organisation you represent."))
            )
        ).to_be_visible()
        _fits(resident_page)
        assert_accessible(resident_page)

        form = resident_page.locator("main form[method='post']")
        form.locator("select[name='second_choice']").select_option(str(other.pk))
        form.locator("input[name='organisation']").fill(ORGANISATION)
        form.locator("button[type='submit']").click()
        expect(resident_page.locator(".message--success")).to_be_visible()
        assert_accessible(resident_page)

        # Edited while open: now a resident, willing to lead.
        form = resident_page.locator("main form[method='post']")
        form.locator("input[name='sector'][value='resident']").check()
        form.locator("input[name='wants_to_lead']").check()
        form.locator("button[type='submit']").click()
        expect(resident_page.locator(".message--success")).to_be_visible()
        mine = Application.objects.get(applicant=resident)
        assert (mine.sector, mine.wants_to_lead, mine.second_choice_id) == (
            "resident",
            True,
            other.pk,
        )

        # Three more applicants to the same group, then the call closes.
        others = [
            ApplicationFactory(call=call, first_choice=group, full_name=f"Kandydat {n}")
            for n in range(1, 4)
        ]
        RecruitmentCall.objects.filter(pk=call.pk).update(
            closes_at=timezone.now() - dt.timedelta(minutes=1)
        )
        resident_page.reload()
        expect(resident_page.locator("main form[method='post']")).to_have_count(0)
        expect(resident_page.get_by_text(MOTIVATION)).to_be_visible()
        _fits(resident_page)
        assert_accessible(resident_page)
    finally:
        phone.close()

    # --- The editor -------------------------------------------------------------------------
    log_in(page, staff)
    page.goto("/staff/calls/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        in_polish(lambda: gettext("Recruitment calls"))
    )
    assert_accessible(page)
    page.locator(f"main a[href='/staff/calls/{call.pk}/selection/']").click()
    expect(page).to_have_url(re.compile(rf"/staff/calls/{call.pk}/selection/$"))
    assert_accessible(page)

    page.get_by_role("button", name=in_polish(lambda: gettext("Propose a selection"))).click()
    expect(page.locator(".message--success")).to_be_visible()
    assert_accessible(page)
    draw = SelectionDraw.objects.get(call=call)
    assert Membership.objects.filter(group=group, seat="resident").count() == 2
    assert Membership.objects.filter(group=group, seat="leader", application=mine).exists()
    waiting = Application.objects.get(call=call, decision="waitlisted")
    assert waiting in others

    # Over-filling: the waiting applicant into the full resident seats is refused.
    row = page.locator("tr", has_text=waiting.full_name)
    row.locator("select[name='seat']").select_option(f"{group.pk}:resident")
    row.get_by_role(
        "button", name=re.compile(re.escape(in_polish(lambda: gettext("Place"))))
    ).click()
    expect(page.locator(".message--error")).to_be_visible()
    assert_accessible(page)
    assert Membership.objects.filter(group=group, seat="resident").count() == 2

    # Adjusting within the seats: free one resident seat, then place the waiting applicant.
    seated = Membership.objects.filter(group=group, seat="resident").select_related("application")
    leaving = seated.first()
    assert leaving is not None and leaving.application is not None
    remove = in_polish(lambda: gettext("Remove"))
    page.get_by_role(
        "button",
        name=re.compile(rf"^{re.escape(remove)}\s*: {re.escape(leaving.application.full_name)}$"),
    ).click()
    expect(page.locator(".message--success")).to_be_visible()
    row = page.locator("tr", has_text=waiting.full_name)
    row.locator("select[name='seat']").select_option(f"{group.pk}:resident")
    row.get_by_role(
        "button", name=re.compile(re.escape(in_polish(lambda: gettext("Place"))))
    ).click()
    expect(page.locator(".message--success")).to_be_visible()
    assert Membership.objects.filter(application=waiting, group=group).exists()
    assert Membership.objects.filter(group=group, seat="resident").count() == 2
    assert_accessible(page)

    # The recorded draw: re-checked from its seed.
    page.get_by_role("link", name=re.compile(str(draw.seed))).click()
    expect(page.locator("dl.facts strong")).to_have_text(
        in_polish(
            lambda: gettext(
                "Confirmed: running the draw again from its seed and recorded inputs gives"
                " exactly this result."
            )
        )
    )
    assert_accessible(page)

    # Review: the applications filtered by sector, with notes.
    page.goto(f"/staff/calls/{call.pk}/applications/?sector=resident")
    assert_accessible(page)
    article = page.locator("article", has_text=mine.full_name)
    article.locator("textarea[name='review_notes']").fill("Doświadczenie w radzie osiedla.")
    article.get_by_role("button").click()
    expect(page.locator(".message--success")).to_be_visible()
    mine.refresh_from_db()
    assert mine.review_notes == "Doświadczenie w radzie osiedla."

    # The call's form and the group's seats: fewer seats than are taken is refused.
    page.goto(f"/staff/calls/{call.pk}/edit/")
    expect(page.locator("input[name='title']")).to_have_value(call.title)
    assert_accessible(page)
    page.goto(f"/staff/calls/seats/{group.slug}/")
    assert_accessible(page)
    page.locator("input[name='resident']").fill("1")
    page.locator("main form[method='post'] button[type='submit']").click()
    expect(page.locator(".message--error")).to_be_visible()
    expect(page.locator("input[name='resident']")).to_have_value("1")
    assert_accessible(page)

    # The selection page at 375 px.
    phone = _phone(page, live_server, server_errors)
    try:
        phone_page = phone.new_page()
        record_server_errors(phone_page, server_errors)
        log_in(phone_page, staff)
        phone_page.goto(f"/staff/calls/{call.pk}/selection/")
        _fits(phone_page)
        assert_accessible(phone_page)
    finally:
        phone.close()
