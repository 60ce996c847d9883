"""A verifier giving verdicts: the queue, starting, three verdicts (one conditional), the
result, and the group seeing it in its workspace; axe on every page, the group's pages also
at 375 px."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
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
from tests.factories import verifier
from tests.workgroups.factories import member, recommendation
from workgroups.models import CriterionVerdict, Recommendation, WorkingGroup
from workgroups.services.groups import ensure_working_groups
from workgroups.services.workshops import create_workshop

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Zielone podwórka w każdej dzielnicy"
JUSTIFICATIONS = {
    "legality": "Zgodne z ustawą o samorządzie gminnym i planem miejscowym.",
    "feasibility": "Wykonalne w ciągu trzech lat siłami Wydziału Zieleni.",
    "financing": "Pod warunkiem ujęcia w Wieloletniej Prognozie Finansowej.",
}


def test_a_verifier_giving_verdicts(
    page: Page, live_server: LiveServer, lublin_process: None, server_errors: list[str]
) -> None:
    group: WorkingGroup = ensure_working_groups()[0]
    rec = recommendation(group, title=TITLE, status=Recommendation.Status.SUBMITTED, versions=2)
    person = verified_user(member(group))
    create_workshop(
        group=group,
        title="Warsztat otwierający",
        starts_at=rec.created_at,
        place="Ratusz, sala obrad",
        agenda="1. Powitanie\n2. Diagnoza",
    )
    staff = verified_user(verifier())

    # The queue.
    log_in(page, staff)
    page.goto("/staff/verification/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        in_polish(lambda: gettext("Verification of recommendations"))
    )
    assert_accessible(page)

    # Start: the page of the recommendation with the verdicts form.
    start = in_polish(lambda: gettext("Start verification"))
    page.get_by_role("button", name=re.compile(re.escape(start))).click()
    expect(page.locator(".message--success")).to_have_text(
        in_polish(lambda: gettext("You are verifying this recommendation now."))
    )
    expect(page.get_by_text("Brakuje zieleni na osiedlach (wersja 2).")).to_be_visible()
    assert_accessible(page)

    # Forgetting a justification: refused, the rest kept, the summary says where.
    form = page.locator(f"form[action$='/staff/verification/{rec.pk}/']")
    for criterion, verdict in [
        ("legality", "positive"),
        ("feasibility", "positive"),
        ("financing", "conditional"),
    ]:
        form.locator(f"input[name='{criterion}_verdict'][value='{verdict}']").check()
    form.locator("textarea[name='legality_justification']").fill(JUSTIFICATIONS["legality"])
    form.locator("textarea[name='feasibility_justification']").fill(JUSTIFICATIONS["feasibility"])
    form.get_by_role("button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("textarea[name='legality_justification']")).to_have_value(
        JUSTIFICATIONS["legality"]
    )
    expect(page.locator("input[name='financing_verdict'][value='conditional']")).to_be_checked()
    assert_accessible(page)

    page.locator("textarea[name='financing_justification']").fill(JUSTIFICATIONS["financing"])
    page.locator(f"form[action$='/staff/verification/{rec.pk}/']").get_by_role("button").click()

    # The result: verified, with the financing condition listed.
    expect(page.locator(".message--success")).to_be_visible()
    conditions = page.locator(".verification__conditions")
    expect(conditions).to_contain_text(JUSTIFICATIONS["financing"])
    expect(conditions).not_to_contain_text(JUSTIFICATIONS["legality"])
    assert_accessible(page)
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.VERIFIED
    assert CriterionVerdict.objects.filter(verification__recommendation=rec).count() == 3

    # The queue is empty now.
    page.goto("/staff/verification/")
    expect(page.locator(".empty")).to_have_text(
        in_polish(lambda: gettext("No recommendation is waiting for verification."))
    )

    # The group sees the result in its workspace, on a phone-sized screen too.
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(TIMEOUT_MS)
    member_page = context.new_page()
    record_server_errors(member_page, server_errors)
    try:
        log_in(member_page, person)
        member_page.goto(f"/groups/{group.slug}/workspace/")
        verification = member_page.locator(".verification")
        expect(verification).to_contain_text(JUSTIFICATIONS["feasibility"])
        expect(member_page.locator(".verification__conditions")).to_contain_text(
            JUSTIFICATIONS["financing"]
        )
        _fits(member_page)
        assert_accessible(member_page)
        for path in (
            f"/groups/{group.slug}/workspace/opinions/",
            f"/groups/{group.slug}/workshops/",
        ):
            member_page.goto(path)
            _fits(member_page)
            assert_accessible(member_page)
        member_page.get_by_role("link", name="Warsztat otwierający").click()
        expect(member_page.get_by_role("heading", level=1)).to_have_text("Warsztat otwierający")
        _fits(member_page)
        assert_accessible(member_page)
    finally:
        context.close()


def _fits(page: Page) -> None:
    """Nothing scrolls sideways at the page's width."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"
