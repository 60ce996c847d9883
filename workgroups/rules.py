"""Who may do what in the working groups, as `rules` predicates over the object.

Objects are a WorkingGroup, a Recommendation, a Workshop or a RecruitmentCall; the group
predicates find the group of any of them. A person sits in at most one group, so their
active membership is read once per request and kept on the user object.
"""

from __future__ import annotations

from typing import Any

import rules

from core.roles import is_editor, is_moderator, is_verifier

from .models import Membership, Recommendation, RecruitmentCall, WorkingGroup, Workshop

_MISSING = object()


def active_membership(user: Any) -> Membership | None:
    """The person's active seat, or None; cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_workgroup_membership", _MISSING)
    if cached is _MISSING:
        cached = Membership.objects.active().select_related("group__area").filter(user=user).first()
        user._workgroup_membership = cached
    return cached  # type: ignore[return-value]


def group_of(obj: Any) -> WorkingGroup | None:
    if isinstance(obj, WorkingGroup):
        return obj
    if isinstance(obj, Recommendation | Workshop):
        return obj.group
    return None


def _group_id_of(obj: Any) -> int | None:
    if isinstance(obj, WorkingGroup):
        return obj.pk
    if isinstance(obj, Recommendation | Workshop):
        return obj.group_id
    return None


@rules.predicate
def is_group_member(user: Any, obj: Any) -> bool:
    membership = active_membership(user)
    return membership is not None and membership.group_id == _group_id_of(obj)


@rules.predicate
def is_group_leader(user: Any, obj: Any) -> bool:
    membership = active_membership(user)
    return (
        membership is not None and membership.is_leader and membership.group_id == _group_id_of(obj)
    )


@rules.predicate
def is_editable(user: Any, recommendation: Any) -> bool:
    return isinstance(recommendation, Recommendation) and recommendation.is_editable


@rules.predicate
def awaits_verification(user: Any, recommendation: Any) -> bool:
    return isinstance(recommendation, Recommendation) and recommendation.status in (
        Recommendation.Status.SUBMITTED,
        Recommendation.Status.UNDER_VERIFICATION,
    )


@rules.predicate
def has_left_the_group(user: Any, recommendation: Any) -> bool:
    """Submitted at least once: no longer only the group's draft."""
    return (
        isinstance(recommendation, Recommendation)
        and recommendation.status != Recommendation.Status.DRAFT
    )


@rules.predicate
def is_published(user: Any, recommendation: Any) -> bool:
    return isinstance(recommendation, Recommendation) and recommendation.is_published


@rules.predicate
def call_is_open(user: Any, call: Any) -> bool:
    return isinstance(call, RecruitmentCall) and call.is_open()


is_signed_in = rules.is_authenticated

# Recruitment
rules.add_perm("workgroups.manage_recruitment", is_editor)
rules.add_perm("workgroups.apply", is_signed_in & call_is_open)

# The workspace: the group's members, and the city staff who support the groups.
can_view_workspace = is_group_member | is_moderator | is_editor
rules.add_perm("workgroups.view_workspace", can_view_workspace)
rules.add_perm("workgroups.manage_workshops", is_group_leader | is_moderator | is_editor)

# Recommendations
# Drafts are the group's (and the staff who support it): verifiers see a recommendation
# once it has been submitted, as the verification pages do.
rules.add_perm(
    "workgroups.view_recommendation",
    can_view_workspace | (is_verifier & has_left_the_group) | is_published,
)
rules.add_perm("workgroups.create_recommendation", is_group_member)
rules.add_perm("workgroups.edit_recommendation", is_group_member & is_editable)
rules.add_perm("workgroups.submit_recommendation", is_group_leader & is_editable)
rules.add_perm("workgroups.verify_recommendation", is_verifier & awaits_verification)
rules.add_perm("workgroups.view_verification_queue", is_verifier)
rules.add_perm("workgroups.publish_recommendation", is_editor)
# The strategy's editorial team: which goal a recommendation became, adopted or not.
rules.add_perm("workgroups.link_recommendation", is_editor)
rules.add_perm("workgroups.decide_adoption", is_editor)
