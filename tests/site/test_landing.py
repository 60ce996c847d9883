"""Where each role lands after logging in, the header's "My panel" link, the editors'
dashboard, the updates' archive and the name allauth's e-mails greet with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from lublin2030.landing import SESSION_KEY
from lublin2030.models import User
from opinions.answers.models import ConsultationAnswer
from tests.factories import (
    TEST_PASSWORD,
    ConsultationFactory,
    StageUpdateFactory,
    UserFactory,
    editor,
    moderator,
    verifier,
)
from tests.roles import client_for, expect_refused
from tests.workgroups.factories import RecruitmentCallFactory, WorkingGroupFactory, member

pytestmark = pytest.mark.django_db


def verified(user: User) -> User:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client: Client, user: User, **extra: str) -> str:
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": TEST_PASSWORD, **extra}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response.url)


@pytest.mark.parametrize(
    ("make", "lands_on"),
    [
        (editor, "/panel/"),
        (moderator, "/staff/moderation/"),
        (verifier, "/staff/verification/"),
        (lambda: UserFactory(), "/moje/"),
        (lambda: UserFactory(is_superuser=True), "/panel/"),
    ],
)
def test_each_role_lands_where_its_work_is(client: Client, make: object, lands_on: str) -> None:
    user = verified(make())  # type: ignore[operator]
    assert log_in(client, user) == lands_on
    assert client.session[SESSION_KEY] == lands_on


def test_a_group_member_lands_on_the_group_workspace(client: Client) -> None:
    group = WorkingGroupFactory()
    user = verified(member(group))
    assert log_in(client, user) == f"/groups/{group.slug}/workspace/"


def test_a_next_address_still_wins(client: Client) -> None:
    user = verified(moderator())
    assert log_in(client, user, next="/opinions/") == "/opinions/"


def test_my_panel_link_costs_no_query_once_logged_in(
    client: Client, django_assert_num_queries: object
) -> None:
    user = verified(editor())
    log_in(client, user)
    html = client.get("/updates/").content.decode()
    assert 'href="/panel/">Mój panel</a>' in html
    # A session from before this link: the first page works the panel out and keeps it.
    session = client.session
    del session[SESSION_KEY]
    session.save()
    assert 'href="/panel/"' in client.get("/updates/").content.decode()
    assert client.session[SESSION_KEY] == "/panel/"


def test_visitors_see_no_panel_link(client: Client) -> None:
    assert "Mój panel" not in client.get("/updates/").content.decode()


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator", "verifier"])
def test_the_dashboard_is_for_editors_only(role: str) -> None:
    client, _ = client_for(role)
    expect_refused(client.get("/panel/"), role)


def test_the_dashboard_shows_deadlines_answers_and_calls_in_fixed_queries(
    django_assert_num_queries: object,
) -> None:
    now = timezone.now()
    closed = ConsultationFactory(
        title="Projekt strategii",
        kind="document",
        opens_at=now - dt.timedelta(days=50),
        closes_at=now - dt.timedelta(days=10),
    )
    for _ in range(3):
        ConsultationFactory(
            opens_at=now - dt.timedelta(days=5), closes_at=now + dt.timedelta(days=5)
        )
    for _ in range(2):
        ConsultationAnswer.objects.create(
            consultation=closed, decision="accepted", justification="Tak."
        )
    RecruitmentCallFactory(title="Nabór do grup")
    client, _ = client_for("editor")
    client.get("/panel/")  # sessions, the user's groups and the like, once
    # session, user, groups (the header's rights), consultations with their answers and
    # reports, calls with applications, stage, reports building, failed, opinions and
    # comments waiting, the user's and their groups' model permissions (the panel's own
    # links ask has_perm, which goes on to Django's model backend when the rules say no)
    with django_assert_num_queries(12):  # type: ignore[operator]
        html = client.get("/panel/").content.decode()
    assert "Projekt strategii" in html
    assert "20 dni" in html  # 30 days after the close, 10 of them gone
    assert "Nabór do grup" in html
    assert "2 odpowiedzi do zatwierdzenia" in html


def test_the_updates_archive_pages_ten_at_a_time(client: Client) -> None:
    for number in range(12):
        StageUpdateFactory(title=f"Wiadomość {number:02d}")
    first = client.get("/updates/").content.decode()
    second = client.get("/updates/?page=2").content.decode()
    assert first.count("<li>\n          <h2>") == 10
    assert second.count("<li>\n          <h2>") == 2
    assert 'rel="next"' in first


def test_page_titles_name_the_page_then_the_portal(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "<title>Strona główna – Strategia Lublin 2030</title>" in html
    assert 'rel="icon"' in html


def test_the_menu_marks_the_current_page(client: Client) -> None:
    html = client.get("/updates/").content.decode()
    assert 'href="/updates/" aria-current="page"' in html
    assert 'href="/opinions/" aria-current' not in html


def test_allauth_emails_greet_with_the_portals_name(client: Client) -> None:
    client.post(
        "/accounts/signup/",
        {
            "email": "ewa@example.org",
            "password1": "Lublin-2030-haslo!",
            "password2": "Lublin-2030-haslo!",
        },
    )
    body = mail.outbox[0].body
    assert "Strategia Lublin 2030" in body
    assert "testserver" not in body.splitlines()[0]


def test_stage_pages_link_what_each_stage_produced(client: Client, lublin_process: None) -> None:
    from stages.models import Stage

    pages = {stage.number: client.get(stage.get_absolute_url()) for stage in Stage.objects.all()}
    second = pages[2].content.decode()
    assert "Co przyniósł ten etap" in second
    assert 'href="/opinions/"' in second.split("Co przyniósł ten etap")[1]
    assert 'href="/reports/"' in second.split("Co przyniósł ten etap")[1]
    assert 'href="/recommendations/"' in pages[3].content.decode().split("Co przyniósł")[1]
    assert 'href="/strategy/reports/"' in pages[9].content.decode().split("Co przyniósł")[1]
    assert "Co przyniósł ten etap" not in pages[1].content.decode()


def test_demo_logins_are_labelled_by_role() -> None:
    from lublin2030.management.commands.seed_demo import DEMO_ACCOUNTS, _demo_role

    labels = {spec["email"]: _demo_role(spec.get("seat")) for spec in DEMO_ACCOUNTS}
    assert labels["lider@demo.lublin2030.pl"] == "leader"
    assert labels["czlonek@demo.lublin2030.pl"] == "member"
