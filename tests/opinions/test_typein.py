"""Typing in paper cards: one after another, the event's settings kept, never saved twice."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opinions.models import Channel, Event, Opinion
from stages.models import Consultation, District, Stage, ThematicArea
from tests.factories import ConsultationFactory, editor, moderator

pytestmark = pytest.mark.django_db

CONSULTATION = "jaki-ma-byc-lublin-w-2030"
CARD = "Więcej koszy na śmieci w parku, bo w weekendy są przepełnione."


@pytest.fixture
def client() -> Client:
    client = Client()
    client.force_login(moderator())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English messages
    return client


@pytest.fixture
def event(event: Event) -> Event:
    """The package's café, held in Czechów Północny: a card starts from the event's district."""
    event.district = District.objects.get(slug="czechow-polnocny")
    event.save(update_fields=["district"])
    return event


def card(event: Event, **values: Any) -> dict[str, Any]:
    data = {
        "text": CARD,
        "area": "",
        "age_band": "",
        "district": event.district_id or "",
        "channel": event.channel,
        "collected_on": event.held_on.isoformat(),
        "consultation": Consultation.objects.get(slug=CONSULTATION).pk,
        "submission_key": str(uuid.uuid4()),
    }
    data.update(values)
    return data


def initial_of(response: Any) -> dict[str, Any]:
    form = response.context["form"]
    return {name: form[name].value() for name in ("district", "channel", "collected_on", "text")}


def test_empty_form_starts_from_the_event(client: Client, event: Event) -> None:
    response = client.get(reverse("opinions:typein", args=[event.pk]))

    assert response.status_code == 200
    assert initial_of(response) == {
        "district": event.district_id,
        "channel": Channel.CAFE,
        "collected_on": dt.date(2019, 11, 20),
        "text": None,
    }
    html = response.content.decode()
    assert re.search(r"<textarea[^>]*autofocus", html)
    assert '<option value="" selected>don&#x27;t know</option>' in html
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in html
    # The Ctrl+Enter script: a file of its own (the Content-Security-Policy refuses inline ones).
    assert re.search(r'<script src="/static/js/typein[.\w]*\.js"', html)
    assert 'event.key !== "Enter"' in (settings.BASE_DIR / "static/js/typein.js").read_text()


def test_after_a_save_the_next_card_keeps_event_channel_district_and_date(
    client: Client, event: Event
) -> None:
    url = reverse("opinions:typein", args=[event.pk])
    other_district = District.objects.get(slug="rury")
    area = ThematicArea.objects.get(slug="miasto-zielone")

    response = client.post(
        url,
        card(
            event,
            area=area.pk,
            age_band="60-74",
            district=other_district.pk,
            channel=Channel.SURVEY,
            collected_on="2019-11-21",
        ),
    )

    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.event, opinion.channel, opinion.district, opinion.area) == (
        event,
        Channel.SURVEY,
        other_district,
        area,
    )
    assert (opinion.collected_on, opinion.age_band, opinion.status) == (
        dt.date(2019, 11, 21),
        "60-74",
        Opinion.Status.PENDING,
    )
    query = parse_qs(urlparse(response.url).query)
    assert query["saved"] == [str(opinion.pk)]

    next_card = client.get(response.url)

    assert initial_of(next_card) == {
        "district": other_district.pk,
        "channel": Channel.SURVEY,
        "collected_on": dt.date(2019, 11, 21),
        "text": None,
    }
    html = next_card.content.decode()
    assert f"Saved #1 from this event (opinion no. {opinion.pk})" in html
    assert CARD[:40] in html  # among the last cards


def test_the_running_count_grows_with_each_card(client: Client, event: Event) -> None:
    url = reverse("opinions:typein", args=[event.pk])
    for number in range(3):
        response = client.post(url, card(event, text=f"{CARD} Karta {number}."))

    html = client.get(response.url).content.decode()

    assert "Saved #3 from this event" in html
    assert "3 opinions from this event in all." in html


def test_with_htmx_the_form_comes_back_empty_with_the_kept_values(
    client: Client, event: Event
) -> None:
    url = reverse("opinions:typein", args=[event.pk])

    response = client.post(
        url,
        card(event, channel=Channel.GAME, collected_on="2019-11-22"),
        headers={"HX-Request": "true", "HX-Target": "typein"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the partial only
    assert 'hx-swap-oob="innerHTML"' in html
    assert "Saved #1 from this event" in html
    assert re.search(r"<textarea[^>]*>\s*</textarea>", html)
    assert '<option value="game" selected>' in html
    assert f'<option value="{event.district_id}" selected>' in html
    assert 'value="2019-11-22"' in html
    assert "HX-Request" in response["Vary"]


def test_a_double_submit_saves_once(client: Client, event: Event) -> None:
    url = reverse("opinions:typein", args=[event.pk])
    data = card(event)

    first = client.post(url, data)
    second = client.post(url, data)  # Enter pressed twice, or the request resent

    assert Opinion.objects.count() == 1
    assert "again" not in first.url
    assert parse_qs(urlparse(second.url).query)["again"] == ["1"]
    assert "already saved" in client.get(second.url).content.decode()


def test_a_double_submit_with_htmx_saves_once(client: Client, event: Event) -> None:
    url = reverse("opinions:typein", args=[event.pk])
    data = card(event)

    client.post(url, data, headers={"HX-Request": "true"})
    response = client.post(url, data, headers={"HX-Request": "true"})

    assert Opinion.objects.count() == 1
    assert "already saved" in response.content.decode()


def test_each_empty_form_has_a_new_submission_key(client: Client, event: Event) -> None:
    url = reverse("opinions:typein", args=[event.pk])

    keys = {client.get(url).context["form"]["submission_key"].value() for _ in range(2)}

    assert len(keys) == 2


def test_a_short_text_is_not_saved_and_nothing_typed_is_lost(client: Client, event: Event) -> None:
    url = reverse("opinions:typein", args=[event.pk])

    response = client.post(
        url, card(event, text="Za <mało>", channel=Channel.WORKSHOP, age_band="18-24")
    )

    assert response.status_code == 200
    assert not Opinion.objects.exists()
    html = response.content.decode()
    assert "Za &lt;mało&gt;" in html
    assert 'aria-describedby="id_text_helptext id_text_error"' in html
    assert "The card was not saved" in html
    assert initial_of(response)["channel"] == Channel.WORKSHOP
    assert response.context["form"]["age_band"].value() == "18-24"


def test_a_date_in_the_future_is_refused_and_gets_the_focus(client: Client, event: Event) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        reverse("opinions:typein", args=[event.pk]), card(event, collected_on=tomorrow)
    )

    assert not Opinion.objects.exists()
    html = response.content.decode()
    assert "The date cannot be in the future." in html
    assert re.search(r'<input type="date"[^>]*autofocus', html)
    assert not re.search(r"<textarea[^>]*autofocus", html)


def test_a_closed_consultation_is_refused(client: Client, event: Event) -> None:
    now = timezone.now()
    closed = ConsultationFactory(
        stage=Stage.objects.get(number=2),
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=1),
    )

    response = client.post(
        reverse("opinions:typein", args=[event.pk]), card(event, consultation=closed.pk)
    )

    assert response.status_code == 200
    assert "This consultation is closed." in response.content.decode()
    assert not Opinion.objects.exists()


def test_the_open_consultation_is_chosen_first(client: Client, event: Event) -> None:
    now = timezone.now()
    ConsultationFactory(
        stage=Stage.objects.get(number=1),
        opens_at=now - dt.timedelta(days=5000),
        closes_at=now - dt.timedelta(days=4000),
    )

    response = client.get(reverse("opinions:typein", args=[event.pk]))

    open_one = Consultation.objects.get(slug=CONSULTATION)
    assert response.context["form"]["consultation"].value() == open_one.pk


def test_kept_values_in_the_address_that_make_no_sense_are_ignored(
    client: Client, event: Event
) -> None:
    url = reverse("opinions:typein", args=[event.pk])

    response = client.get(url, {"channel": "fax", "district": "99999", "collected_on": "x"})

    assert initial_of(response) == {
        "district": event.district_id,
        "channel": Channel.CAFE,
        "collected_on": dt.date(2019, 11, 20),
        "text": None,
    }


def test_typein_of_a_missing_event_is_404(client: Client, lublin_process: None) -> None:
    assert client.get(reverse("opinions:typein", args=[424242])).status_code == 404


def test_others_cannot_type_in(event: Event) -> None:
    client = Client()
    client.force_login(editor())

    response = client.post(reverse("opinions:typein", args=[event.pk]), card(event))

    assert response.status_code == 403
    assert not Opinion.objects.exists()
