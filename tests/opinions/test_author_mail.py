"""The author who left an e-mail address gets the tracking link, once, and can stop e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from opinions.models import Opinion
from opinions.services import author_mail, submission
from opinions.tasks import send_tracking_link
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

TEXT = "Tramwaje na Czechów i Felin, żeby dojechać bez korków i bez przesiadek."


def submit(email: str, capture: Any) -> Opinion:
    """Submit, then run the e-mail task the commit sends, as the worker would."""
    with capture() as callbacks:
        opinion, _created = submission.submit_opinion(
            consultation=ConsultationFactory(), text=TEXT, author_email=email
        )
    for callback in callbacks:
        sent = dict(
            zip(
                callback.__code__.co_freevars,
                [cell.cell_contents for cell in callback.__closure__ or ()],
                strict=True,
            )
        )
        if sent.get("task") is send_tracking_link:
            send_tracking_link(*sent["args"])
    opinion.refresh_from_db()
    return opinion


def test_the_tracking_link_is_e_mailed_once_after_commit(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.PORTAL_URL = "https://strategia.example.org"
    opinion = submit("mieszkanka@example.org", django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mieszkanka@example.org"]
    assert f"https://strategia.example.org{opinion.get_tracking_url()}" in message.body
    assert f"https://strategia.example.org{author_mail.stop_url(opinion)}" in message.body
    assert opinion.tracking_link_sent_at is not None
    # The task may run twice (a retry, a redelivered message): one e-mail all the same.
    assert send_tracking_link(opinion.pk) is False
    assert len(mail.outbox) == 1


def test_no_address_no_e_mail(django_capture_on_commit_callbacks: Any) -> None:
    opinion = submit("", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert opinion.tracking_link_sent_at is None


def test_the_stop_link_asks_then_erases_the_address(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    opinion = submit("mieszkaniec@example.org", django_capture_on_commit_callbacks)
    url = reverse("opinions:stop_emails", kwargs={"token": opinion.tracking_token})

    page = client.get(url)
    assert page.status_code == 200
    opinion.refresh_from_db()
    assert opinion.author_email == "mieszkaniec@example.org"  # a GET (a mail scanner) does nothing

    response = client.post(url)
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.author_email == ""
    assert send_tracking_link(opinion.pk) is False  # nothing more is ever sent
