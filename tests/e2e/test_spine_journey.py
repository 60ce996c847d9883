"""The spine in a browser: one opinion from the answer form to a goal of the strategy.

A resident answers the open question and leaves an e-mail address; the worker sends the
tracking link. A moderator publishes the opinion in the queue. A thematic report is built
(the real builder) and published; a working group's recommendation cites the opinion, is
verified and published, and adopted into a goal of the strategy, whose list of opinions
holds it. After each step the resident's tracking page shows it and the daily digest tells
it by e-mail, once; the public page of the opinion shows where it went. axe checks every
page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from playwright.sync_api import expect

from opinions.models import Opinion
from opinions.reports.building import build_report, create_report_versions, publish_report
from stages.models import ThematicArea
from tests.e2e.conftest import assert_accessible, celery_worker, log_in, wait_until
from tests.factories import editor
from tests.stages.strategy.factories import GoalFactory
from tests.workgroups.factories import WorkingGroupFactory, leader, member
from tests.workgroups.test_recommendation_helpers import decide, text
from workgroups.services.adoption import decide_adoption, link_recommendation
from workgroups.services.recommendations import (
    Cited,
    create_recommendation,
    publish_recommendation,
    submit_recommendation,
)
from workgroups.trace_mail import send_trace_digests

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWER_PATH = "/consultations/jaki-ma-byc-lublin-w-2030/answer/"
OPINION = "Więcej drzew i cienia na przystankach w Śródmieściu, bo latem nie da się czekać."
EMAIL = "mieszkanka@example.org"


def the_tracking_page_shows(page: Page, url: str, text: str) -> None:
    page.goto(url)
    expect(page.locator("main")).to_contain_text(text)
    assert_accessible(page)


def test_an_opinion_followed_from_the_form_to_a_recommendation(
    page: Page, verified_moderator: User, empty_task_queue: None
) -> None:
    area = ThematicArea.objects.get(slug="miasto-zielone")

    # The resident answers and leaves an address; the worker e-mails the tracking link.
    page.goto(ANSWER_PATH)
    form = page.locator(f"main form[action='{ANSWER_PATH}']")
    form.locator("textarea[name='text']").fill(OPINION)
    form.locator("select[name='area']").select_option(str(area.pk))
    form.locator("input[name='email']").fill(EMAIL)
    with celery_worker():
        form.locator("button[type='submit']").click()
        expect(page).to_have_url(re.compile(r"/opinions/track/[\w-]+/$"))
        wait_until(lambda: len(mail.outbox) >= 1, what="the tracking link e-mail")
    tracking_url = page.url
    opinion = Opinion.objects.get(text=OPINION)
    assert mail.outbox[0].to == [EMAIL]
    assert opinion.get_tracking_url() in mail.outbox[0].body
    assert_accessible(page)

    # A moderator publishes it from the queue.
    page.context.clear_cookies()
    log_in(page, verified_moderator)
    page.goto("/staff/moderation/")
    page.locator(f"#opinion-{opinion.pk} button[data-action='publish']").click()
    expect(page.locator(f"#opinion-{opinion.pk} .badge--published")).to_be_visible()
    page.context.clear_cookies()
    the_tracking_page_shows(page, tracking_url, "Opublikowana po moderacji")
    assert send_trace_digests() == 1
    assert "Opublikowana po moderacji" in mail.outbox[-1].body

    # A thematic report of its area is built and published.
    (report,) = create_report_versions(areas=[area])
    build_report(report_id=report.pk)
    publish_report(report=report, editor=editor())
    the_tracking_page_shows(page, tracking_url, "Uwzględniona w 1 raporcie tematycznym")
    # Within the day: the digest waits.
    assert send_trace_digests() == 0

    # The group's recommendation cites it, is verified and published.
    group = WorkingGroupFactory(area=area)
    chair, author = leader(group), member(group)
    recommendation = create_recommendation(
        group=group,
        author=author,
        text=text(title="Cień na przystankach", opinions=[Cited(opinion.pk, "Głos o upałach")]),
    )
    submit_recommendation(recommendation_id=recommendation.pk, actor=chair)
    decide(recommendation, "verified")
    publish_recommendation(recommendation_id=recommendation.pk, actor=editor())
    the_tracking_page_shows(page, tracking_url, "Cień na przystankach")
    expect(page.locator("main")).to_contain_text("zweryfikowana przez urząd")

    # The next day's digest tells both the report and the recommendation, once.
    Opinion.objects.filter(pk=opinion.pk).update(trace_mailed_at=None)
    assert send_trace_digests() == 1
    digest = mail.outbox[-1].body
    assert "raporcie tematycznym" in digest and "Cień na przystankach" in digest
    assert "Opublikowana po moderacji" not in digest

    # The council adopts the strategy: the recommendation became one of its goals.
    goal = GoalFactory(code="B.1", title="Zielone i chłodne przystanki")
    link_recommendation(
        recommendation_id=recommendation.pk, actor=editor(), how="changed", goal=goal
    )
    decide_adoption(recommendation_id=recommendation.pk, actor=editor(), adopted=True)
    the_tracking_page_shows(page, tracking_url, "Cel B.1: Zielone i chłodne przystanki")
    page.get_by_role("link", name="cel, jego wskaźniki i zadania").click()
    expect(page.locator("h1")).to_contain_text("Zielone i chłodne przystanki")
    assert_accessible(page)
    # From the goal, the walk back to the opinions behind it lists this one.
    page.get_by_role("link", name="Opinia, z której wyrósł ten cel (1)").click()
    expect(page.locator("h1")).to_contain_text("Opinie mieszkańców, z których wyrósł cel B.1")
    expect(page.locator(f"main a[href='{opinion.get_absolute_url()}']").first).to_be_visible()
    expect(page.locator("#by-area-title + ul")).to_contain_text(f"{area.name}: 1 opinia")
    assert_accessible(page)
    Opinion.objects.filter(pk=opinion.pk).update(trace_mailed_at=None)
    assert send_trace_digests() == 1
    assert "Cel B.1" in mail.outbox[-1].body

    # Anyone sees on the opinion's public page where it went (and not its private steps).
    page.goto(opinion.get_absolute_url())
    expect(page.locator("#public-trace-title")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Cień na przystankach")
    assert_accessible(page)
