"""Stage IV: verifiers check submitted recommendations for legality, feasibility and financing.

A verifier claims a submitted recommendation (submitted → under verification) with a
conditional UPDATE, which opens a Verification of its current version. They then give a
verdict on each of the three criteria with a justification; the overall result follows from
the three by `outcome_of` (any negative → returned or rejected, as the verifier chooses;
otherwise verified, with the conditional verdicts as its conditions). Whoever comes second to
a recommendation, or to a verification already decided, gets `AlreadyHandled`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Criterion, CriterionVerdict, Recommendation, Verdict, Verification

if TYPE_CHECKING:
    from lublin2030.models import User

Status = Recommendation.Status
Outcome = Verification.Outcome
# The choices a verifier has when a criterion is negative.
NEGATIVE_OUTCOMES = (Outcome.RETURNED, Outcome.REJECTED)
JUSTIFICATION_MAX_LENGTH = 5000


class AlreadyHandled(Exception):
    """Someone else claimed or decided this recommendation since the verifier looked at it."""

    def __init__(self, current: Recommendation | Verification) -> None:
        super().__init__(f"{current.__class__.__name__} {current.pk} changed meanwhile")
        self.current = current


@dataclass(frozen=True)
class CriterionInput:
    """What the verifier gave for one criterion."""

    verdict: str
    justification: str


def outcome_of(verdicts: Mapping[str, str], *, negative_outcome: str = "") -> str:
    """The overall result of the three verdicts (criterion → verdict).

    Any negative verdict: the recommendation is returned for changes or rejected, whichever
    the verifier chose (they must choose). Otherwise it is verified; the conditional verdicts
    are its conditions.
    """
    if set(verdicts) != set(Criterion.values):
        raise ValueError(
            f"a verdict for each of {Criterion.values} is needed, got {sorted(verdicts)}"
        )
    unknown = set(verdicts.values()) - set(Verdict.values)
    if unknown:
        raise ValueError(f"unknown verdicts {sorted(unknown)}")
    if Verdict.NEGATIVE in verdicts.values():
        if negative_outcome not in NEGATIVE_OUTCOMES:
            raise ValueError("a negative verdict needs the choice: returned or rejected")
        return negative_outcome
    return Outcome.VERIFIED


def conditions_of(verification: Verification) -> list[CriterionVerdict]:
    """The conditions of a verification: its conditional verdicts, in criterion order.

    Reads `verification.verdicts.all()`, so a prefetch makes it free.
    """
    return [v for v in verification.verdicts.all() if v.verdict == Verdict.CONDITIONAL]


def start_verification(
    *, recommendation: Recommendation, verifier: User, now: dt.datetime | None = None
) -> Verification:
    """Claim a submitted recommendation: it is under verification by this verifier now.

    The claim is one conditional UPDATE (status = submitted), so of two verifiers pressing
    "start" at once exactly one changes the row; the other gets AlreadyHandled.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Recommendation.objects.filter(
            pk=recommendation.pk, status=Status.SUBMITTED, current__isnull=False
        ).update(status=Status.UNDER_VERIFICATION, updated_at=now)
        current = Recommendation.objects.select_related("current").get(pk=recommendation.pk)
        if not claimed:
            raise AlreadyHandled(current)
        assert current.current is not None  # the UPDATE required it
        verification = Verification.objects.create(
            recommendation=current, version=current.current, verifier=verifier, started_at=now
        )
    recommendation.status = current.status
    recommendation.updated_at = current.updated_at
    return verification


def _clean_inputs(verdicts: Mapping[str, CriterionInput]) -> dict[str, CriterionInput]:
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, CriterionInput] = {}
    for criterion in Criterion.values:
        given = verdicts.get(criterion)
        if given is None or given.verdict not in Verdict.values:
            errors.setdefault(criterion, []).append(
                ValidationError(_("Choose a verdict."), code="verdict")
            )
            continue
        justification = given.justification.strip()
        if not justification:
            errors.setdefault(criterion, []).append(
                ValidationError(_("Justify the verdict."), code="justification")
            )
        elif len(justification) > JUSTIFICATION_MAX_LENGTH:
            errors.setdefault(criterion, []).append(
                ValidationError(
                    _("Write at most %(max)d characters.") % {"max": JUSTIFICATION_MAX_LENGTH},
                    code="too_long",
                )
            )
        cleaned[criterion] = CriterionInput(given.verdict, justification)
    if set(verdicts) - set(Criterion.values):
        raise ValueError(f"unknown criteria {sorted(set(verdicts) - set(Criterion.values))}")
    if errors:
        raise ValidationError(errors)
    return cleaned


def record_verdicts(
    *,
    verification: Verification,
    verifier: User,
    verdicts: Mapping[str, CriterionInput],
    expected_version: int,
    negative_outcome: str = "",
    reasons: str = "",
    now: dt.datetime | None = None,
) -> Verification:
    """Record the three verdicts and the result they give; the recommendation follows it.

    `expected_version` is the recommendation's version the verifier read: the verdicts are
    about that text. Only the verifier who claimed the verification may decide it, once:
    the verification row is locked and must still be open, so a second submission (another
    tab, a double click that got past the button) gets AlreadyHandled and changes nothing.
    """
    now = now or timezone.now()
    cleaned = _clean_inputs(verdicts)
    reasons = reasons.strip()
    has_negative = any(item.verdict == Verdict.NEGATIVE for item in cleaned.values())
    if has_negative and negative_outcome not in NEGATIVE_OUTCOMES:
        raise ValidationError(
            {
                "negative_outcome": _(
                    "A criterion is negative: choose whether to return the recommendation "
                    "for changes or reject it."
                )
            }
        )
    if has_negative and not reasons:
        raise ValidationError(
            {"reasons": _("Say what the group should know about the negative result.")}
        )
    outcome = outcome_of(
        {criterion: item.verdict for criterion, item in cleaned.items()},
        negative_outcome=negative_outcome if has_negative else "",
    )
    with transaction.atomic():
        # Locked so that two submissions of the same verification are decided one at a time.
        locked = Verification.objects.select_for_update().get(pk=verification.pk)
        if locked.outcome or locked.verifier_id != verifier.pk:
            raise AlreadyHandled(locked)
        moved = Recommendation.objects.filter(
            pk=locked.recommendation_id,
            status=Status.UNDER_VERIFICATION,
            version=expected_version,
            current_id=locked.version_id,
        ).update(status=outcome, updated_at=now)
        if not moved:
            raise AlreadyHandled(Recommendation.objects.get(pk=locked.recommendation_id))
        CriterionVerdict.objects.bulk_create(
            CriterionVerdict(
                verification=locked,
                criterion=criterion,
                verdict=item.verdict,
                justification=item.justification,
            )
            for criterion, item in cleaned.items()
        )
        locked.outcome = outcome
        locked.reasons = reasons
        locked.decided_at = now
        locked.save(update_fields=["outcome", "reasons", "decided_at"])
    verification.outcome, verification.reasons, verification.decided_at = outcome, reasons, now
    return locked


def open_verification(recommendation: Recommendation) -> Verification | None:
    """The verification in progress on the recommendation, if any."""
    return (
        Verification.objects.filter(recommendation=recommendation, outcome="")
        .select_related("verifier", "version")
        .order_by("-started_at", "-pk")
        .first()
    )
