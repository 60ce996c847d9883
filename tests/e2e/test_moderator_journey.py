"""A moderator's journey: the queue oldest first, keyboard shortcuts, publishing, rejecting
and correcting in place (htmx), the staff page with its log, a colleague's conflicting
decision, and the same actions as plain forms with JavaScript off."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from opinions.models import ModerationLog, Opinion, RejectionReason
from opinions.services import moderation, submission
from opinions.views.moderation import already_handled_message
from stages.models import Consultation, District, ThematicArea
from tests.e2e.conftest import (
    TIMEOUT_MS,
    assert_accessible,
    assert_accessible_without_js,
    in_polish,
    log_in,
    record_server_errors,
)
from tests.factories import moderator

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page
    from pytest_django.live_server_helper import LiveServer

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE_PATH = "/staff/moderation/"
CONSULTATION_SLUG = "jaki-ma-byc-lublin-w-2030"
TEXTS = [
    "Najstarsza: więcej połączeń autobusowych z Felinem wieczorami i w weekendy.",
    "Środkowa: darmowe zajęcia sportowe dla seniorów w każdej dzielnicy.",
    "Najnowsza: nowe nasadzenia drzew wzdłuż alei Kraśnickiej i przy szkołach.",
]
CONTESTED_TEXT = "Sporna: więcej koncertów plenerowych na Starym Mieście latem."
LATE_TEXT = "Jeszcze jedna: oświetlenie ścieżek rowerowych nad Zalewem Zemborzyckim."
REJECT_NOTE = "Prosimy o opinię o przyszłości miasta, nie o sprawach prywatnych."


@pytest.fixture
def waiting(lublin_process: None) -> list[Opinion]:
    """Three opinions waiting for moderation, received an hour apart, oldest first.

    They are saved in another order (newest, oldest, middle), so that the queue's order
    cannot come from their numbers.
    """
    consultation = Consultation.objects.get(slug=CONSULTATION_SLUG)
    area = ThematicArea.objects.get(slug="edukacja")
    start = timezone.now() - dt.timedelta(hours=3)
    received: dict[int, Opinion] = {}
    for hour in (2, 0, 1):
        opinion, created = submission.submit_opinion(
            consultation=consultation,
            text=TEXTS[hour],
            area=area if hour == 2 else None,
            now=start + dt.timedelta(hours=hour),
        )
        assert created
        received[hour] = opinion
    return [received[hour] for hour in range(3)]


def row_of(page: Page, opinion: Opinion) -> Locator:
    return page.locator(f"#opinion-{opinion.pk}")


def expect_row_status(row: Locator, status: str) -> None:
    expect(row.locator("th .badge")).to_have_class(re.compile(rf"\bbadge--{status}\b"))


def test_moderator_works_through_the_queue(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    server_errors: list[str],
    verified_moderator: User,
    waiting: list[Opinion],
) -> None:
    oldest, middle, newest = waiting
    green = ThematicArea.objects.get(slug="miasto-zielone")
    log_in(page, verified_moderator)

    # The queue, from the menu: waiting opinions, oldest first.
    # (The moderator landed on the queue, which "Mój panel" links too: the menu's own link.)
    page.locator(f"nav.site-nav li:not(.site-nav__mine) a[href='{QUEUE_PATH}']").click()
    expect(page).to_have_url(re.compile(rf"{QUEUE_PATH}$"))
    rows = page.locator("#queue-results tbody tr[data-row]")
    expect(rows).to_have_count(3)
    assert [row.get_attribute("id") for row in rows.all()] == [
        f"opinion-{opinion.pk}" for opinion in waiting
    ]
    for opinion in waiting:
        expect(row_of(page, opinion).locator(".opinion-text")).to_have_text(opinion.text)
        expect_row_status(row_of(page, opinion), "pending")
    assert_accessible(page)

    # j moves to the first row, p publishes it: the row is replaced in place.
    page.evaluate("() => { window.sameDocument = true; }")
    page.keyboard.press("j")
    expect(row_of(page, oldest)).to_be_focused()
    expect(page.locator("#moderation-announcer")).to_contain_text(f"#{oldest.pk}")
    with page.expect_response(
        lambda r: r.url.endswith(f"/staff/moderation/{oldest.pk}/publish/")
    ) as published:
        page.keyboard.press("p")
    assert published.value.status == 200
    assert published.value.request.headers.get("hx-request") == "true"
    expect_row_status(row_of(page, oldest), "published")
    expect(row_of(page, oldest).locator("[data-row-message]")).to_have_text(
        in_polish(lambda: gettext("Opinion #%(number)s published.") % {"number": oldest.pk})
    )
    expect(row_of(page, oldest).locator("[data-action='publish']")).to_have_count(0)
    expect(row_of(page, oldest)).to_be_focused()
    assert page.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    expect(rows).to_have_count(3)
    oldest.refresh_from_db()
    assert oldest.status == Opinion.Status.PUBLISHED
    assert oldest.moderated_by == verified_moderator
    assert_accessible(page)

    # j to the next one, r opens its reject form; a reason and a note to the author.
    page.keyboard.press("j")
    expect(row_of(page, middle)).to_be_focused()
    page.keyboard.press("r")
    reject = row_of(page, middle).locator("details[data-action='reject']")
    expect(reject).to_have_attribute("open", "")
    reason = reject.locator("select[name='reason']")
    expect(reason).to_be_focused()
    assert_accessible(page)
    reason.select_option(RejectionReason.OFF_TOPIC.value)
    reject.locator("textarea[name='note']").fill(REJECT_NOTE)
    reject.locator("button[type='submit']").click()
    expect_row_status(row_of(page, middle), "rejected")
    expect(row_of(page, middle).locator("td").nth(1)).to_contain_text(REJECT_NOTE)
    expect(row_of(page, middle).locator("td").nth(1)).to_contain_text(
        in_polish(lambda: RejectionReason.OFF_TOPIC.label)
    )
    middle.refresh_from_db()
    assert (middle.status, middle.rejection_reason, middle.rejection_note) == (
        Opinion.Status.REJECTED,
        RejectionReason.OFF_TOPIC,
        REJECT_NOTE,
    )
    assert page.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    assert_accessible(page)

    # The newest one keeps waiting, but in another area.
    correct = row_of(page, newest).locator("details[data-action='correct']")
    correct.locator("summary").click()
    expect(correct.locator("select[name='area']")).to_have_value(str(newest.area_id))
    correct.locator("select[name='area']").select_option(str(green.pk))
    correct.locator("button[type='submit']").click()
    expect(row_of(page, newest).locator("[data-row-message]")).to_have_text(
        in_polish(lambda: gettext("Opinion #%(number)s corrected.") % {"number": newest.pk})
    )
    expect(row_of(page, newest).locator("ul.moderation-facts")).to_contain_text(green.name)
    expect_row_status(row_of(page, newest), "pending")
    newest.refresh_from_db()
    assert (newest.area, newest.status, newest.version) == (green, Opinion.Status.PENDING, 2)
    assert page.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    assert_accessible(page)

    # Its staff page shows the log: who changed the area, from what to what.
    row_of(page, newest).locator(f"th a[href='/staff/opinions/{newest.pk}/']").click()
    expect(page).to_have_url(re.compile(rf"/staff/opinions/{newest.pk}/$"))
    log = page.locator("section[aria-labelledby='log-title'] tbody tr")
    expect(log).to_have_count(1)
    expect(log.first).to_contain_text(str(verified_moderator))
    expect(log.first).to_contain_text(in_polish(lambda: gettext("corrected the details")))
    expect(log.first.locator(".log-changes li")).to_have_count(1)
    expect(log.first.locator(".log-changes li")).to_contain_text(
        f"{ThematicArea.objects.get(slug='edukacja').name} → {green.name}"
    )
    assert_accessible(page)

    # A colleague publishes it meanwhile; rejecting it from this page overwrites nothing.
    colleague = moderator()
    moderation.publish_opinion(
        opinion_id=newest.pk, moderator=colleague, expected_version=newest.version
    )
    actions = page.locator("section[aria-labelledby='actions-title']")
    stale_reject = actions.locator("details[data-action='reject']")
    stale_reject.locator("summary").click()
    stale_reject.locator("select[name='reason']").select_option(RejectionReason.ADVERTISING.value)
    stale_reject.locator("textarea[name='note']").fill("To nie powinno się zapisać.")
    stale_reject.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(rf"/staff/opinions/{newest.pk}/$"))
    newest.refresh_from_db()
    expect(page.locator("main .messages .message--warning")).to_have_text(
        in_polish(lambda: already_handled_message(newest))
    )
    assert newest.status == Opinion.Status.PUBLISHED
    assert newest.moderated_by == colleague
    assert (newest.rejection_reason, newest.rejection_note) == ("", "")
    assert list(ModerationLog.objects.filter(opinion=newest).values_list("action", flat=True)) == [
        "publish",
        "correct",
    ]
    expect(page.locator("main > .wrap > p.meta .badge")).to_have_class(
        re.compile(r"\bbadge--published\b")
    )
    expect(log).to_have_count(2)
    expect(log.first).to_contain_text(str(colleague))
    assert_accessible(page)

    # The same in the queue, where the row comes back (409) as the colleague left it.
    contested, _created = submission.submit_opinion(
        consultation=newest.consultation, text=CONTESTED_TEXT
    )
    late, _created = submission.submit_opinion(
        consultation=newest.consultation,
        text=LATE_TEXT,
        district=District.objects.get(slug="zemborzyce"),
    )
    page.locator(f"main nav.breadcrumbs a[href='{QUEUE_PATH}']").click()
    expect(page).to_have_url(re.compile(rf"{QUEUE_PATH}$"))
    expect(rows).to_have_count(2)
    assert_accessible(page)
    moderation.publish_opinion(
        opinion_id=contested.pk, moderator=colleague, expected_version=contested.version
    )
    reject = row_of(page, contested).locator("details[data-action='reject']")
    reject.locator("summary").click()
    reject.locator("select[name='reason']").select_option(RejectionReason.OFFENSIVE.value)
    with page.expect_response(
        lambda r: r.url.endswith(f"/staff/moderation/{contested.pk}/reject/")
    ) as refused:
        reject.locator("button[type='submit']").click()
    assert refused.value.status == 409
    contested.refresh_from_db()
    expect(row_of(page, contested).locator(".message--warning[data-row-message]")).to_have_text(
        in_polish(lambda: already_handled_message(contested))
    )
    expect_row_status(row_of(page, contested), "published")
    expect(row_of(page, contested).locator("[data-action='publish']")).to_have_count(0)
    assert (contested.status, contested.moderated_by, contested.rejection_reason) == (
        Opinion.Status.PUBLISHED,
        colleague,
        "",
    )
    assert_accessible(page)

    # Without JavaScript, the same publish button is a plain form: post, then redirect.
    with static_page(browser, page.context, live_server, server_errors) as no_js:
        no_js.goto(QUEUE_PATH)
        expect(no_js.locator("#queue-results tbody tr[data-row]")).to_have_count(1)
        late_row = row_of(no_js, late)
        expect(late_row.locator(".opinion-text")).to_have_text(LATE_TEXT)
        # The shortcut switch is shown by the script only.
        expect(no_js.locator("[data-shortcut-switch]")).to_be_hidden()
        assert_accessible_without_js(no_js)

        with no_js.expect_navigation(url=re.compile(rf"{QUEUE_PATH}$")) as navigation:
            late_row.locator("form[action$='/publish/'] button[type='submit']").click()
        response = navigation.value
        assert response is not None and response.status == 200
        assert response.request.redirected_from is not None
        assert response.request.redirected_from.method == "POST"
        assert response.request.redirected_from.headers.get("hx-request") is None
        expect(no_js.locator("main .messages .message--success")).to_have_text(
            in_polish(lambda: gettext("Opinion #%(number)s published.") % {"number": late.pk})
        )
        # Published opinions leave the default queue: nothing waits any more.
        expect(no_js.locator("#queue-results tbody tr[data-row]")).to_have_count(0)
        expect(no_js.locator("#queue-results .empty")).to_be_visible()
        assert_accessible_without_js(no_js)
    late.refresh_from_db()
    assert late.status == Opinion.Status.PUBLISHED
    assert late.moderated_by == verified_moderator


@contextmanager
def static_page(
    browser: Browser, signed_in: BrowserContext, live_server: LiveServer, server_errors: list[str]
) -> Iterator[Page]:
    """A page of a new context with JavaScript off, signed in as `signed_in` is."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        java_script_enabled=False,
        storage_state=signed_in.storage_state(),
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        record_server_errors(page, server_errors)
        yield page
    finally:
        context.close()
