from __future__ import annotations

import rules

from core.roles import is_editor, is_staff_member, is_superuser

rules.add_perm("stages.manage_updates", is_editor)
rules.add_perm("stages.manage_stages", is_editor)
rules.add_perm("stages.view_staff_pages", is_staff_member)
rules.add_perm("stages.manage_consultations", is_editor)
# The strategy's editorial team builds the strategy, records its adoption and monitoring.
rules.add_perm("stages.manage_strategy", is_editor)
# Administrators configure the process: its thematic areas and districts.
rules.add_perm("stages.configure_process", is_superuser)
