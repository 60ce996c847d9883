"""The administrators' roles page: who has which role, giving and taking the staff roles,
and the log of every change (who, when, what)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core.audit import RoleChange, read_role_change, role_changes
from core.roles import EDITORS, MODERATORS, VERIFIERS
from lublin2030.models import User
from lublin2030.roles.services import grant_role, withdraw_role
from stages.models import Stage, ThematicArea
from tests.factories import UserFactory, editor, moderator, verifier
from tests.roles import ROLES, client_for, expect_refused
from tests.workgroups.factories import WorkingGroupFactory, leader, member

pytestmark = pytest.mark.django_db

URL = "/staff/roles/"
WITHDRAW_URL = "/staff/roles/withdraw/"


def polish(text: str) -> str:
    with translation.override("pl"):
        return str(translation.gettext(text))


def gave_in_polish(role: str, person: str) -> str:
    """The log's line for a role given, as the Polish page says it."""
    with translation.override("pl"):
        return translation.gettext("gave the role „%(role)s” to %(person)s") % {
            "role": translation.gettext(role),
            "person": person,
        }


@pytest.fixture
def admin_client() -> tuple[Client, User]:
    admin = UserFactory(is_superuser=True, display_name="Anna Administratorka")
    client = Client()
    client.force_login(admin)
    return client, admin


def roles_of(person: User) -> set[str]:
    return set(person.groups.values_list("name", flat=True))


def test_the_addresses() -> None:
    assert reverse("roles") == URL
    assert reverse("roles_withdraw") == WITHDRAW_URL


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"superuser"}))
def test_only_administrators_see_and_change_roles(role: str) -> None:
    client = client_for(role)[0]
    target = UserFactory()
    expect_refused(client.get(URL), role)
    expect_refused(client.post(URL, {"email": target.email, "role": EDITORS}), role)
    expect_refused(client.post(WITHDRAW_URL, {"person": target.pk, "role": EDITORS}), role)
    assert roles_of(target) == set()
    assert not LogEntry.objects.exists()


def test_an_administrator_gives_a_role_and_the_log_says_who_when_what(
    admin_client: tuple[Client, User],
) -> None:
    client, admin = admin_client
    person = UserFactory(email="Jan.Kowalski@example.org", display_name="Jan Kowalski")
    # The address is found whatever its case.
    response = client.post(URL, {"email": "jan.kowalski@example.org", "role": MODERATORS})
    assert response.status_code == 302 and response.url == URL
    assert roles_of(person) == {MODERATORS}
    (entry,) = role_changes(User)
    assert entry.user == admin
    assert entry.object_id == str(person.pk)
    change = read_role_change(entry)
    assert change is not None and change.granted and change.role == MODERATORS

    page = client.get(URL)
    html = page.content.decode()
    assert polish("Log of role changes") in html
    assert gave_in_polish("moderator", "Jan Kowalski") in html
    assert "Anna Administratorka" in html
    assert f'datetime="{timezone.localtime(entry.action_time).isoformat()}"' in html


def test_withdrawing_a_role_is_logged_too(admin_client: tuple[Client, User]) -> None:
    client, admin = admin_client
    person = editor()
    response = client.post(WITHDRAW_URL, {"person": person.pk, "role": EDITORS})
    assert response.status_code == 302
    assert roles_of(person) == set()
    (entry,) = role_changes(User)
    change = read_role_change(entry)
    assert change is not None and not change.granted and change.role == EDITORS
    assert entry.user == admin
    # Withdrawing again changes and logs nothing.
    client.post(WITHDRAW_URL, {"person": person.pk, "role": EDITORS})
    assert role_changes(User).count() == 1


def test_an_unknown_address_is_refused_in_polish(admin_client: tuple[Client, User]) -> None:
    client, _ = admin_client
    response = client.post(URL, {"email": "nikt@example.org", "role": VERIFIERS})
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        polish("No account uses this address. The person must sign up on the portal first.")
    ]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not LogEntry.objects.exists()


def test_a_role_already_held_is_refused(admin_client: tuple[Client, User]) -> None:
    client, _ = admin_client
    person = verifier()
    response = client.post(URL, {"email": person.email, "role": VERIFIERS})
    assert response.status_code == 400
    (error,) = response.context["form"].errors["role"]
    with translation.override("pl"):
        assert translation.gettext("verifier") in error
    assert not LogEntry.objects.exists()


def test_a_role_that_is_no_staff_role_is_refused(admin_client: tuple[Client, User]) -> None:
    client, _ = admin_client
    person = UserFactory()
    Group.objects.create(name="Superheroes")
    assert client.post(URL, {"email": person.email, "role": "Superheroes"}).status_code == 400
    assert (
        client.post(WITHDRAW_URL, {"person": person.pk, "role": "Superheroes"}).status_code == 302
    )
    assert roles_of(person) == set()
    with pytest.raises(ValueError, match="not a staff role"):
        grant_role(actor=person, person=person, role="Superheroes")


def test_services_return_whether_anything_changed() -> None:
    admin, person = UserFactory(is_superuser=True), UserFactory()
    assert grant_role(actor=admin, person=person, role=EDITORS) is True
    assert grant_role(actor=admin, person=person, role=EDITORS) is False
    assert withdraw_role(actor=admin, person=person, role=EDITORS) is True
    assert withdraw_role(actor=admin, person=person, role=EDITORS) is False
    assert role_changes(User).count() == 2
    # The editors' group keeps the permissions its migration gives it.
    assert person.groups.count() == 0
    grant_role(actor=admin, person=person, role=EDITORS)
    assert User.objects.get(pk=person.pk).has_perm("opinions.build_reports")


def test_the_list_shows_every_role_and_working_group_in_polish_order(
    admin_client: tuple[Client, User], django_assert_num_queries: Any
) -> None:
    client, _ = admin_client
    both = UserFactory(display_name="Żaneta Żak", roles=[MODERATORS, EDITORS])
    UserFactory(display_name="Łucja Łoś", roles=[VERIFIERS])
    UserFactory(display_name="Zenon Zając", roles=[MODERATORS])
    group = WorkingGroupFactory(area=ThematicArea.objects.create(number=1, slug="a", name="A"))
    leader(group)
    member(group, user=UserFactory(display_name="Ludwik Lis"))
    UserFactory(display_name="Bez Roli")  # a resident: not listed
    for _ in range(3):
        grant_role(actor=both, person=UserFactory(), role=VERIFIERS)
    # 1 the session, 2 the user, 3 the people with a role, 4 their roles, 5 their seats with
    # groups and areas, 6 the log's count, 7 the log's page with who did it; the menu's
    # permissions need no query for an administrator.
    with django_assert_num_queries(7):
        response = client.get(URL)
    assert response.status_code == 200
    rows = response.context["people"]
    names = [str(row.person) for row in rows]
    assert "Bez Roli" not in names
    assert names.index("Ludwik Lis") < names.index("Łucja Łoś") < names.index("Zenon Zając")
    assert names.index("Zenon Zając") < names.index("Żaneta Żak")
    row = rows[names.index("Żaneta Żak")]
    # Roles in one order, each with what it is called.
    assert [role for role, _ in row.roles] == [MODERATORS, EDITORS]
    lis = rows[names.index("Ludwik Lis")]
    assert [m.group for m in lis.memberships] == [group]
    html = response.content.decode()
    assert f'value="{row.person.pk}"' in html
    assert "Anna Administratorka" in names


def test_the_log_lists_the_latest_change_first(admin_client: tuple[Client, User]) -> None:
    client, _ = admin_client
    person = moderator()
    client.post(URL, {"email": person.email, "role": EDITORS})
    client.post(WITHDRAW_URL, {"person": person.pk, "role": MODERATORS})
    assert roles_of(person) == {EDITORS}
    # Newest first.
    assert [read_role_change(entry) for entry in role_changes(User)] == [
        RoleChange(granted=False, role=MODERATORS),
        RoleChange(granted=True, role=EDITORS),
    ]


LOG_URL = "/staff/log/"


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"superuser"}))
def test_only_administrators_read_the_change_log(role: str) -> None:
    expect_refused(client_for(role)[0].get(LOG_URL), role)


def test_the_change_log_shows_roles_set_up_and_pinned_stages(
    admin_client: tuple[Client, User], lublin_process: None, django_assert_num_queries: Any
) -> None:
    client, admin = admin_client
    assert reverse("change_log") == LOG_URL
    person = UserFactory(display_name="Jan Kowalski")
    grant_role(actor=admin, person=person, role=VERIFIERS)
    stage = Stage.objects.get(number=2)
    client.post(
        reverse("stages:staff_stage_pin", args=[stage.pk]), {f"{stage.pk}-pinned_status": "current"}
    )
    client.post(reverse("stages:staff_district_create"), {"name": "Nowa Dzielnica"})
    withdraw_role(actor=admin, person=person, role=VERIFIERS)
    for _ in range(3):
        grant_role(actor=admin, person=UserFactory(), role=MODERATORS)
    # 1 the session, 2 the user, 3 the log's count, 4 its page with who did it and the kind
    # of thing changed.
    with django_assert_num_queries(4):
        response = client.get(LOG_URL)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert gave_in_polish("verifier", "Jan Kowalski") in html
    assert "„Nowa Dzielnica”" in html
    assert f"„{stage}”" in html
    lines = response.context["log"]
    assert len(lines) == 7
    assert [line.entry.user for line in lines] == [admin] * 7


def test_an_administrators_dashboard_links_roles_log_and_set_up(
    admin_client: tuple[Client, User],
) -> None:
    client, _ = admin_client
    html = client.get(reverse("dashboard")).content.decode()
    for name in ("roles", "change_log", "stages:staff_area_list"):
        assert f'href="{reverse(name)}"' in html
    editors = client_for("editor")[0].get(reverse("dashboard")).content.decode()
    for name in ("change_log", "stages:staff_area_list"):
        assert f'href="{reverse(name)}"' not in editors


def test_my_panel_follows_a_role_given_or_taken_without_logging_in_again(
    admin_client: tuple[Client, User],
) -> None:
    _, admin = admin_client
    person = moderator()
    client = Client()
    client.force_login(person)
    assert 'href="/staff/moderation/"' in client.get("/updates/").content.decode()
    withdraw_role(actor=admin, person=person, role=MODERATORS)
    grant_role(actor=admin, person=person, role=EDITORS)
    html = client.get("/updates/").content.decode()
    assert '<a href="/panel/">' in html
    withdraw_role(actor=admin, person=person, role=EDITORS)
    assert '<a href="/moje/">' in client.get("/updates/").content.decode()


def test_my_panel_costs_no_query_of_its_own(django_assert_num_queries: Any) -> None:
    person = moderator()
    client = Client()
    client.force_login(person)
    client.get("/updates/")
    # The session, the updates' count, the user, the user's groups (the menu's rights and
    # the panel's roles share it): the list of updates is empty.
    with django_assert_num_queries(4):
        client.get("/updates/")
