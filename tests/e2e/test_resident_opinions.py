"""A resident's journey with opinions: answer the question, follow the opinion on its private
page, find it among the published ones, support it and comment on it; every page state is
checked with axe-core (after htmx swaps too)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from opinions.analysis.runs import analyse_opinions
from opinions.models import TEXT_MIN_LENGTH, AgeBand, Comment, Opinion
from opinions.services import moderation
from stages.models import Consultation, District, ThematicArea
from tests.e2e.conftest import assert_accessible, in_polish
from tests.factories import moderator

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUESTION = "Jaki ma być Lublin w 2030 roku?"
CONSULTATION_SLUG = "jaki-ma-byc-lublin-w-2030"
ANSWER_PATH = f"/consultations/{CONSULTATION_SLUG}/answer/"
TOO_SHORT = "Za krótko"  # 9 characters, one less than the minimum
OPINION_TEXT = (
    "Chciałabym, żeby w Lublinie rosło więcej drzew, a w dzielnicach powstały zielone skwery "
    "z ławkami, na których starsi sąsiedzi mogą odpocząć w cieniu."
)
# Another form of a word of the text: „drzewo” must find „drzew”.
SEARCH = "drzewo"
MARKED_WORD = "drzew"
COMMENT_TEXT = "Popieram, szczególnie ławki w cieniu przy przystankach na Czechowie."


def test_resident_gives_an_opinion_and_follows_it(page: Page, lublin_process: None) -> None:
    consultation = Consultation.objects.get(slug=CONSULTATION_SLUG)
    area = ThematicArea.objects.get(slug="miasto-zielone")
    district = District.objects.get(slug="czechow-polnocny")

    # The menu leads from the home page to the open question.
    page.goto("/")
    expect(page.locator("h1#question")).to_have_text(QUESTION)
    assert_accessible(page)
    page.locator("nav.site-nav a[href='/answer/']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(ANSWER_PATH)}$"))
    expect(page.locator("main h1")).to_have_text(QUESTION)
    form = page.locator(f"main form[action='{ANSWER_PATH}']")
    expect(form).to_be_visible()
    assert_accessible(page)

    # Too short: the error summary takes the focus, the text stays, a link leads to it.
    form.locator("textarea[name='text']").fill(TOO_SHORT)
    form.locator("button[type='submit']").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    assert Opinion.objects.count() == 0
    text_field = form.locator("textarea[name='text']")
    expect(text_field).to_have_value(TOO_SHORT)
    expect(text_field).to_have_attribute("aria-invalid", "true")
    field_id = text_field.get_attribute("id")
    assert field_id
    link = summary.locator(f"a[href='#{field_id}']")
    expect(link).to_have_count(1)
    expect(link).to_contain_text(
        in_polish(lambda: gettext("Write at least %(min)d characters.") % {"min": TEXT_MIN_LENGTH})
    )
    link.focus()
    expect(link).to_be_focused()
    link.press("Enter")
    expect(text_field).to_be_focused()
    assert_accessible(page)

    # A valid opinion, with its area, district and the author's age band.
    text_field.fill(OPINION_TEXT)
    form.locator("select[name='area']").select_option(str(area.pk))
    form.locator("select[name='district']").select_option(str(district.pk))
    form.locator("select[name='age_band']").select_option(AgeBand.AGE_60_74.value)
    form.locator("button[type='submit']").click()

    # The private tracking page: waiting for moderation.
    expect(page).to_have_url(re.compile(r"/opinions/track/[\w-]+/$"))
    opinion = Opinion.objects.get()
    assert opinion.get_tracking_url() in page.url
    assert opinion.text == OPINION_TEXT
    assert (opinion.consultation, opinion.area, opinion.district) == (consultation, area, district)
    assert opinion.age_band == AgeBand.AGE_60_74
    assert opinion.status == Opinion.Status.PENDING
    expect(page.locator("main .messages .message--success")).to_be_visible()
    status = page.locator("#status-title .badge")
    expect(status).to_have_class(re.compile(r"\bbadge--pending\b"))
    expect(status).to_have_text(in_polish(lambda: Opinion.Status.PENDING.label))
    expect(page.locator("main blockquote.opinion-text")).to_have_text(OPINION_TEXT)
    expect(page.locator(f"main a[href='{opinion.get_absolute_url()}']")).to_have_count(0)
    assert_accessible(page)
    tracking_url = page.url

    # A moderator publishes it; the tracking page says so and links to the public page.
    moderation.publish_opinion(
        opinion_id=opinion.pk, moderator=moderator(), expected_version=opinion.version
    )
    page.reload()
    expect(status).to_have_class(re.compile(r"\bbadge--published\b"))
    expect(status).to_have_text(in_polish(lambda: Opinion.Status.PUBLISHED.label))
    public_link = page.locator(f"main a[href='{opinion.get_absolute_url()}']")
    expect(public_link).to_be_visible()
    assert_accessible(page)

    # Searching with another form of one of its words finds it, the word marked.
    analyse_opinions([opinion.pk])
    opinion.refresh_from_db()
    assert MARKED_WORD in opinion.text and SEARCH not in opinion.text.lower()
    assert SEARCH in opinion.lemmas.split()
    page.locator("nav.site-nav a[href='/opinions/']").click()
    expect(page).to_have_url(re.compile(r"/opinions/$"))
    assert_accessible(page)
    search = page.locator("main form[role='search']")
    search.locator("input[name='q']").fill(SEARCH)
    search.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(rf"/opinions/\?(.*&)?q={SEARCH}(&|$)"))
    results = page.locator("main ol.opinion-list > li")
    expect(results).to_have_count(1)
    expect(results.locator("mark")).to_have_text([MARKED_WORD])
    expect(page.locator("main #results-title")).to_contain_text(SEARCH)
    assert_accessible(page)

    # Its public page: „Popieram” once (count 1, pressed), then once more to withdraw.
    results.locator(f"h3 a[href='{opinion.get_absolute_url()}']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(opinion.get_absolute_url())}$"))
    expect(page.locator("main blockquote.opinion-text")).to_have_text(OPINION_TEXT)
    expect(page.locator("main dl.facts")).to_contain_text(area.name)
    expect(page.locator("main dl.facts")).to_contain_text(district.name)
    button = page.locator("#support-button")
    count = page.locator("#support-count")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(count).to_contain_text("0")
    assert_accessible(page)

    with page.expect_response(lambda r: r.url.endswith(f"/opinions/{opinion.pk}/support/")) as r:
        button.click()
    assert r.value.status == 200 and r.value.request.headers.get("hx-request") == "true"
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_contain_text("1")
    expect(page.locator("#support-announce")).not_to_be_empty()
    opinion.refresh_from_db()
    assert opinion.support_count == 1
    assert_accessible(page)

    # Again from the keyboard: the focus stays on the button htmx put in its place.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(count).to_contain_text("0")
    expect(button).to_be_focused()
    opinion.refresh_from_db()
    assert opinion.support_count == 0
    assert_accessible(page)

    # A comment: received, and shown only after moderation.
    comment_form = page.locator(f"main form[action='/opinions/{opinion.pk}/comments/']")
    comment_form.locator("textarea[name='text']").fill(COMMENT_TEXT)
    comment_form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(rf"/opinions/{opinion.pk}/\?comment-sent=1#comment-sent$"))
    # The thanks stand where the page lands, in view, in the comments.
    thanks = page.locator("#comments #comment-sent")
    expect(thanks).to_be_in_viewport()
    expect(thanks).to_have_text(
        in_polish(
            lambda: gettext(
                "Thank you. Your comment will appear here after a moderator has read it."
            )
        )
    )
    comment = Comment.objects.get()
    assert (comment.opinion, comment.text, comment.status) == (
        opinion,
        COMMENT_TEXT,
        Opinion.Status.PENDING,
    )
    expect(page.locator("#comments ol.comment-list")).to_have_count(0)
    expect(page.locator("#comments")).not_to_contain_text(COMMENT_TEXT)
    assert_accessible(page)

    # The private page still answers at its address.
    page.goto(tracking_url)
    expect(status).to_have_class(re.compile(r"\bbadge--published\b"))


@pytest.mark.parametrize("state", ["empty", "with-errors"])
def test_answer_form_fits_a_narrow_phone_screen(
    page: Page, lublin_process: None, state: str
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    response = page.goto("/answer/")
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(rf"{re.escape(ANSWER_PATH)}$"))
    form = page.locator(f"main form[action='{ANSWER_PATH}']")
    if state == "with-errors":
        form.locator("textarea[name='text']").fill(TOO_SHORT)
        form.locator("button[type='submit']").click()
        expect(page.locator(".error-summary")).to_be_focused()
    # The privacy notice open: its long lines must wrap too.
    page.locator("main details.notice summary").click()
    expect(page.locator("main details.notice")).to_have_attribute("open", "")

    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["inner"] == 375
    assert widths["scroll"] <= widths["inner"], (
        f"the answer form ({state}) scrolls sideways at 375 px: content is "
        f"{widths['scroll']} px wide"
    )
    assert_accessible(page)
