"""One opinion's page: „Popieram” once per account or session (with or without htmx), and
moderated comments."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from opinions.models import Comment, Opinion, Support
from opinions.services import commenting
from tests.factories import OpinionFactory, UserFactory, moderator

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def support_url(opinion: Opinion) -> str:
    return reverse("opinions:support", kwargs={"pk": opinion.pk})


def comment_url(opinion: Opinion) -> str:
    return reverse("opinions:comment", kwargs={"pk": opinion.pk})


def count(opinion: Opinion) -> int:
    opinion.refresh_from_db(fields=["support_count"])
    return opinion.support_count


def pressed(html: str) -> str:
    match = re.search(r'<button[^>]*id="support-button"[^>]*aria-pressed="(true|false)"', html)
    assert match is not None, "no support button"
    return match.group(1)


@pytest.fixture
def opinion() -> Opinion:
    return OpinionFactory(text="Więcej koszy na śmieci w parkach.")


# --- The page -------------------------------------------------------------------------------


def test_the_page_shows_a_published_opinion_with_an_unpressed_button(
    client: Client, opinion: Opinion
) -> None:
    response = client.get(opinion.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Więcej koszy na śmieci w parkach." in html
    assert pressed(html) == "false"
    assert f'action="{support_url(opinion)}"' in html  # works without JavaScript
    assert f'hx-post="{support_url(opinion)}"' in html


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_unpublished_opinions_have_no_public_page(client: Client, status: str) -> None:
    hidden = OpinionFactory(
        status=status, rejection_reason="off-topic" if status == "rejected" else ""
    )
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.post(support_url(hidden)).status_code == 404
    assert client.post(comment_url(hidden), {"text": "Komentarz do ukrytej."}).status_code == 404
    assert not Support.objects.exists() and not Comment.objects.exists()


def test_the_opinion_text_is_escaped(client: Client) -> None:
    opinion = OpinionFactory(text='<script>alert("x")</script> i więcej ławek')
    html = client.get(opinion.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


# --- Support --------------------------------------------------------------------------------


def test_an_anonymous_visitor_supports_once_per_session_and_a_second_click_withdraws(
    client: Client, opinion: Opinion
) -> None:
    seen = client.get(opinion.get_absolute_url())
    assert "visitor" in seen.cookies  # the page gave this browser the id its support counts by
    response = client.post(support_url(opinion))

    assert response.status_code == 302
    assert response.url == f"{opinion.get_absolute_url()}#support"
    assert count(opinion) == 1
    page = client.get(opinion.get_absolute_url()).content.decode()
    assert pressed(page) == "true"

    client.post(support_url(opinion))  # the same button again: withdraws
    assert count(opinion) == 0
    assert pressed(client.get(opinion.get_absolute_url()).content.decode()) == "false"


def test_a_double_click_supports_only_once(client: Client, opinion: Opinion) -> None:
    client.get(opinion.get_absolute_url())
    # Both requests were sent from the unpressed button, so both say "support".
    client.post(support_url(opinion), {"action": "support"})
    client.post(support_url(opinion), {"action": "support"})
    assert count(opinion) == 1
    assert Support.objects.count() == 1


def test_each_session_counts_once(opinion: Opinion) -> None:
    for _ in range(3):
        browser = Client()
        browser.get(opinion.get_absolute_url())
        browser.post(support_url(opinion), {"action": "support"})
    assert count(opinion) == 3


def test_posts_without_a_session_that_saw_the_page_count_for_nothing(opinion: Opinion) -> None:
    # A loop of bare POSTs (no cookies kept), as a script buying "most supported" would send.
    for _ in range(100):
        response = Client().post(support_url(opinion), {"action": "support"})
        assert response.status_code == 302
    assert count(opinion) == 0
    assert Support.objects.count() == 0


def test_supports_are_rate_limited_per_client(opinion: Opinion, settings: Any) -> None:
    settings.SUPPORT_RATE_LIMIT = 3
    others = [OpinionFactory(text=f"Więcej ławek w parku numer {n}.") for n in range(4)]
    browser = Client()
    browser.get(opinion.get_absolute_url())
    for other in others:
        browser.post(support_url(other), {"action": "support"})
    assert sum(count(other) for other in others) == 3


def test_an_account_supports_once_whatever_the_browser(opinion: Opinion) -> None:
    user = UserFactory()
    phone, laptop = Client(), Client()
    phone.force_login(user)
    laptop.force_login(user)

    phone.post(support_url(opinion), {"action": "support"})
    laptop.post(support_url(opinion), {"action": "support"})

    assert count(opinion) == 1
    assert Support.objects.get().user == user
    assert pressed(laptop.get(opinion.get_absolute_url()).content.decode()) == "true"
    laptop.post(support_url(opinion))
    assert count(opinion) == 0


def test_htmx_gets_the_button_and_count_in_place(client: Client, opinion: Opinion) -> None:
    client.get(opinion.get_absolute_url())
    response = client.post(support_url(opinion), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the partial only
    assert pressed(html) == "true"
    assert re.search(r'id="support-count">\s*1 ', html)
    assert 'hx-swap-oob="innerHTML"' in html  # the announcement for screen readers
    assert "HX-Request" in response.headers["Vary"]

    again = client.post(support_url(opinion), **HTMX).content.decode()
    assert pressed(again) == "false"
    assert count(opinion) == 0


def test_support_must_be_posted(client: Client, opinion: Opinion) -> None:
    assert client.get(support_url(opinion)).status_code == 405
    assert count(opinion) == 0


# --- Comments -------------------------------------------------------------------------------


def comment_data(text: str, **extra: str) -> dict[str, str]:
    return {
        "text": text,
        "author_name": "",
        "website": "",
        "submission_key": str(uuid.uuid4()),
    } | extra


def test_a_comment_waits_for_moderation_then_appears(client: Client, opinion: Opinion) -> None:
    text = "Zgadzam się, szczególnie w Ogrodzie Saskim."

    response = client.post(comment_url(opinion), comment_data(text, author_name="Ania"))

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{opinion.get_absolute_url()}?comment-sent=1#comment-sent"
    thanks = client.get(response.url).content.decode()
    assert 'id="comment-sent"' in thanks
    assert thanks.index('id="comment-sent"') > thanks.index('id="comments"')
    assert 'id="comment-sent"' not in client.get(opinion.get_absolute_url()).content.decode()
    assert (comment.status, comment.author_name, comment.is_suspected_spam) == (
        "pending",
        "Ania",
        False,
    )
    page = client.get(response.url).content.decode()
    assert 'class="message message--success"' in page  # "…after moderation"
    assert text not in page

    commenting.moderate_comment(
        comment_id=comment.pk, moderator=moderator(), expected_version=1, publish=True
    )
    page = client.get(opinion.get_absolute_url()).content.decode()
    assert text in page
    assert "Ania" in page


def test_a_comment_with_errors_keeps_the_text(client: Client, opinion: Opinion) -> None:
    response = client.post(comment_url(opinion), comment_data("Za krótki", author_name="Ania"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Za krótki</textarea>" in html
    assert 'value="Ania"' in html
    assert 'href="#id_text"' in html
    assert re.search(r'<textarea[^>]*aria-invalid="true"', html)
    assert not Comment.objects.exists()


def test_a_resent_comment_is_saved_once(client: Client, opinion: Opinion) -> None:
    data = comment_data("Ten sam komentarz wysłany dwa razy.")
    client.post(comment_url(opinion), data)
    client.post(comment_url(opinion), data)
    assert Comment.objects.count() == 1


def test_a_comment_caught_by_the_honeypot_goes_to_moderation_flagged(
    client: Client, opinion: Opinion
) -> None:
    client.post(comment_url(opinion), comment_data("Kup tanie leki online!!!", website="x.example"))
    comment = Comment.objects.get()
    assert comment.is_suspected_spam
    assert comment.status == "pending"


def test_the_comment_of_a_signed_in_resident_has_an_author(opinion: Opinion) -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.post(comment_url(opinion), comment_data("Komentarz osoby zalogowanej."))
    assert Comment.objects.get().author == user


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("comments", [3, 15])
def test_detail_query_count_is_fixed(
    client: Client, opinion: Opinion, django_assert_num_queries: Any, comments: int
) -> None:
    for number in range(comments):
        Comment.objects.create(
            opinion=opinion, text=f"Komentarz numer {number}.", status="published"
        )
    Comment.objects.create(opinion=opinion, text="Komentarz czekający.", status="pending")
    client.get(opinion.get_absolute_url())  # this visitor has its supporter cookie now
    client.post(support_url(opinion), {"action": "support"})

    # The opinion with its consultation, area, district and event joined; whether this
    # visitor supports it; its published comments. (The visitor is a signed cookie, not a
    # session: no session query.) What became of it: the published reports it is in, the
    # recommendations citing it (workgroups' panel).
    with django_assert_num_queries(5):
        response = client.get(opinion.get_absolute_url())

    html = response.content.decode()
    assert html.count("Komentarz numer") == comments
    assert "Komentarz czekający." not in html
    assert pressed(html) == "true"


def test_a_first_time_visitor_costs_four_queries(
    client: Client, opinion: Opinion, django_assert_num_queries: Any
) -> None:
    # No session yet, so nothing to look up for it: the opinion and its comments, and what
    # became of it (the published reports it is in, the recommendations that cite it).
    with django_assert_num_queries(4):
        client.get(opinion.get_absolute_url())
