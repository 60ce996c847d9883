from __future__ import annotations

import rules

from core.roles import is_superuser

# Administrators give and take the staff roles (lublin2030/roles/).
rules.add_perm("lublin2030.manage_roles", is_superuser)
