"""Giving and taking a staff role: the person's group changes and the change is logged
(core.audit), in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from core.audit import record_role
from core.roles import ROLE_GROUPS, role_group

from ..models import User


def _locked(person: User) -> User:
    # Two administrators acting on one person at once: the second waits, then sees the
    # first one's change, so a role is never logged as given twice.
    return User.objects.select_for_update().get(pk=person.pk)


def _check(role: str) -> Group:
    if role not in ROLE_GROUPS:
        raise ValueError(f"not a staff role: {role!r}")
    return role_group(role)


@transaction.atomic
def grant_role(*, actor: User, person: User, role: str) -> bool:
    """Give `person` the role; False (and nothing logged) if they already have it."""
    group = _check(role)
    person = _locked(person)
    if person.groups.filter(pk=group.pk).exists():
        return False
    person.groups.add(group)
    record_role(actor=actor, person=person, role=role, granted=True)
    return True


@transaction.atomic
def withdraw_role(*, actor: User, person: User, role: str) -> bool:
    """Take the role from `person`; False (and nothing logged) if they did not have it."""
    group = _check(role)
    person = _locked(person)
    if not person.groups.filter(pk=group.pk).exists():
        return False
    person.groups.remove(group)
    record_role(actor=actor, person=person, role=role, granted=False)
    return True
