"""Events (meetings where paper input was collected): pages for moderators only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from opinions.models import Event
from tests.factories import (
    DistrictFactory,
    EventFactory,
    OpinionFactory,
    moderator,
)
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

ALLOWED = {"moderator", "superuser"}


def client_as(role: str) -> Client:
    return client_for(role, english=True)[0]


EVENT_PAGES = [
    ("opinions:event_list", False),
    ("opinions:event_create", False),
    ("opinions:event_edit", True),
    ("opinions:typein", True),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "takes_pk"), EVENT_PAGES)
def test_event_pages_only_for_moderators(role: str, name: str, takes_pk: bool) -> None:
    event = EventFactory()
    url = reverse(name, args=[event.pk]) if takes_pk else reverse(name)

    response = client_as(role).get(url)

    if role in ALLOWED:
        assert response.status_code == 200
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_posts_by_others_are_refused_and_change_nothing(role: str) -> None:
    event = EventFactory(title="Kafejka")
    client = client_as(role)
    data = {"kind": "cafe", "title": "Zmienione", "held_on": "2020-01-01"}

    expect_refused(client.post(reverse("opinions:event_create"), data), role)
    expect_refused(client.post(reverse("opinions:event_edit", args=[event.pk]), data), role)

    assert list(Event.objects.values_list("title", flat=True)) == ["Kafejka"]


def test_moderator_creates_an_event() -> None:
    user = moderator()
    client = client_as("anonymous")
    client.force_login(user)
    district = DistrictFactory(name="Czechów Północny")

    response = client.post(
        reverse("opinions:event_create"),
        {
            "kind": "district-meeting",
            "title": "Spotkanie w dzielnicy Czechów",
            "held_on": "2019-11-14",
            "place": "Dom Kultury",
            "district": district.pk,
            "participants": "42",
            "facilitator": "Anna Nowak",
            "notes": "Dużo pytań o komunikację.",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("opinions:event_list")
    event = Event.objects.get()
    assert (event.title, event.held_on, event.district, event.participants) == (
        "Spotkanie w dzielnicy Czechów",
        dt.date(2019, 11, 14),
        district,
        42,
    )
    assert event.created_by == user
    assert event.channel == "district-meeting"
    assert "Spotkanie w dzielnicy Czechów" in client.get(response.url).content.decode()


def test_moderator_edits_an_event() -> None:
    client = client_as("moderator")
    event = EventFactory(title="Punkt mobilny", place="Plac Litewski")

    response = client.post(
        reverse("opinions:event_edit", args=[event.pk]),
        {"kind": "mobile-point", "title": "Punkt mobilny na Zamku", "held_on": "01.06.2020"},
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.held_on, event.place) == (
        "Punkt mobilny na Zamku",
        dt.date(2020, 6, 1),
        "",
    )


def test_invalid_event_form_keeps_what_was_typed_and_links_errors() -> None:
    client = client_as("moderator")

    response = client.post(
        reverse("opinions:event_create"),
        {"kind": "cafe", "title": "", "held_on": "jutro", "place": "Kawiarnia <b>Teatr</b>"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kawiarnia &lt;b&gt;Teatr&lt;/b&gt;" in html  # kept, and escaped
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_title_error"' in html
    assert 'id="id_title_error"' in html
    assert not Event.objects.exists()


def test_event_list_shows_opinion_counts_in_a_fixed_number_of_queries(
    django_assert_num_queries: Any,
) -> None:
    client = client_as("moderator")
    district = DistrictFactory()
    events = [EventFactory(district=district if n % 2 else None) for n in range(5)]
    for number, event in enumerate(events):
        OpinionFactory.create_batch(number, event=event)

    # 1 session, 2 user, 3 the user's groups (the permission), 4 count for the pager,
    # 5 the page of events with their districts and opinion counts (one annotated query).
    # (The menu asks the rules alone: no model permissions are loaded.)
    with django_assert_num_queries(5):
        response = client.get(reverse("opinions:event_list"))

    assert response.status_code == 200
    assert [event.opinion_count for event in response.context["page"]] == [4, 3, 2, 1, 0]
