"""The grid of roles the working-group views are tested over.

Roles relative to one group: its member and leader, a member of another group, an applicant
to the open call, plus the staff roles and the anonymous visitor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.test import Client

from lublin2030.models import User
from tests.factories import UserFactory, editor, moderator, verifier
from tests.workgroups.factories import (
    ApplicationFactory,
    RecruitmentCallFactory,
    WorkingGroupFactory,
    leader,
    member,
)
from workgroups.models import RecruitmentCall, WorkingGroup

ROLES = (
    "anonymous",
    "resident",
    "applicant",
    "other_member",
    "member",
    "leader",
    "moderator",
    "editor",
    "verifier",
    "superuser",
)


@dataclass
class Scene:
    """A group, another group, an open call for both, and one person per role."""

    group: WorkingGroup
    other_group: WorkingGroup
    call: RecruitmentCall
    people: dict[str, User | None]

    def client(self, role: str) -> Client:
        client = Client()
        person = self.people[role]
        if person is not None:
            client.force_login(person)
        return client


def english(client: Client) -> Client:
    """The client, asking for the pages in English (the messages the tests compare)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def build_scene() -> Scene:
    group = WorkingGroupFactory()
    other_group = WorkingGroupFactory()
    call = RecruitmentCallFactory(groups=[group, other_group])
    applicant = UserFactory()
    ApplicationFactory(call=call, applicant=applicant, first_choice=group)
    makers: dict[str, Callable[[], User | None]] = {
        "anonymous": lambda: None,
        "resident": lambda: UserFactory(),
        "applicant": lambda: applicant,
        "other_member": lambda: member(other_group),
        "member": lambda: member(group),
        "leader": lambda: leader(group),
        "moderator": moderator,
        "editor": editor,
        "verifier": verifier,
        "superuser": lambda: UserFactory(is_superuser=True),
    }
    return Scene(group, other_group, call, {role: make() for role, make in makers.items()})
