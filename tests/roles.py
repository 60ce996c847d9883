"""The grid of roles every protected view is tested over, and what a refusal looks like."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from lublin2030.models import User
from tests.factories import UserFactory, editor, moderator, verifier

ROLES: dict[str, Callable[[], User | None]] = {
    "anonymous": lambda: None,
    "resident": lambda: UserFactory(),
    "verifier": verifier,
    "editor": editor,
    "moderator": moderator,
    "superuser": lambda: UserFactory(is_superuser=True),
}


def client_for(role: str, *, english: bool = False) -> tuple[Client, User | None]:
    """A client logged in with the role (none for anonymous), and the user."""
    client = Client()
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = ROLES[role]()
    if user is not None:
        client.force_login(user)
    return client, user


def expect_refused(response: Any, role: str) -> None:
    """Anonymous people are sent to log in; signed-in people without the role get 403."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
