from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stages.models import Stage, StageUpdate
from tests.factories import (
    StageFactory,
    StageUpdateFactory,
)
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

ALLOWED = {"editor", "superuser"}


def client_as(role: str) -> Client:
    return client_for(role)[0]


@pytest.fixture
def update() -> StageUpdate:
    return StageUpdateFactory(status=StageUpdate.Status.DRAFT, publish_at=None, title="Szkic")


STAFF_PAGES = [
    ("stages:staff_update_list", False),
    ("stages:staff_update_create", False),
    ("stages:staff_update_preview", True),
    ("stages:staff_update_edit", True),
    ("stages:staff_stage_list", False),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "takes_pk"), STAFF_PAGES)
def test_staff_pages_only_for_editors(
    role: str, name: str, takes_pk: bool, update: StageUpdate
) -> None:
    url = reverse(name, args=[update.pk]) if takes_pk else reverse(name)
    response = client_as(role).get(url)
    if role in ALLOWED:
        assert response.status_code == 200
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_posts_by_non_editors_are_refused_and_change_nothing(
    role: str, update: StageUpdate
) -> None:
    client = client_as(role)
    stage = update.stage
    posts = [
        (reverse("stages:staff_update_create"), {"stage": stage.pk, "title": "X", "body": "Y"}),
        (
            reverse("stages:staff_update_edit", args=[update.pk]),
            {"stage": stage.pk, "title": "Z", "body": "Y"},
        ),
        (reverse("stages:staff_update_publish", args=[update.pk]), {}),
        (
            reverse("stages:staff_update_schedule", args=[update.pk]),
            {"publish_at": "2030-01-01T10:00"},
        ),
        (reverse("stages:staff_update_unpublish", args=[update.pk]), {}),
        (
            reverse("stages:staff_stage_pin", args=[stage.pk]),
            {f"{stage.pk}-pinned_status": "current"},
        ),
    ]
    for url, data in posts:
        expect_refused(client.post(url, data), role)

    assert StageUpdate.objects.count() == 1
    update.refresh_from_db()
    stage.refresh_from_db()
    assert (update.title, update.status, update.publish_at) == ("Szkic", "draft", None)
    assert stage.pinned_status == ""


def test_editor_writes_a_draft_then_publishes_it() -> None:
    client = client_as("editor")
    stage = StageFactory()

    response = client.post(
        reverse("stages:staff_update_create"),
        {"stage": stage.pk, "title": "Nabór do grup", "body": "Zgłoś się **dziś**."},
    )

    update = StageUpdate.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("stages:staff_update_preview", args=[update.pk])
    assert update.status == StageUpdate.Status.DRAFT
    preview = client.get(response.url).content.decode()
    assert "<strong>dziś</strong>" in preview

    client.post(reverse("stages:staff_update_publish", args=[update.pk]))
    update.refresh_from_db()
    assert update.is_visible()
    assert "Nabór do grup" in Client().get("/").content.decode()


def test_invalid_update_form_keeps_what_was_typed() -> None:
    client = client_as("editor")
    stage = StageFactory()

    response = client.post(
        reverse("stages:staff_update_create"),
        {"stage": stage.pk, "title": "", "body": "Długi tekst"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Długi tekst" in html
    assert 'aria-invalid="true"' in html
    assert not StageUpdate.objects.exists()


def test_editor_schedules_for_later_and_it_stays_hidden_until_then(update: StageUpdate) -> None:
    client = client_as("editor")
    now = timezone.localtime()
    later = (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    client.post(reverse("stages:staff_update_schedule", args=[update.pk]), {"publish_at": later})

    update.refresh_from_db()
    assert update.status == StageUpdate.Status.SCHEDULED
    assert "Szkic" not in Client().get("/").content.decode()
    with time_machine.travel(now + dt.timedelta(days=2, minutes=1)):
        assert "Szkic" in Client().get("/").content.decode()


def test_scheduling_in_the_past_asks_first_then_publishes_at_once(update: StageUpdate) -> None:
    client = client_as("editor")
    url = reverse("stages:staff_update_schedule", args=[update.pk])
    past = (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")

    asked = client.post(url, {"publish_at": past})

    assert asked.status_code == 200
    html = asked.content.decode()
    assert "już minął" in html
    assert "zostanie opublikowana od razu" in html
    assert f'name="publish_at" value="{past}"' in html
    assert 'name="confirm" value="yes"' in html
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.DRAFT

    client.post(url, {"publish_at": past, "confirm": "yes"})

    update.refresh_from_db()
    assert update.status == StageUpdate.Status.PUBLISHED
    assert update.is_visible()


def test_a_bad_schedule_time_is_explained_and_changes_nothing(update: StageUpdate) -> None:
    response = client_as("editor").post(
        reverse("stages:staff_update_schedule", args=[update.pk]), {"publish_at": "jutro rano"}
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.DRAFT


def test_unpublish_takes_it_off_the_home_page() -> None:
    update = StageUpdateFactory(title="Do wycofania")
    client_as("editor").post(reverse("stages:staff_update_unpublish", args=[update.pk]))
    assert "Do wycofania" not in Client().get("/").content.decode()


def test_get_on_an_action_url_changes_nothing(update: StageUpdate) -> None:
    response = client_as("editor").get(reverse("stages:staff_update_publish", args=[update.pk]))
    assert response.status_code == 405
    update.refresh_from_db()
    assert update.status == StageUpdate.Status.DRAFT


def test_editor_pins_a_stage_status() -> None:
    stage = StageFactory(period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 2, 1))
    client_as("editor").post(
        reverse("stages:staff_stage_pin", args=[stage.pk]), {f"{stage.pk}-pinned_status": "current"}
    )
    assert Stage.objects.current() == stage


def test_staff_update_list_query_count_is_fixed(django_assert_num_queries: object) -> None:
    client = client_as("editor")
    for _ in range(6):
        StageUpdateFactory()
    # session, user, user's group names (cached on the user by `rules` for the menu's
    # rights too), updates with their stage and author joined.
    with django_assert_num_queries(4):  # type: ignore[operator]
        response = client.get(reverse("stages:staff_update_list"))
    assert response.content.decode().count("<tr>") == 7
