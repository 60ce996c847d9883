"""The author's private page: what they wrote, its status in words, and what became of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from opinions.models import Opinion, RejectionReason
from opinions.services import moderation, submission
from tests.factories import ConsultationFactory, OpinionFactory, moderator

pytestmark = pytest.mark.django_db


def pending_opinion(
    text: str = "Tramwaje na Czechów i Felin, żeby dojechać bez korków.",
) -> Opinion:
    opinion, _created = submission.submit_opinion(consultation=ConsultationFactory(), text=text)
    return opinion


def test_a_pending_opinion_says_it_waits_for_moderation(client: Client) -> None:
    opinion = pending_opinion()

    response = client.get(opinion.get_tracking_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tramwaje na Czechów i Felin" in html
    assert 'class="badge badge--pending"' in html
    assert escape(str(Opinion.Status.PENDING.label)) in html
    assert opinion.get_absolute_url() not in html  # no public page yet
    # The section on the opinion's later life, empty for now.
    assert 'id="outcome-title"' in html
    assert 'class="empty"' in html


def test_the_page_is_private_to_whoever_has_the_link(client: Client) -> None:
    response = client.get(pending_opinion().get_tracking_url())

    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_a_published_opinion_links_to_its_public_page(client: Client) -> None:
    opinion = pending_opinion()
    moderation.publish_opinion(
        opinion_id=opinion.pk, moderator=moderator(), expected_version=opinion.version
    )

    html = client.get(opinion.get_tracking_url()).content.decode()

    assert 'class="badge badge--published"' in html
    assert f'href="{opinion.get_absolute_url()}"' in html


def test_a_rejected_opinion_shows_the_reason_and_the_note_escaped(client: Client) -> None:
    opinion = pending_opinion()
    moderation.reject_opinion(
        opinion_id=opinion.pk,
        moderator=moderator(),
        expected_version=opinion.version,
        reason=RejectionReason.PERSONAL_DATA,
        note="Usunęliśmy nazwisko <b>sąsiada</b>; proszę napisać bez niego.",
    )

    html = client.get(opinion.get_tracking_url()).content.decode()

    assert 'class="badge badge--rejected"' in html
    assert escape(str(RejectionReason.PERSONAL_DATA.label)) in html
    assert "Usunęliśmy nazwisko &lt;b&gt;sąsiada&lt;/b&gt;" in html
    assert "<b>sąsiada</b>" not in html
    # Not published, so no working group reads it: the page says where to write again.
    assert 'id="outcome-title"' not in html
    assert "Tematyczne Grupy Robocze" not in html
    assert f'href="{reverse("opinions:answer", args=[opinion.consultation.slug])}"' in html


def test_a_duplicate_links_to_the_published_original(client: Client) -> None:
    original = OpinionFactory()
    opinion = pending_opinion()
    moderation.mark_duplicate(
        opinion_id=opinion.pk,
        moderator=moderator(),
        expected_version=opinion.version,
        duplicate_of=original,
    )

    html = client.get(opinion.get_tracking_url()).content.decode()

    assert escape(str(RejectionReason.DUPLICATE.label)) in html
    assert f'href="{original.get_absolute_url()}"' in html
    assert 'id="outcome-title"' not in html
    assert f'href="{reverse("opinions:answer", args=[opinion.consultation.slug])}"' in html


def test_an_unknown_token_is_404(client: Client) -> None:
    pending_opinion()
    url = reverse("opinions:track", kwargs={"token": "not-a-real-token"})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("others", [3, 15])
def test_tracking_page_query_count_is_fixed(
    client: Client, django_assert_num_queries: Any, others: int
) -> None:
    opinion = pending_opinion()
    for _ in range(others):
        OpinionFactory(consultation=opinion.consultation)
    # One query: the opinion with its consultation, area, district and duplicate_of joined.
    with django_assert_num_queries(1):
        response = client.get(opinion.get_tracking_url())
    assert response.status_code == 200
