"""Recruitment pages over the grid of roles: public groups and rosters, applying (and nobody
editing another person's application), the editors' calls, quotas, review and selection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, editor
from tests.roles import expect_refused
from tests.workgroups.factories import (
    ApplicationFactory,
    RecruitmentCallFactory,
    WorkingGroupFactory,
    member,
    recommendation,
)
from tests.workgroups.grid import ROLES, Scene, build_scene, english
from workgroups.models import (
    Application,
    Membership,
    Recommendation,
    RecruitmentCall,
    SelectionDraw,
    WorkingGroup,
)
from workgroups.selectors import seats_of
from workgroups.services import recruitment as services
from workgroups.services.selection import propose_selection

pytestmark = pytest.mark.django_db

STAFF = {"editor", "superuser"}
NOW = timezone.now()


def close(call: RecruitmentCall) -> RecruitmentCall:
    RecruitmentCall.objects.filter(pk=call.pk).update(
        opens_at=NOW - dt.timedelta(days=30), closes_at=NOW - dt.timedelta(days=1)
    )
    call.refresh_from_db()
    return call


def application_post(group: WorkingGroup, **changes: str) -> dict[str, str]:
    data = {
        "first_choice": str(group.pk),
        "full_name": "Jan Nowak",
        "sector": "resident",
        "motivation": "Chcę, żeby moja dzielnica była zielona.",
        "consent_to_publish": "on",
    }
    data.update(changes)
    return data


# --- The grid: who sees which page ------------------------------------------------------------


def public_urls(scene: Scene) -> list[str]:
    return [
        reverse("workgroups:group_list"),
        reverse("workgroups:group_detail", args=[scene.group.slug]),
        reverse("workgroups:group_detail", args=[scene.other_group.slug]),
        reverse("workgroups:call_detail", args=[scene.call.pk]),
    ]


def staff_urls(scene: Scene, draw: SelectionDraw) -> list[str]:
    pk = scene.call.pk
    return [
        reverse("workgroups:call_staff_list"),
        reverse("workgroups:call_create"),
        reverse("workgroups:call_edit", args=[pk]),
        reverse("workgroups:quota_edit", args=[scene.group.slug]),
        reverse("workgroups:quota_edit", args=[scene.other_group.slug]),
        reverse("workgroups:application_list", args=[pk]),
        reverse("workgroups:selection", args=[pk]),
        reverse("workgroups:draw_detail", args=[pk, draw.pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_over_the_grid(role: str) -> None:
    scene = build_scene()
    close(scene.call)
    draw = propose_selection(call=scene.call, editor=editor(), seed=5)
    client = scene.client(role)

    for url in public_urls(scene):
        assert client.get(url).status_code == 200, url

    response = client.get(reverse("workgroups:apply", args=[scene.call.pk]))
    if role == "anonymous":
        expect_refused(response, role)
    else:
        assert response.status_code == 200

    for url in staff_urls(scene, draw):
        response = client.get(url)
        if role in STAFF:
            assert response.status_code == 200, url
        else:
            expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_staff_posts_over_the_grid_change_nothing_for_others(role: str) -> None:
    scene = build_scene()
    close(scene.call)
    application = Application.objects.get(call=scene.call)
    client = scene.client(role)
    pk = scene.call.pk

    posts: list[tuple[str, dict[str, str]]] = [
        (
            reverse("workgroups:selection", args=[pk]),
            {
                "action": "place",
                "application": str(application.pk),
                "seat": f"{scene.group.pk}:resident",
            },
        ),
        (
            reverse("workgroups:application_notes", args=[pk, application.pk]),
            {"review_notes": "Notatka"},
        ),
        (
            reverse("workgroups:quota_edit", args=[scene.other_group.slug]),
            {
                "leader": "1",
                "resident": "9",
                "university": "1",
                "business": "1",
                "ngo": "1",
                "city": "3",
            },
        ),
        (
            reverse("workgroups:call_create"),
            {
                "title": "Nowy nabór",
                "text": "Tekst",
                "opens_at": "2030-01-01T10:00",
                "closes_at": "2030-02-01T10:00",
                "groups": str(scene.group.pk),
            },
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        if role in STAFF:
            assert response.status_code == 302, url
        else:
            expect_refused(response, role)

    application.refresh_from_db()
    placed = Membership.objects.filter(application=application).exists()
    assert placed is (role in STAFF)
    assert (application.review_notes == "Notatka") is (role in STAFF)
    assert (seats_of(scene.other_group)["resident"] == 9) is (role in STAFF)
    assert RecruitmentCall.objects.filter(title="Nowy nabór").exists() is (role in STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_applying_over_the_grid_touches_only_ones_own_application(role: str) -> None:
    scene = build_scene()
    theirs = Application.objects.get(applicant=scene.people["applicant"])
    response = scene.client(role).post(
        reverse("workgroups:apply", args=[scene.call.pk]),
        application_post(scene.other_group, full_name=f"Osoba {role}"),
    )
    person = scene.people[role]
    if person is None:
        expect_refused(response, role)
        assert Application.objects.count() == 1
        return
    assert response.status_code == 302
    assert Application.objects.get(call=scene.call, applicant=person).full_name == f"Osoba {role}"
    if role != "applicant":
        theirs.refresh_from_db()
        assert theirs.full_name != f"Osoba {role}"
        assert Application.objects.count() == 2


# --- Applying -----------------------------------------------------------------------------


def test_apply_creates_then_edits_ones_own_application() -> None:
    scene = build_scene()
    person = scene.people["resident"]
    client = english(scene.client("resident"))
    url = reverse("workgroups:apply", args=[scene.call.pk])

    response = client.post(url, application_post(scene.group))
    assert response.status_code == 302
    response = client.post(
        url,
        application_post(
            scene.other_group,
            second_choice=str(scene.group.pk),
            sector="ngo",
            organisation="Stowarzyszenie Zielony Lublin",
        ),
    )
    assert response.status_code == 302
    mine = Application.objects.get(applicant=person)
    assert (mine.first_choice, mine.second_choice, mine.sector) == (
        scene.other_group,
        scene.group,
        "ngo",
    )
    page = client.get(url).content.decode()
    assert "Stowarzyszenie Zielony Lublin" in page
    assert "Save changes" in page


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong() -> None:
    scene = build_scene()
    client = english(scene.client("resident"))
    response = client.post(
        reverse("workgroups:apply", args=[scene.call.pk]),
        application_post(
            scene.group,
            second_choice=str(scene.group.pk),
            sector="business",
            motivation="Mój długi tekst motywacyjny.",
        ),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "You have already chosen this group." in page
    assert "Name the organisation you represent." in page
    assert "Mój długi tekst motywacyjny." in page
    assert not Application.objects.filter(applicant=scene.people["resident"]).exists()


def test_nobody_edits_another_persons_application_by_post() -> None:
    scene = build_scene()
    theirs = Application.objects.get(applicant=scene.people["applicant"])
    before = (theirs.first_choice_id, theirs.full_name, theirs.motivation)
    client = scene.client("resident")

    client.post(
        reverse("workgroups:apply", args=[scene.call.pk]),
        {
            **application_post(scene.other_group, full_name="Podszywacz"),
            "application": str(theirs.pk),
            "applicant": str(scene.people["applicant"].pk),  # type: ignore[union-attr]
        },
    )

    theirs.refresh_from_db()
    assert (theirs.first_choice_id, theirs.full_name, theirs.motivation) == before
    mine = Application.objects.get(applicant=scene.people["resident"])
    assert mine.full_name == "Podszywacz"
    # The page shows the visitor their own application only.
    page = scene.client("resident").get(reverse("workgroups:apply", args=[scene.call.pk]))
    assert theirs.motivation not in page.content.decode()


def test_after_closing_the_application_is_read_only() -> None:
    scene = build_scene()
    close(scene.call)
    client = english(scene.client("applicant"))
    url = reverse("workgroups:apply", args=[scene.call.pk])
    theirs = Application.objects.get(applicant=scene.people["applicant"])

    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "can no longer be sent or changed" in text
    assert theirs.motivation in text
    assert '<form method="post" class="narrow"' not in text

    response = client.post(url, application_post(scene.other_group, motivation="Za późno."))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.motivation != "Za późno."


def test_a_call_not_yet_open_says_when_and_takes_nothing() -> None:
    group = WorkingGroupFactory()
    call = RecruitmentCallFactory(
        groups=[group], opens_at=NOW + dt.timedelta(days=3), closes_at=NOW + dt.timedelta(days=9)
    )
    client = english(Client())
    client.force_login(UserFactory())
    url = reverse("workgroups:apply", args=[call.pk])
    assert "not open yet" in client.get(url).content.decode()
    assert client.post(url, application_post(group)).status_code == 403
    assert not Application.objects.exists()


def test_the_decision_shows_to_the_applicant_only_once_announced() -> None:
    scene = build_scene()
    close(scene.call)
    theirs = Application.objects.get(applicant=scene.people["applicant"])
    services.place_applicant(application=theirs, group_id=scene.group.pk, seat="resident")
    client = english(scene.client("applicant"))
    url = reverse("workgroups:call_detail", args=[scene.call.pk])
    assert "Status: under review" in client.get(url).content.decode()
    services.announce_selection(call=scene.call)
    assert "Status: selected" in client.get(url).content.decode()


# --- The public roster ------------------------------------------------------------------------


def test_the_roster_names_only_active_members_who_consented() -> None:
    group = WorkingGroupFactory()
    call = close(RecruitmentCallFactory(groups=[group]))
    named = ApplicationFactory(
        call=call, first_choice=group, full_name="Ewa Jawna", consent_to_publish=True
    )
    hidden = ApplicationFactory(
        call=call, first_choice=group, full_name="Piotr Ukryty", consent_to_publish=False
    )
    lead = ApplicationFactory(
        call=call,
        first_choice=group,
        full_name="Leszek Lider",
        sector="university",
        organisation="UMCS",
        wants_to_lead=True,
    )
    for application, seat in ((named, "resident"), (hidden, "resident"), (lead, "leader")):
        services.place_applicant(application=application, group_id=group.pk, seat=seat)
    client = english(Client())
    url = reverse("workgroups:group_detail", args=[group.slug])

    assert "Ewa Jawna" not in client.get(url).content.decode()  # not announced yet
    services.announce_selection(call=call)
    page = client.get(url).content.decode()
    assert "Ewa Jawna" in page
    assert "Leszek Lider" in page
    assert "university" in page
    assert "Piotr Ukryty" not in page


# --- Selection through the page ---------------------------------------------------------------


def test_an_over_fill_through_the_page_shows_the_refusal() -> None:
    group = WorkingGroupFactory(quotas={"resident": 1})
    call = close(RecruitmentCallFactory(groups=[group]))
    first, second = (ApplicationFactory(call=call, first_choice=group) for _ in range(2))
    client = english(Client())
    client.force_login(editor())
    url = reverse("workgroups:selection", args=[call.pk])

    for application in (first, second):
        response = client.post(
            url,
            {"action": "place", "application": str(application.pk), "seat": f"{group.pk}:resident"},
            follow=True,
        )
    assert "All 1 seats of this kind in this group are taken." in response.content.decode()
    assert Membership.objects.filter(group=group).count() == 1


def test_staff_actions_on_another_calls_objects_are_404() -> None:
    scene = build_scene()
    close(scene.call)
    elsewhere = close(RecruitmentCallFactory(groups=[scene.group]))
    stranger = ApplicationFactory(call=elsewhere, first_choice=scene.group)
    draw = propose_selection(call=elsewhere, editor=editor(), seed=1)
    client = scene.client("editor")
    pk = scene.call.pk

    assert (
        client.post(
            reverse("workgroups:selection", args=[pk]),
            {"action": "reject", "application": str(stranger.pk)},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("workgroups:application_notes", args=[pk, stranger.pk]), {"review_notes": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("workgroups:draw_detail", args=[pk, draw.pk])).status_code == 404
    stranger.refresh_from_db()
    assert (stranger.decision, stranger.review_notes) != ("rejected", "x")


def test_propose_and_announce_from_the_page(
    django_capture_on_commit_callbacks: Any,
) -> None:
    group = WorkingGroupFactory()
    call = close(RecruitmentCallFactory(groups=[group]))
    for _ in range(4):
        ApplicationFactory(call=call, first_choice=group)
    client = english(Client())
    client.force_login(editor())
    url = reverse("workgroups:selection", args=[call.pk])

    page = client.post(url, {"action": "propose"}, follow=True).content.decode()
    assert "Selection proposed" in page
    draw = SelectionDraw.objects.get()
    detail = client.get(reverse("workgroups:draw_detail", args=[call.pk, draw.pk]))
    assert "Confirmed" in detail.content.decode()
    assert Membership.objects.filter(group=group).count() == 3

    # The page's button leads to what announcing does; nothing happens until it is confirmed.
    asked = client.get(reverse("workgroups:announce", args=[call.pk])).content.decode()
    assert "3 placed applicants become members" in asked
    undecided = call.applications.filter(decision=Application.Decision.PENDING).count()
    assert f"{undecided} applications still undecided are marked not selected" in asked
    assert "Every applicant (4) is e-mailed the decision" in asked
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        unconfirmed = client.post(url, {"action": "announce"})
    assert unconfirmed.status_code == 200
    assert not callbacks
    assert not Membership.objects.filter(active=True).exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"action": "announce", "confirm": "yes"})
    assert len(callbacks) == 4
    assert Membership.objects.filter(active=True).count() == 3
    # Announced: the confirmation page sends back to the selection with the reason.
    again = client.get(reverse("workgroups:announce", args=[call.pk]), follow=True)
    assert "already announced" in again.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator", "verifier"])
def test_the_announcement_page_is_for_editors(role: str) -> None:
    from tests.roles import client_for

    call = close(RecruitmentCallFactory(groups=[WorkingGroupFactory()]))
    client, _ = client_for(role)
    expect_refused(client.get(reverse("workgroups:announce", args=[call.pk])), role)


def test_a_seat_filled_by_an_earlier_call_can_be_freed_from_the_selection_page() -> None:
    group = WorkingGroupFactory()
    earlier = close(RecruitmentCallFactory(groups=[group]))
    application = ApplicationFactory(call=earlier, first_choice=group)
    services.place_applicant(application=application, group_id=group.pk, seat="resident")
    services.announce_selection(call=earlier)
    seated = Membership.objects.get(application=application)
    call = close(RecruitmentCallFactory(groups=[group]))
    client = english(Client())
    client.force_login(editor())
    url = reverse("workgroups:selection", args=[call.pk])
    assert f'name="membership" value="{seated.pk}"' in client.get(url).content.decode()

    response = client.post(url, {"action": "remove", "membership": seated.pk}, follow=True)

    assert response.status_code == 200
    assert "removed from the seat" in response.content.decode()
    assert not Membership.objects.filter(pk=seated.pk).exists()


def test_a_seat_of_another_group_cannot_be_freed_from_this_call() -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    earlier = close(RecruitmentCallFactory(groups=[other]))
    application = ApplicationFactory(call=earlier, first_choice=other)
    services.place_applicant(application=application, group_id=other.pk, seat="resident")
    seated = Membership.objects.get(application=application)
    call = close(RecruitmentCallFactory(groups=[group]))
    client = Client()
    client.force_login(editor())
    url = reverse("workgroups:selection", args=[call.pk])

    response = client.post(url, {"action": "remove", "membership": seated.pk})

    assert response.status_code == 404
    assert Membership.objects.filter(pk=seated.pk).exists()


# --- Query counts ---------------------------------------------------------------------------


def page_overhead(client: Client) -> int:
    """Queries every page costs this visitor: the session, the user, and what the site menu
    asks (the user's roles and their group, for the rules).

    Counted on a page with nothing of its own (the accessibility statement), so that the
    pins below are each page's own queries and the menu can grow without touching them.
    The page is asked for twice: what the menu keeps between requests is kept by then.
    """
    client.get(reverse("accessibility"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("accessibility")).status_code == 200
    return len(queries)


def signed_in_editor() -> Client:
    client = Client()
    client.force_login(editor())
    return client


@pytest.mark.parametrize("rows", [2, 6])
def test_group_list_query_count(rows: int, django_assert_num_queries: Callable[..., Any]) -> None:
    for _ in range(rows):
        group = WorkingGroupFactory()
        member(group)
    client = Client()
    overhead = page_overhead(client)
    # 1 groups with areas, 2 their quotas, 3 active seats counted by group and kind,
    # 4 open calls.
    with django_assert_num_queries(overhead + 4):
        response = client.get(reverse("workgroups:group_list"))
    assert response.content.decode().count("<tr>") == rows + 1


@pytest.mark.parametrize("rows", [2, 6])
def test_group_detail_query_count(rows: int, django_assert_num_queries: Callable[..., Any]) -> None:
    group = WorkingGroupFactory(quotas={"resident": 10})
    for number in range(rows):
        member(group)
        published = recommendation(group, title=f"Rekomendacja {number}")
        Recommendation.objects.filter(pk=published.pk).update(published_at=timezone.now())
    recommendation(group, title="Szkic, jeszcze nieopublikowany")
    client = Client()
    overhead = page_overhead(client)
    # 1 group with area, 2 quotas, 3 active seats counted, 4 roster with applications,
    # 5 published recommendations, 6 open calls of the group.
    with django_assert_num_queries(overhead + 6):
        response = client.get(reverse("workgroups:group_detail", args=[group.slug]))
    html = response.content.decode()
    assert html.count('<th scope="row">') == rows + 6
    assert html.count("Rekomendacja ") == rows
    assert "Szkic" not in html


@pytest.mark.parametrize("rows", [2, 6])
def test_call_staff_list_query_count(
    rows: int, django_assert_num_queries: Callable[..., Any]
) -> None:
    group = WorkingGroupFactory()
    for _ in range(rows):
        call = RecruitmentCallFactory(groups=[group])
        ApplicationFactory(call=call, first_choice=group)
    client = signed_in_editor()
    overhead = page_overhead(client)
    # 1 calls with their counts, 2 groups with areas, 3 their quotas.
    with django_assert_num_queries(overhead + 3):
        response = client.get(reverse("workgroups:call_staff_list"))
    assert response.content.decode().count("/selection/") == rows


@pytest.mark.parametrize("rows", [2, 6])
def test_application_list_query_count(
    rows: int, django_assert_num_queries: Callable[..., Any]
) -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = RecruitmentCallFactory(groups=[group, other])
    for _ in range(rows):
        ApplicationFactory(call=call, first_choice=group, second_choice=other)
    client = signed_in_editor()
    overhead = page_overhead(client)
    # 1 the call, 2 the chosen group of the filter (validated), 3 count for the paginator,
    # 4 the groups listed in the filter, 5 the page of applications with applicant and
    # chosen groups with their areas joined.
    with django_assert_num_queries(overhead + 5):
        response = client.get(
            reverse("workgroups:application_list", args=[call.pk]), {"group": group.pk}
        )
    assert response.content.decode().count('class="panel"') == rows


@pytest.mark.parametrize("rows", [2, 6])
def test_selection_query_count(rows: int, django_assert_num_queries: Callable[..., Any]) -> None:
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    call = close(RecruitmentCallFactory(groups=[group, other]))
    applications = [
        ApplicationFactory(call=call, first_choice=group, second_choice=other) for _ in range(rows)
    ]
    services.place_applicant(application=applications[0], group_id=group.pk, seat="resident")
    propose_selection(call=call, editor=editor(), seed=3)
    client = signed_in_editor()
    overhead = page_overhead(client)
    # 1 the call, 2 its groups with areas, 3 their quotas, 4 seats taken with applications
    # and users, 5 the applications to decide with their groups, 6 recent draws with who
    # drew them.
    with django_assert_num_queries(overhead + 6):
        response = client.get(reverse("workgroups:selection", args=[call.pk]))
    assert response.status_code == 200


# --- Editors' forms: refusals keep what was typed ---------------------------------------------


def test_seats_below_the_taken_ones_are_refused_and_the_numbers_kept() -> None:
    scene = build_scene()
    member(scene.group)  # a resident seat taken
    client = english(scene.client("editor"))
    response = client.post(
        reverse("workgroups:quota_edit", args=[scene.group.slug]),
        {
            "leader": "1",
            "resident": "0",
            "university": "2",
            "business": "1",
            "ngo": "1",
            "city": "3",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "already taken; remove people first" in page
    assert 'name="university" value="2"' in page
    assert seats_of(scene.group)["university"] == 1


def test_a_call_closing_before_it_opens_is_refused_with_the_text_kept() -> None:
    scene = build_scene()
    client = english(scene.client("editor"))
    response = client.post(
        reverse("workgroups:call_create"),
        {
            "title": "Nabór jesienny",
            "text": "Długi tekst ogłoszenia.",
            "opens_at": "2030-02-01T10:00",
            "closes_at": "2030-01-01T10:00",
            "groups": [str(scene.group.pk), str(scene.other_group.pk)],
        },
    )
    page = response.content.decode()
    assert "The call must close after it opens." in page
    assert "Długi tekst ogłoszenia." in page
    assert not RecruitmentCall.objects.filter(title="Nabór jesienny").exists()


def test_a_group_with_applications_cannot_be_taken_off_the_call() -> None:
    scene = build_scene()
    client = english(scene.client("editor"))
    response = client.post(
        reverse("workgroups:call_edit", args=[scene.call.pk]),
        {
            "title": scene.call.title,
            "text": scene.call.text,
            "opens_at": timezone.localtime(scene.call.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": timezone.localtime(scene.call.closes_at).strftime("%Y-%m-%dT%H:%M"),
            "groups": [str(scene.other_group.pk)],
        },
    )
    assert "keep it in the call" in response.content.decode()
    assert set(scene.call.groups.all()) == {scene.group, scene.other_group}


def test_notes_go_back_to_the_filtered_list() -> None:
    scene = build_scene()
    application = Application.objects.get(call=scene.call)
    listing = reverse("workgroups:application_list", args=[scene.call.pk]) + "?sector=resident"
    response = scene.client("editor").post(
        reverse("workgroups:application_notes", args=[scene.call.pk, application.pk]),
        {"review_notes": "Zaprosić na rozmowę.", "next": listing},
    )
    assert response.url == listing
    response = scene.client("editor").post(
        reverse("workgroups:application_notes", args=[scene.call.pk, application.pk]),
        {"review_notes": "Zaprosić na rozmowę.", "next": "https://example.org/"},
    )
    assert response.url == reverse("workgroups:application_list", args=[scene.call.pk])
