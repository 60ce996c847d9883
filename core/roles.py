"""Staff roles, shared by every app: Django groups and the `rules` predicates over them."""

from __future__ import annotations

import rules
from django.contrib.auth.models import Group, Permission
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MODERATORS = "Moderators"
EDITORS = "Editors"
VERIFIERS = "Verifiers"
ROLE_GROUPS = (MODERATORS, EDITORS, VERIFIERS)
# What each role is called on the portal's pages (the groups' names are fixed, English).
ROLE_LABELS: dict[str, Promise] = {
    MODERATORS: _("moderator"),
    EDITORS: _("editor"),
    VERIFIERS: _("verifier"),
}
# Model permissions each role's group is given by a migration (app_label.codename). Most
# rights are `rules` predicates over the groups; these are Django permissions so that an
# administrator can also give them to another group.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {EDITORS: ("opinions.build_reports",)}

is_superuser = rules.is_superuser
is_editor = rules.is_group_member(EDITORS) | is_superuser
is_moderator = rules.is_group_member(MODERATORS) | is_superuser
is_verifier = rules.is_group_member(VERIFIERS) | is_superuser
is_staff_member = is_editor | is_moderator | is_verifier


def role_group(name: str) -> Group:
    """The role's group, made with the permissions it is given when missing (a migration
    makes them; a database without them, such as a flushed test database, gets them here)."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        for permission in ROLE_PERMISSIONS.get(name, ()):
            app_label, codename = permission.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group
