"""Staff roles, shared by every app: Django groups and the `rules` predicates over them."""

from __future__ import annotations

import rules

MODERATORS = "Moderators"
EDITORS = "Editors"
VERIFIERS = "Verifiers"
ROLE_GROUPS = (MODERATORS, EDITORS, VERIFIERS)
# Model permissions each role's group is given by a migration (app_label.codename). Most
# rights are `rules` predicates over the groups; these are Django permissions so that an
# administrator can also give them to another group.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {EDITORS: ("opinions.build_reports",)}

is_superuser = rules.is_superuser
is_editor = rules.is_group_member(EDITORS) | is_superuser
is_moderator = rules.is_group_member(MODERATORS) | is_superuser
is_verifier = rules.is_group_member(VERIFIERS) | is_superuser
is_staff_member = is_editor | is_moderator | is_verifier
