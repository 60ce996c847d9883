from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.workgroups.factories import recommendation
from tests.workgroups.grid import build_scene
from workgroups.models import DEFAULT_SEATS, SeatQuota, WorkingGroup
from workgroups.selectors import seats_of
from workgroups.services.groups import ensure_working_groups

pytestmark = pytest.mark.django_db


def test_every_area_gets_a_group_with_lublins_seats(lublin_process: None) -> None:
    groups = ensure_working_groups()
    assert len(groups) == 12
    assert seats_of(groups[0]) == DEFAULT_SEATS
    assert sum(seats_of(groups[0]).values()) == 10


def test_running_again_keeps_groups_and_changed_quotas(lublin_process: None) -> None:
    first = ensure_working_groups()[0]
    SeatQuota.objects.filter(group=first, seat="resident").update(seats=5)
    ensure_working_groups()
    assert WorkingGroup.objects.count() == 12
    assert seats_of(first)["resident"] == 5


@pytest.mark.parametrize(
    ("role", "workspace", "edit", "submit"),
    [
        ("anonymous", False, False, False),
        ("resident", False, False, False),
        ("applicant", False, False, False),
        ("other_member", False, False, False),
        ("member", True, True, False),
        ("leader", True, True, True),
        ("moderator", True, False, False),
        ("editor", True, False, False),
        ("verifier", False, False, False),
    ],
)
def test_group_permissions(role: str, workspace: bool, edit: bool, submit: bool) -> None:
    scene = build_scene()
    rec = recommendation(scene.group)
    person = scene.people[role]
    user = person or AnonymousUser()
    assert user.has_perm("workgroups.view_workspace", scene.group) is workspace
    assert user.has_perm("workgroups.edit_recommendation", rec) is edit
    assert user.has_perm("workgroups.submit_recommendation", rec) is submit
