"""„Moje”: a signed-in resident's opinions, comments, supports and applications."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from opinions.models import Comment, Opinion, Support
from tests.factories import OpinionFactory, UserFactory
from tests.workgroups.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

MINE = reverse("mine")


def test_anonymous_visitors_are_asked_to_log_in(client: Client) -> None:
    response = client.get(MINE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_resident_sees_their_own_things_with_their_states_and_no_one_elses(
    client: Client,
) -> None:
    resident, other = UserFactory(), UserFactory()
    mine = OpinionFactory(author=resident, text="Moja opinia o ścieżkach rowerowych na Czubach.")
    OpinionFactory(author=other, text="Cudza opinia o parkingach pod blokami na Tatarach.")
    published = OpinionFactory(text="Opublikowana opinia o zieleni w Śródmieściu.")
    Comment.objects.create(opinion=published, text="Mój komentarz do zieleni.", author=resident)
    Support.objects.create(opinion=published, user=resident)
    application = ApplicationFactory(applicant=resident)
    client.force_login(resident)

    html = client.get(MINE).content.decode()

    assert "Moja opinia o ścieżkach" in html
    assert mine.get_tracking_url() in html
    assert "Cudza opinia" not in html
    assert "Mój komentarz do zieleni." in html
    assert published.get_absolute_url() in html
    assert application.call.get_absolute_url() in html
    assert f"badge--{Opinion.Status.PENDING}" in html


@pytest.mark.parametrize("each", [1, 5])
def test_the_page_costs_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: Any, each: int
) -> None:
    resident = UserFactory()
    for n in range(each):
        published = OpinionFactory(text=f"Opinia numer {n} o przyszłości Lublina.")
        OpinionFactory(author=resident, text=f"Moja opinia numer {n} o Lublinie.")
        Comment.objects.create(opinion=published, text=f"Komentarz {n}.", author=resident)
        Support.objects.create(opinion=published, user=resident)
    client.force_login(resident)
    # The session, the user; opinions, comments, supports, applications; and what every page
    # costs a signed-in person: the header's staff links ask the rules, which read their
    # groups.
    with django_assert_num_queries(7):
        assert client.get(MINE).status_code == 200
