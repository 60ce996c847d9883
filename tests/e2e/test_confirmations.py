"""Confirmations before what cannot be undone, with JavaScript off: each says what will
happen, and nothing happens until it is confirmed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stages.models import Stage, StageUpdate
from tests.e2e.conftest import assert_accessible_without_js, log_in, verified_user
from tests.factories import StageUpdateFactory, editor
from tests.workgroups.factories import ApplicationFactory, RecruitmentCallFactory, leader
from tests.workgroups.factories import recommendation as drafted
from workgroups.models import Membership, Recommendation, RecruitmentCall, WorkingGroup
from workgroups.services import recruitment
from workgroups.services.groups import ensure_working_groups

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from pytest_django.live_server_helper import LiveServer

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class NoScriptBrowser:
    """Pages with JavaScript off, for a person logged in first with it on (the log-in
    helper checks the log-in page with axe, which needs scripts)."""

    def __init__(self, browser: Browser, live_server: LiveServer) -> None:
        self.browser = browser
        self.base_url = live_server.url
        self.contexts: list[BrowserContext] = []

    def logged_in(self, user: User, lands_on: str) -> Page:
        scripted = self.browser.new_context(base_url=self.base_url, locale="en-US")
        self.contexts.append(scripted)
        scripted.set_default_timeout(15_000)
        log_in(scripted.new_page(), user, lands_on=lands_on)
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="en-US",
            java_script_enabled=False,
            storage_state=scripted.storage_state(),
        )
        self.contexts.append(context)
        context.set_default_timeout(15_000)
        return context.new_page()


@pytest.fixture
def no_script(browser: Browser, live_server: LiveServer) -> Iterator[NoScriptBrowser]:
    helper = NoScriptBrowser(browser, live_server)
    try:
        yield helper
    finally:
        for context in helper.contexts:
            context.close()


@pytest.fixture
def group(lublin_process: None) -> WorkingGroup:
    ensure_working_groups()
    return WorkingGroup.objects.get(area__slug="edukacja")


def test_scheduling_a_past_time_says_it_publishes_at_once(
    no_script: NoScriptBrowser, lublin_process: None
) -> None:
    update = StageUpdateFactory(
        stage=Stage.objects.get(number=2),
        title="Spotkanie w dzielnicy",
        status=StageUpdate.Status.DRAFT,
        publish_at=None,
    )
    page = no_script.logged_in(verified_user(editor()), lands_on="/panel/")
    page.goto(f"/staff/updates/{update.pk}/")
    past = timezone.localtime() - dt.timedelta(hours=2)
    form = page.locator(f"main form[action='/staff/updates/{update.pk}/schedule/']")
    form.locator("input[name='publish_at']").fill(past.strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type='submit']").click()

    expect(page.locator("h1")).to_contain_text("od razu?")
    expect(page.locator("main")).to_contain_text("już minął")
    expect(page.locator("main")).to_contain_text("zostanie opublikowana od razu")
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.DRAFT
    assert_accessible_without_js(page)

    page.get_by_role("button", name="Opublikuj teraz").click()
    expect(page.locator("#state-title .badge--published")).to_be_visible()
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.PUBLISHED


def test_submitting_a_recommendation_says_it_locks_editing(
    no_script: NoScriptBrowser, group: WorkingGroup
) -> None:
    chair = verified_user(leader(group))
    rec = drafted(group, author=chair, title="Szkoły otwarte po lekcjach")
    page = no_script.logged_in(chair, lands_on=f"/groups/{group.slug}/workspace/")
    page.goto(f"/recommendations/{rec.pk}/work/")
    page.click(f"a[href^='/recommendations/{rec.pk}/submit/']")

    expect(page.locator("main")).to_contain_text("nikt z grupy nie może jej edytować")
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.DRAFT
    assert_accessible_without_js(page)

    page.get_by_role("button", name="Przekaż do weryfikacji").click()
    expect(page.locator(".rec-status .badge")).to_have_class(re.compile("badge--submitted"))
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.SUBMITTED


def test_announcing_a_selection_says_everyone_is_emailed(
    no_script: NoScriptBrowser, group: WorkingGroup
) -> None:
    call = RecruitmentCallFactory(groups=[group])
    applications = [ApplicationFactory(call=call, first_choice=group) for _ in range(3)]
    now = timezone.now()
    RecruitmentCall.objects.filter(pk=call.pk).update(
        opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(days=1)
    )
    recruitment.place_applicant(application=applications[0], group_id=group.pk, seat="resident")
    page = no_script.logged_in(verified_user(editor()), lands_on="/panel/")
    page.goto(f"/staff/calls/{call.pk}/selection/")
    page.get_by_role("link", name="Ogłoś wyniki").click()

    main = page.locator("main")
    expect(main).to_contain_text("1 osoba z przydzielonym miejscem zostaje członkiem grupy")
    expect(main).to_contain_text("2 zgłoszenia bez decyzji zostaną oznaczone jako niewybrane")
    expect(main).to_contain_text("Każda z 3 osób, które się zgłosiły, dostanie e-mail z decyzją")
    assert not Membership.objects.filter(active=True).exists()
    assert_accessible_without_js(page)

    page.get_by_role("button", name="Ogłoś wyniki i wyślij e-maile").click()
    expect(page.locator("main .panel").first).to_contain_text("ogłoszono")
    call.refresh_from_db()
    assert call.announced_at is not None
    assert Membership.objects.filter(active=True).count() == 1
