"""What the strategy made of a recommendation: links to goals and directions, adopted or not.

The only writer of StrategyLink and of a recommendation's adopted / not adopted status. A
recommendation can be linked and decided once its verification is done (verified), and
decided again later (an editor corrects a decision); "adopted" needs at least one link,
"not adopted" a reason the public can read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security import log_security_event
from stages.models import Direction, Goal

from ..models import Recommendation, StrategyLink

if TYPE_CHECKING:
    from lublin2030.models import User

DECIDABLE = (
    Recommendation.Status.VERIFIED,
    Recommendation.Status.ADOPTED,
    Recommendation.Status.NOT_ADOPTED,
)
NOTE_MAX_LENGTH = 500


class NotDecidable(Exception):
    """Only a verified recommendation can be linked to the strategy or decided."""

    def __init__(self, recommendation: Recommendation) -> None:
        super().__init__(f"recommendation {recommendation.pk} is {recommendation.status}")
        self.recommendation = recommendation


def _locked(recommendation_id: int, actor: User, perm: str) -> Recommendation:
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation_id)
    if not actor.has_perm(perm, recommendation):
        raise PermissionDenied
    if recommendation.status not in DECIDABLE:
        raise NotDecidable(recommendation)
    return recommendation


def link_recommendation(
    *,
    recommendation_id: int,
    actor: User,
    how: str,
    goal: Goal | None = None,
    direction: Direction | None = None,
    note: str = "",
) -> StrategyLink:
    """Record that a recommendation became this goal or direction; linking again updates it."""
    if (goal is None) == (direction is None):
        raise ValidationError(_("Choose either a goal or a direction of action."))
    if how not in StrategyLink.How.values:
        raise ValidationError(_("Say how the recommendation was taken up."))
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("The note may have at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
        )
    with transaction.atomic():
        recommendation = _locked(recommendation_id, actor, "workgroups.link_recommendation")
        target: dict[str, Goal | Direction | None] = (
            {"goal": goal} if goal is not None else {"direction": direction}
        )
        link, _created = StrategyLink.objects.update_or_create(
            recommendation=recommendation,
            **target,
            defaults={"how": how, "note": note},
            create_defaults={"how": how, "note": note, "created_by": actor},
        )
    return link


def unlink_recommendation(*, link_id: int, actor: User) -> None:
    """Remove a link; an adopted recommendation keeps at least one."""
    with transaction.atomic():
        link = StrategyLink.objects.select_related("recommendation").get(pk=link_id)
        recommendation = _locked(link.recommendation_id, actor, "workgroups.link_recommendation")
        others = StrategyLink.objects.filter(recommendation=recommendation).exclude(pk=link.pk)
        if recommendation.status == Recommendation.Status.ADOPTED and not others.exists():
            raise ValidationError(
                _("An adopted recommendation keeps at least one link; mark it not adopted first.")
            )
        link.delete()


def decide_adoption(
    *, recommendation_id: int, actor: User, adopted: bool, reason: str = ""
) -> Recommendation:
    """Mark a verified recommendation adopted in the strategy, or not adopted with a reason."""
    reason = reason.strip()
    with transaction.atomic():
        recommendation = _locked(recommendation_id, actor, "workgroups.decide_adoption")
        if adopted and not recommendation.strategy_links.exists():
            raise ValidationError(
                _("Link the recommendation to a goal or direction of action before adopting it.")
            )
        if not adopted and not reason:
            raise ValidationError(_("Say why the recommendation was not adopted."))
        recommendation.status = (
            Recommendation.Status.ADOPTED if adopted else Recommendation.Status.NOT_ADOPTED
        )
        recommendation.adoption_reason = "" if adopted else reason
        recommendation.adoption_decided_at = timezone.now()
        recommendation.save(update_fields=["status", "adoption_reason", "adoption_decided_at"])
        log_security_event(
            "recommendation adoption decided",
            user=actor,
            recommendation=recommendation.pk,
            adopted=adopted,
        )
    return recommendation
