"""The Django admin's log-in is throttled like allauth's (lublin2030/admin_login.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from lublin2030.admin_login import ADMIN_LOGIN_FAILURES
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def test_the_right_password_is_refused_after_many_wrong_ones(client: Client) -> None:
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(30):
        client.post(LOGIN, {"username": admin_user.username, "password": "wrong-password-1"})

    response = client.post(LOGIN, {"username": admin_user.username, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_few_mistakes_still_let_the_right_password_in(client: Client) -> None:
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(ADMIN_LOGIN_FAILURES - 1):
        client.post(LOGIN, {"username": admin_user.username, "password": "wrong-password-1"})

    response = client.post(LOGIN, {"username": admin_user.username, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)
