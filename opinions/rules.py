from __future__ import annotations

import rules

from core.roles import is_editor, is_moderator

rules.add_perm("opinions.moderate_opinion", is_moderator)
rules.add_perm("opinions.import_opinions", is_moderator)
rules.add_perm("opinions.manage_events", is_moderator)
rules.add_perm("opinions.view_staff_pages", is_moderator | is_editor)

# Consultation comments: moderators draft the answers, editors approve and publish them.
rules.add_perm("opinions.answer_comments", is_moderator | is_editor)
rules.add_perm("opinions.approve_answers", is_editor)

# The consultation report (opinions/answers/report/): staff see its page, editors build and
# publish its versions.
rules.add_perm("opinions.build_consultation_report", is_editor)
rules.add_perm("opinions.publish_consultation_report", is_editor)
