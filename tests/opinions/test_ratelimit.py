"""Submissions per client are limited; staff at a shared tablet are not; nothing typed is lost."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse

from opinions import ratelimit
from opinions.models import Comment, Opinion
from tests.factories import OpinionFactory, UserFactory, editor, moderator

pytestmark = pytest.mark.django_db

ANSWER = reverse("opinions:answer", kwargs={"slug": "jaki-ma-byc-lublin-w-2030"})


def opinion_data(text: str) -> dict[str, Any]:
    return {"text": text, "submission_key": str(uuid.uuid4()), "website": ""}


@pytest.fixture
def limit_of_three(settings: Any) -> None:
    settings.OPINION_RATE_LIMIT = 3
    settings.OPINION_RATE_WINDOW_SECONDS = 3600


def send(client: Client, number: int, **extra: Any) -> Any:
    return client.post(
        ANSWER, opinion_data(f"Opinia numer {number} o przyszłości Lublina."), **extra
    )


def test_over_the_limit_the_answer_is_refused_politely_and_kept(
    client: Client, lublin_process: None, limit_of_three: None
) -> None:
    for number in range(3):
        assert send(client, number).status_code == 302

    text = "Czwarta opinia, której nie wolno zgubić: ścieżki rowerowe na Czechowie."
    response = client.post(ANSWER, opinion_data(text))

    html = response.content.decode()
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert text in html  # the form comes back with the text typed
    assert 'role="alert"' in html
    assert Opinion.objects.count() == 3


def test_the_limit_is_per_client_address(
    client: Client, lublin_process: None, limit_of_three: None
) -> None:
    for number in range(3):
        send(client, number, REMOTE_ADDR="10.0.0.1")
    assert send(client, 4, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert send(client, 5, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_forms_with_errors_do_not_use_up_the_limit(
    client: Client, lublin_process: None, limit_of_three: None
) -> None:
    for _ in range(5):
        assert client.post(ANSWER, opinion_data("krótko")).status_code == 200
    assert send(client, 1).status_code == 302


def test_a_new_window_allows_new_answers(
    client: Client, lublin_process: None, limit_of_three: None
) -> None:
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for number in range(3):
            send(client, number)
        assert send(client, 3).status_code == 429
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=1), tick=False):
        assert send(client, 4).status_code == 302
    assert Opinion.objects.count() == 4


def test_the_count_outlives_the_cache_default_timeout(
    client: Client, lublin_process: None, limit_of_three: None
) -> None:
    # The embedded file cache's incr rewrites entries with its 5-minute default timeout.
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for number in range(3):
            send(client, number)
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        assert send(client, 3).status_code == 429


def test_a_moderator_at_a_shared_tablet_is_not_limited(
    client: Client, lublin_process: None, limit_of_three: None
) -> None:
    client.force_login(moderator())
    for number in range(6):
        assert send(client, number).status_code == 302
    assert Opinion.objects.count() == 6


@pytest.mark.parametrize("role", ["resident", "editor"])
def test_other_accounts_are_limited(
    client: Client, lublin_process: None, limit_of_three: None, role: str
) -> None:
    client.force_login(UserFactory() if role == "resident" else editor())
    for number in range(3):
        send(client, number)
    assert send(client, 3).status_code == 429


def test_comments_are_limited_too_and_kept(
    client: Client, limit_of_three: None, settings: Any
) -> None:
    opinion = OpinionFactory()
    url = reverse("opinions:comment", kwargs={"pk": opinion.pk})
    for number in range(3):
        client.post(url, opinion_data(f"Komentarz numer {number} do opinii."))

    text = "Czwarty komentarz, który ma wrócić w formularzu."
    response = client.post(url, opinion_data(text))

    assert response.status_code == 429
    assert text in response.content.decode()
    assert Comment.objects.count() == 3


def test_the_settings_have_defaults(settings: Any) -> None:
    del settings.OPINION_RATE_LIMIT
    del settings.OPINION_RATE_WINDOW_SECONDS
    assert ratelimit.limit_and_window() == (20, 3600)


def test_register_submission_counts_within_a_window(settings: Any) -> None:
    settings.OPINION_RATE_LIMIT = 2
    settings.OPINION_RATE_WINDOW_SECONDS = 60
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = UserFactory()  # type: ignore[assignment]

    decisions = [ratelimit.register_submission(request, now=1_000_000.0) for _ in range(3)]
    later = ratelimit.register_submission(request, now=1_000_000.0 + 60)

    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.count for d in decisions] == [1, 2, 3]
    assert decisions[0].retry_after == 20  # 1,000,000 s is 40 s into a 60-second window
    assert later.allowed and later.count == 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no trusted proxy: the header is ignored
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's word
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.1"),  # shorter than the proxies: not trusted
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.OPINION_TRUSTED_PROXIES = proxies
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_address(request) == expected
