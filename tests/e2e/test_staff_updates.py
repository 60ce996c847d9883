"""An editor's journey: log in, write a stage update, preview, schedule, publish."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stages.models import Stage, StageUpdate
from tests.e2e.conftest import assert_accessible, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAGE_II_SLUG = "rozmawiamy-o-przyszlosci"
TITLE = "Spotkanie otwarte w dzielnicy Czechów Północny"
BODY = (
    "Zapraszamy na **spotkanie otwarte** o przyszłości dzielnicy.\n"
    "\n"
    "- gdzie: Dom Kultury\n"
    "- kiedy: w sobotę o 11:00\n"
)


def latest_updates(page: Page) -> Page:
    page.goto("/")
    expect(page.locator("h1#question")).to_be_visible()
    assert_accessible(page)
    return page


def test_editor_writes_schedules_and_publishes_an_update(page: Page, verified_editor: User) -> None:
    stage = Stage.objects.get(slug=STAGE_II_SLUG)
    log_in(page, verified_editor)

    # The staff menu appears for editors only.
    page.locator("nav.site-nav a[href='/staff/updates/']").click()
    expect(page).to_have_url(re.compile(r"/staff/updates/$"))
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)

    page.locator("main a[href='/staff/updates/new/']").click()
    expect(page).to_have_url(re.compile(r"/staff/updates/new/$"))
    assert_accessible(page)

    form = page.locator("main form.narrow")
    form.locator("select[name='stage']").select_option(str(stage.pk))
    form.locator("input[name='title']").fill(TITLE)
    form.locator("textarea[name='body']").fill(BODY)
    form.locator("button[type='submit']").click()

    # Saved as a draft: the preview renders the Markdown, and only staff can see it.
    expect(page).to_have_url(re.compile(r"/staff/updates/\d+/$"))
    update = StageUpdate.objects.get(title=TITLE)
    assert update.status == StageUpdate.Status.DRAFT
    assert update.stage == stage
    assert update.author == verified_editor
    preview = page.locator("article.preview")
    expect(preview.locator("h2")).to_have_text(TITLE)
    expect(preview.locator("strong")).to_have_text("spotkanie otwarte")
    expect(preview.locator("ul > li")).to_have_text(
        ["gdzie: Dom Kultury", "kiedy: w sobotę o 11:00"]
    )
    expect(preview).to_contain_text(stage.title)
    expect(page.locator("#state-title .badge--draft")).to_be_visible()
    expect(page.locator("main .messages")).to_be_visible()
    assert_accessible(page)

    # Schedule it two days ahead (Warsaw time, as the label says).
    when = timezone.localtime() + dt.timedelta(days=2)
    schedule = page.locator(f"main form[action='/staff/updates/{update.pk}/schedule/']")
    schedule.locator("input[type='datetime-local'][name='publish_at']").fill(
        when.strftime("%Y-%m-%dT%H:%M")
    )
    schedule.locator("button[type='submit']").click()
    expect(page.locator("#state-title .badge--scheduled")).to_be_visible()
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.SCHEDULED
    assert update.publish_at is not None
    assert abs(update.publish_at - when.replace(second=0, microsecond=0)) < dt.timedelta(seconds=1)
    assert_accessible(page)

    # Not on the public pages before its time.
    home = latest_updates(page)
    expect(home.locator("#aktualnosci")).not_to_contain_text(TITLE)
    response = page.goto(f"/updates/{update.pk}/")
    assert response is not None and response.status == 404
    assert_accessible(page)
    page.goto(stage.get_absolute_url())
    expect(page.locator("section[aria-labelledby='stage-updates-title']")).not_to_contain_text(
        TITLE
    )
    assert_accessible(page)

    # Publish it now instead.
    page.goto(f"/staff/updates/{update.pk}/")
    expect(page.locator("#state-title .badge--scheduled")).to_be_visible()
    page.locator(f"main form[action='/staff/updates/{update.pk}/publish/'] button").click()
    expect(page.locator("#state-title .badge--published")).to_be_visible()
    expect(page.locator(f"main a[href='/updates/{update.pk}/']")).to_be_visible()
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.PUBLISHED
    assert update.publish_at is not None and update.publish_at <= timezone.now()
    assert_accessible(page)

    # First among the latest updates on the home page, marked with its stage.
    home = latest_updates(page)
    first = home.locator("#aktualnosci .update-list > li").first
    expect(first.get_by_role("link")).to_have_text(TITLE)
    expect(first.locator(".meta")).to_contain_text(stage.roman)

    first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/updates/{update.pk}/$"))
    expect(page.locator("main h1")).to_have_text(TITLE)
    expect(page.locator("main article strong")).to_have_text("spotkanie otwarte")
    assert_accessible(page)

    # And on its stage's page.
    page.goto(stage.get_absolute_url())
    stage_updates = page.locator("section[aria-labelledby='stage-updates-title']")
    expect(stage_updates.get_by_role("link", name=TITLE)).to_have_attribute(
        "href", f"/updates/{update.pk}/"
    )
    assert_accessible(page)
