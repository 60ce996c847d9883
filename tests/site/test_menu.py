"""The site menu's staff links: each role sees its own, and asking costs no model-permission
query (core/templatetags/portal_layout.py's `may` asks the rules alone)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.roles import ROLES, client_for

pytestmark = pytest.mark.django_db

# The menu's staff links (their Polish names) and who sees each.
LINKS = {
    "Zarządzaj aktualnościami": {"editor", "superuser"},
    "Obszary i dzielnice": {"superuser"},
    "Zarządzaj strategią": {"editor", "superuser"},
    "Moderacja": {"moderator", "superuser"},
    "Wydarzenia": {"moderator", "superuser"},
    "Zarządzaj raportami": {"moderator", "editor", "superuser"},
    "Nabór": {"editor", "superuser"},
    "Weryfikacja": {"verifier", "superuser"},
}


def menu_of(html: str) -> str:
    found = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert found is not None
    return found.group()


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_staff_links_and_no_model_permission_is_loaded(role: str) -> None:
    client, _user = client_for(role)
    url = reverse("accessibility")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        menu = menu_of(client.get(url).content.decode())
    for link, roles in LINKS.items():
        assert (f">{link}</a>" in menu) == (role in roles), (role, link)
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]
