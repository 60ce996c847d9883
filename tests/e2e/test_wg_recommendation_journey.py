"""A working group's recommendation, end to end: a member drafts it with evidence (typed
numbers and a search), two members edit it at once and the second merges without losing
anything, the leader submits it, and its public page shows the verification; axe on each
page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from opinions.analysis.text import lemma_string
from opinions.models import Opinion
from stages.models import Consultation
from tests.e2e.conftest import (
    TIMEOUT_MS,
    assert_accessible,
    log_in,
    record_server_errors,
    verified_user,
)
from tests.factories import OpinionFactory, editor
from tests.workgroups.factories import leader, member
from tests.workgroups.test_recommendation_helpers import decide
from workgroups.models import Recommendation, WorkingGroup
from workgroups.services.groups import ensure_working_groups
from workgroups.services.recommendations import publish_recommendation

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONSULTATION_SLUG = "jaki-ma-byc-lublin-w-2030"
SAVE = "form#rec-editor .actions button[value='save']"


@pytest.fixture
def group(lublin_process: None) -> WorkingGroup:
    ensure_working_groups()
    return WorkingGroup.objects.select_related("area").get(area__slug="edukacja")


def published_opinion(group: WorkingGroup, text: str) -> Opinion:
    consultation = Consultation.objects.get(slug=CONSULTATION_SLUG)
    return OpinionFactory(
        consultation=consultation, area=group.area, text=text, lemmas=lemma_string(text)
    )


def draft_with_evidence(page: Page, group: WorkingGroup) -> Recommendation:
    by_number = published_opinion(group, "Więcej zajęć pozalekcyjnych w szkołach na Czubach.")
    searched = published_opinion(group, "Szkoły potrzebują pracowni robotyki i programowania.")
    page.goto(f"/groups/{group.slug}/recommendations/new/")
    assert_accessible(page)
    page.fill("#id_title", "Szkoły otwarte po lekcjach")
    page.fill("#id_vision", "Każda szkoła jest centrum życia dzielnicy.")
    page.fill("#direction-text-1", "Zajęcia pozalekcyjne w każdej szkole")
    page.fill("#direction-indicator-1", "liczba zajęć tygodniowo")
    page.click("button[value='add_direction']")
    expect(page.locator("textarea[name='direction_text']")).to_have_count(4)
    expect(page.locator("#id_vision")).to_have_value("Każda szkoła jest centrum życia dzielnicy.")
    expect(page.locator("#direction-text-1")).to_have_value("Zajęcia pozalekcyjne w każdej szkole")
    page.fill("#direction-text-2", "Pracownie robotyki")
    page.fill("#direction-unit-2", "Wydział Oświaty")

    page.fill("#add-opinions", str(by_number.pk))
    page.fill("#add-opinions-note", "Mieszkańcy Czubów pytają o zajęcia")
    page.click("#add-evidence")
    expect(page.locator(f"#opinion-note-{by_number.pk}")).to_have_value(
        "Mieszkańcy Czubów pytają o zajęcia"
    )
    page.fill("input[name='q']", "robotyka")
    page.keyboard.press("Enter")  # the script makes Enter in the search box search
    page.check(f"#pick-opinion-{searched.pk}")
    page.fill(f"#pick-note-{searched.pk}", "Potrzeba pracowni")
    assert_accessible(page)
    page.fill("#id_note", "Pierwsza wersja")
    page.click(SAVE)

    expect(page).to_have_url(re.compile(r"/recommendations/\d+/work/$"))
    assert_accessible(page)
    expect(page.locator("h1")).to_have_text("Szkoły otwarte po lekcjach")
    expect(page.locator("#rec-evidence ~ ul a", has_text=str(searched.pk))).to_have_count(1)
    rec = Recommendation.objects.get(group=group)
    assert rec.current is not None
    assert [item["id"] for item in rec.current.evidence["opinions"]] == [by_number.pk, searched.pk]
    assert [d["text"] for d in rec.current.directions] == [
        "Zajęcia pozalekcyjne w każdej szkole",
        "Pracownie robotyki",
    ]
    return rec


def test_member_drafts_a_recommendation_with_evidence(page: Page, group: WorkingGroup) -> None:
    log_in(page, verified_user(member(group)))
    draft_with_evidence(page, group)


def test_two_members_edit_at_once_and_nothing_is_lost(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    server_errors: list[str],
    group: WorkingGroup,
) -> None:
    anna = verified_user(member(group))
    log_in(page, anna)
    rec = draft_with_evidence(page, group)
    edit_url = f"/recommendations/{rec.pk}/edit/"

    other = browser.new_context(base_url=live_server.url, locale="en-US")
    other.set_default_timeout(TIMEOUT_MS)
    try:
        piotr_page = other.new_page()
        record_server_errors(piotr_page, server_errors)
        log_in(piotr_page, verified_user(member(group)))
        piotr_page.goto(edit_url)
        page.goto(edit_url)
        assert_accessible(page)

        page.fill("#id_goals", "Cel Anny: szkoły otwarte do 20:00.")
        page.click(SAVE)
        expect(page).to_have_url(re.compile(r"/work/$"))

        piotr_page.fill("#id_goals", "Cel Piotra: zajęcia także w soboty.")
        piotr_page.click(SAVE)
        alert = piotr_page.locator(".rec-conflict [role='alert']")
        expect(alert).to_contain_text("2")
        expect(piotr_page.locator("#id_goals")).to_have_value("Cel Piotra: zajęcia także w soboty.")
        expect(piotr_page.locator(".rec-compare del")).to_contain_text(["Anny"])
        expect(piotr_page.locator("input[name='expected_version']")).to_have_value("2")
        assert_accessible(piotr_page)

        piotr_page.fill(
            "#id_goals", "Cel Anny: szkoły otwarte do 20:00. Cel Piotra: zajęcia także w soboty."
        )
        piotr_page.click(SAVE)
        expect(piotr_page).to_have_url(re.compile(r"/work/$"))
    finally:
        other.close()
    rec.refresh_from_db()
    assert rec.version == 3 and rec.current is not None
    assert rec.current.goals == (
        "Cel Anny: szkoły otwarte do 20:00. Cel Piotra: zajęcia także w soboty."
    )
    page.goto(f"/recommendations/{rec.pk}/compare/?a=2&b=3")
    expect(page.locator(".rec-compare ins").first).to_contain_text("Cel Piotra")
    assert_accessible(page)


def test_leader_submits_and_the_public_page_shows_the_verification(
    page: Page, group: WorkingGroup
) -> None:
    chair = verified_user(leader(group))
    log_in(page, chair)
    rec = draft_with_evidence(page, group)
    # Submitting says first that it locks editing, and needs a confirmation.
    page.click(f"a[href^='/recommendations/{rec.pk}/submit/']")
    expect(page.locator("main")).to_contain_text("nikt z grupy nie może jej edytować")
    assert_accessible(page)
    page.click("form[action$='/submit/'] button[type='submit']")
    expect(page.locator(".rec-status .badge")).to_have_class(re.compile("badge--submitted"))
    expect(page.locator(f"a[href='/recommendations/{rec.pk}/edit/']")).to_have_count(0)
    assert_accessible(page)

    decide(rec, "verified", reasons="Zgodna z prawem i możliwa do sfinansowania.")
    publish_recommendation(recommendation_id=rec.pk, actor=editor())
    page.context.clear_cookies()
    page.goto("/recommendations/")
    assert_accessible(page)
    page.click(f"a[href='/recommendations/{rec.pk}/']")
    expect(page.locator("h1")).to_have_text("Szkoły otwarte po lekcjach")
    expect(page.locator(".verification")).to_contain_text("Zgodna z prawem")
    cited = rec.opinion_evidence.values_list("opinion_id", flat=True)
    for pk in cited:
        expect(page.locator(f"a[href='/opinions/{pk}/']")).to_have_count(1)
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
