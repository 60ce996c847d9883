"""Workshops: planning, minutes and attendance, over the role grid, with no IDOR."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.roles import expect_refused
from tests.workgroups.factories import WorkingGroupFactory, member
from tests.workgroups.grid import ROLES, Scene, english
from workgroups.models import Membership, WorkingGroup, Workshop
from workgroups.services.workshops import create_workshop, update_workshop

pytestmark = pytest.mark.django_db

SEES = {"member", "leader", "moderator", "editor", "superuser"}
MANAGES = {"leader", "moderator", "editor", "superuser"}
WHEN = "2030-03-14T17:00"


def workshop_of(group: WorkingGroup, **fields: Any) -> Workshop:
    return create_workshop(
        group=group,
        title=fields.get("title", "Warsztat o zieleni"),
        starts_at=fields.get("starts_at", timezone.now() + dt.timedelta(days=3)),
        place=fields.get("place", "Ratusz, sala 12"),
        agenda=fields.get("agenda", "1. Powitanie\n2. Diagnoza"),
    )


def record_data(workshop: Workshop, **changes: Any) -> dict[str, Any]:
    data = {
        "title": workshop.title,
        "starts_at": WHEN,
        "place": workshop.place,
        "agenda": workshop.agenda,
        "minutes": "Ustalono **trzy** kierunki działań.",
        "attendees": [],
    }
    data.update(changes)
    return data


# --- Services -----------------------------------------------------------------------------------


def test_minutes_and_attendance_are_saved_for_the_groups_members() -> None:
    group = WorkingGroupFactory()
    anna, jan = member(group), member(group)
    workshop = workshop_of(group)
    seats = list(Membership.objects.filter(user__in=[anna, jan]))

    update_workshop(
        workshop=workshop,
        title="Warsztat o zieleni",
        starts_at=timezone.now(),
        place="Ratusz",
        agenda="",
        minutes="  Protokół.  ",
        attendees=seats,
    )

    workshop.refresh_from_db()
    assert workshop.minutes == "Protokół."
    assert set(workshop.attendees.all()) == set(seats)


def test_another_groups_member_cannot_be_marked_present() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    member(other)
    workshop = workshop_of(group)
    with pytest.raises(ValidationError) as refused:
        update_workshop(
            workshop=workshop,
            title="T",
            starts_at=timezone.now(),
            place="P",
            agenda="",
            minutes="",
            attendees=list(Membership.objects.filter(group=other)),
        )
    assert "attendees" in refused.value.message_dict
    assert not workshop.attendees.exists()


def test_a_workshop_needs_a_title_and_a_place() -> None:
    with pytest.raises(ValidationError) as refused:
        create_workshop(group=WorkingGroupFactory(), title="  ", starts_at=timezone.now(), place="")
    assert set(refused.value.message_dict) == {"title", "place"}
    assert not Workshop.objects.exists()


# --- Who may see and change them ---------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_workshop_pages_over_the_grid(scene: Scene, role: str) -> None:
    workshop = workshop_of(scene.group)
    slug = scene.group.slug
    client = scene.client(role)
    for url in (
        reverse("workgroups:workshop_list", args=[slug]),
        reverse("workgroups:workshop_detail", args=[slug, workshop.pk]),
    ):
        response = client.get(url)
        if role in SEES:
            assert response.status_code == 200, (url, role)
        else:
            expect_refused(response, role)
    for url in (
        reverse("workgroups:workshop_create", args=[slug]),
        reverse("workgroups:workshop_edit", args=[slug, workshop.pk]),
    ):
        response = client.get(url)
        if role in MANAGES:
            assert response.status_code == 200, (url, role)
        else:
            expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_planning_a_workshop_over_the_grid(scene: Scene, role: str) -> None:
    url = reverse("workgroups:workshop_create", args=[scene.group.slug])
    response = scene.client(role).post(
        url, {"title": "Warsztat", "starts_at": WHEN, "place": "Ratusz", "agenda": ""}
    )
    if role in MANAGES:
        workshop = Workshop.objects.get()
        assert response.status_code == 302
        assert response.url == reverse(
            "workgroups:workshop_detail", args=[scene.group.slug, workshop.pk]
        )
        assert workshop.group == scene.group
        assert workshop.created_by == scene.people[role]
    else:
        expect_refused(response, role)
        assert not Workshop.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_recording_minutes_over_the_grid(scene: Scene, role: str) -> None:
    workshop = workshop_of(scene.group)
    url = reverse("workgroups:workshop_edit", args=[scene.group.slug, workshop.pk])
    response = scene.client(role).post(url, record_data(workshop))
    workshop.refresh_from_db()
    if role in MANAGES:
        assert response.status_code == 302
        assert workshop.minutes == "Ustalono **trzy** kierunki działań."
    else:
        expect_refused(response, role)
        assert workshop.minutes == ""


@pytest.mark.parametrize("role", ROLES)
def test_another_groups_workshop_by_url_is_refused_or_not_found(scene: Scene, role: str) -> None:
    """No IDOR: the other group's workshop through its own address, and through ours."""
    theirs = workshop_of(scene.other_group)
    client = scene.client(role)
    own_slug, their_slug = scene.group.slug, scene.other_group.slug

    # Looked up inside the group of the address: never found there by those who may enter.
    detail = client.get(reverse("workgroups:workshop_detail", args=[own_slug, theirs.pk]))
    if role in SEES:
        assert detail.status_code == 404, role
    else:
        expect_refused(detail, role)
    edit_url = reverse("workgroups:workshop_edit", args=[own_slug, theirs.pk])
    for response in (client.get(edit_url), client.post(edit_url, record_data(theirs))):
        if role in MANAGES:
            assert response.status_code == 404, role
        else:
            expect_refused(response, role)
    through_theirs = client.post(
        reverse("workgroups:workshop_edit", args=[their_slug, theirs.pk]), record_data(theirs)
    )
    if role in {"moderator", "editor", "superuser"}:
        assert through_theirs.status_code == 302
    else:
        expect_refused(through_theirs, role)
    theirs.refresh_from_db()
    if role not in {"moderator", "editor", "superuser"}:
        assert theirs.minutes == ""


def test_a_member_of_the_group_cannot_edit_minutes_only_the_leader(scene: Scene) -> None:
    workshop = workshop_of(scene.group)
    url = reverse("workgroups:workshop_edit", args=[scene.group.slug, workshop.pk])
    assert scene.client("member").post(url, record_data(workshop)).status_code == 403
    assert scene.client("leader").post(url, record_data(workshop)).status_code == 302


def test_ticking_another_groups_member_is_refused_and_keeps_what_was_typed(scene: Scene) -> None:
    workshop = workshop_of(scene.group)
    stranger = Membership.objects.get(user=scene.people["other_member"])
    ours = Membership.objects.get(user=scene.people["member"])
    url = reverse("workgroups:workshop_edit", args=[scene.group.slug, workshop.pk])

    response = english(scene.client("leader")).post(
        url, record_data(workshop, attendees=[ours.pk, stranger.pk], minutes="Mój protokół")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "Mój protokół" in html
    assert not workshop.attendees.exists()


def test_attendance_is_recorded_and_shown(scene: Scene) -> None:
    workshop = workshop_of(scene.group)
    ours = Membership.objects.get(user=scene.people["member"])
    url = reverse("workgroups:workshop_edit", args=[scene.group.slug, workshop.pk])
    scene.client("leader").post(url, record_data(workshop, attendees=[ours.pk]))

    assert list(workshop.attendees.all()) == [ours]
    detail = english(scene.client("member")).get(
        reverse("workgroups:workshop_detail", args=[scene.group.slug, workshop.pk])
    )
    html = detail.content.decode()
    assert "1 of 2" in html  # the member and the leader
    assert "<strong>trzy</strong>" in html  # the minutes' Markdown


def test_markup_in_the_minutes_is_shown_as_text(scene: Scene) -> None:
    workshop = workshop_of(scene.group, agenda="<script>alert(1)</script> [x](javascript:alert(1))")
    html = (
        scene.client("member")
        .get(reverse("workgroups:workshop_detail", args=[scene.group.slug, workshop.pk]))
        .content.decode()
    )
    assert "<script>alert(1)</script>" not in html
    assert "javascript:alert" not in html


def test_bad_date_keeps_the_typed_text(scene: Scene) -> None:
    url = reverse("workgroups:workshop_create", args=[scene.group.slug])
    response = english(scene.client("leader")).post(
        url, {"title": "Warsztat o transporcie", "starts_at": "jutro", "place": "Ratusz"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid date/time." in html
    assert "Warsztat o transporcie" in html
    assert not Workshop.objects.exists()


@pytest.mark.parametrize("count", [2, 9])
def test_workshop_list_query_count(django_assert_num_queries: Any, count: int) -> None:
    group = WorkingGroupFactory()
    leader_user = member(group, seat="leader")
    seats = [Membership.objects.get(user=leader_user)]
    for n in range(count):
        workshop = workshop_of(group, title=f"Warsztat {n}")
        workshop.attendees.set(seats)
    client = Client()
    client.force_login(leader_user)
    # 1 group with area, 2 session, 3 user, 4 membership (rules, cached on the user),
    # 5 workshops with their attendance counted; the menu's rights: 6 the user's groups
    # (rules).
    with django_assert_num_queries(6):
        response = client.get(reverse("workgroups:workshop_list", args=[group.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("/workshops/") >= count
