"""Secure by default: headers, cookies, staff idle timeout, passwords, the security log."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lublin2030 import middleware
from tests.factories import TEST_PASSWORD, UserFactory, editor, moderator

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/staff/moderation/"


def test_every_page_sends_a_permissions_policy(client: Client) -> None:
    response = client.get("/")
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_language_cookie_is_httponly_and_lax(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_staff_session_ends_after_an_idle_hour(client: Client, settings: Any) -> None:
    settings.STAFF_IDLE_SECONDS = 3600
    client.login(username=moderator().username, password=TEST_PASSWORD)
    assert client.get(STAFF_PAGE).status_code == 200

    session = client.session
    session[middleware.LAST_SEEN] = int(time.time()) - 3601
    session.save()

    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_active_staff_session_stays(client: Client) -> None:
    client.login(username=moderator().username, password=TEST_PASSWORD)
    session = client.session
    session[middleware.LAST_SEEN] = int(time.time()) - 1800
    session.save()

    assert client.get(STAFF_PAGE).status_code == 200
    assert client.session[middleware.LAST_SEEN] >= int(time.time()) - 5  # renewed


def test_a_residents_session_is_not_timed(client: Client) -> None:
    resident = UserFactory()
    client.login(username=resident.username, password=TEST_PASSWORD)
    assert middleware.STAFF_SESSION not in client.session


def test_passwords_need_twelve_characters() -> None:
    with pytest.raises(ValidationError):
        validate_password("Lublin2030!")  # 11
    validate_password("Lublin-2030-zielen")


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_security_log_has_logins_failures_refusals_and_role_changes(
    client: Client,
) -> None:
    from django.contrib.auth.models import Group

    person = editor()
    recorder = Recorder()
    # The security logger does not propagate to the root (it has a handler of its own).
    logging.getLogger("security").addHandler(recorder)
    try:
        client.login(username=person.username, password="not the password")
        client.login(username=person.username, password=TEST_PASSWORD)
        resident = UserFactory()
        client.force_login(resident)
        client.get(STAFF_PAGE)  # a resident on a staff page: 403
        resident.groups.add(Group.objects.get(name="Moderators"))
    finally:
        logging.getLogger("security").removeHandler(recorder)

    lines = recorder.lines
    assert any(line.startswith("login failed") for line in lines)
    assert any(line.startswith(f"login user={person.pk}") for line in lines)
    assert any(line.startswith(f"refused user={resident.pk}") for line in lines)
    assert any(line.startswith("roles changed") and f"target_user={resident.pk}" in line
               for line in lines)  # fmt: skip
    assert not any(TEST_PASSWORD in line or "not the password" in line for line in lines)


def test_every_page_sends_a_content_security_policy_without_inline_code(client: Client) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


# The PDF's template is rendered by WeasyPrint, never served: its <style> is allowed.
SERVED_ONLY_AS_PDF = {
    "opinions/reports/print.html",
    "opinions/answers/report/print.html",
    "stages/strategy/report/print.html",
    "workgroups/summary/print.html",
}


def test_no_served_template_has_inline_scripts_styles_or_handlers() -> None:
    import re
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "templates"
    found: list[str] = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name in SERVED_ONLY_AS_PDF:
            continue
        html = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"<style\b",
            r"\sstyle=\"",
            r"\son[a-z]+=\"",
        ):
            found.extend(f"{name}: {match}" for match in re.findall(pattern, html))
    assert found == []
