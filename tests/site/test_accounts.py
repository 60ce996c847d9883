from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client

from core.roles import ROLE_GROUPS
from lublin2030.models import User

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrations() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUPS)


def test_sign_up_sends_a_polish_verification_email(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "anna@example.org",
            "password1": "Lublin-2030-haslo!",
            "password2": "Lublin-2030-haslo!",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="anna@example.org").exists()
    assert len(mail.outbox) == 1
    assert "anna@example.org" in mail.outbox[0].to


def test_login_page_is_in_the_site_layout_and_polish(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="pl">' in html
    assert 'class="site-header"' in html
    assert "Zaloguj" in html
    assert '<label for="id_login"' in html


def test_seed_demo_creates_an_account_per_role_and_is_safe_to_rerun(
    lublin_process: None, var_dir: object
) -> None:
    call_command("seed_demo", opinions=0)
    call_command("seed_demo", opinions=0)

    for role in ROLE_GROUPS:
        assert User.objects.filter(groups__name=role).count() == 1
    assert User.objects.filter(is_superuser=True).count() == 1
    from stages.models import StageUpdate

    assert StageUpdate.objects.visible().count() == 4
    from workgroups.models import Membership

    # The demo leader and member log in to the first group's workspace.
    seats = dict(Membership.objects.values_list("user__email", "seat"))
    assert seats["lider@demo.lublin2030.pl"] == "leader"
    assert seats["czlonek@demo.lublin2030.pl"] == "city"
    assert len(seats) == 120
