"""Writing recommendations: versions under optimistic locking, evidence, submission, publication.

A recommendation's text lives in immutable versions. `Recommendation.version` is the number
of the current one and works as the lock: a save names the version it started from, and is
refused (`StaleVersion`, carrying the newer version) when someone saved in between. The row
is locked for the transaction (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers), so two saves from the same base cannot both pass the check.

The current evidence is kept twice, on purpose: as real foreign keys (OpinionEvidence,
ReportEvidence) for queries that walk opinion → recommendation, and as a JSON snapshot in
every version for the history. Only `_write_version` writes either, so they never drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security import log_security_event
from opinions.models import Opinion, ThematicReport

from ..models import (
    OpinionEvidence,
    Recommendation,
    RecommendationVersion,
    ReportEvidence,
    WorkingGroup,
)
from . import consultation

if TYPE_CHECKING:
    from lublin2030.models import User

NOTE_MAX_LENGTH = 500
DIRECTION_FIELDS = ("text", "indicator", "responsible_unit")


class StaleVersion(Exception):
    """Someone saved the recommendation after the version this save started from."""

    def __init__(self, current: RecommendationVersion) -> None:
        super().__init__(f"recommendation {current.recommendation_id} is at v{current.number}")
        self.current = current


class NotEditable(Exception):
    """The recommendation's status does not allow this change (e.g. it awaits verification)."""

    def __init__(self, recommendation: Recommendation) -> None:
        super().__init__(f"recommendation {recommendation.pk} is {recommendation.status}")
        self.recommendation = recommendation


@dataclass(frozen=True)
class Cited:
    """One piece of evidence: an opinion's or report version's id and how it supports."""

    id: int
    note: str = ""


@dataclass(frozen=True)
class RecommendationText:
    """Everything a version holds that its authors write."""

    title: str
    vision: str = ""
    diagnosis: str = ""
    goals: str = ""
    directions: Sequence[dict[str, str]] = ()
    opinions: Sequence[Cited] = ()
    reports: Sequence[Cited] = ()

    @classmethod
    def of(cls, version: RecommendationVersion) -> RecommendationText:
        evidence = version.evidence or {}
        return cls(
            title=version.title,
            vision=version.vision,
            diagnosis=version.diagnosis,
            goals=version.goals,
            directions=list(version.directions or []),
            opinions=[Cited(int(i["id"]), i.get("note", "")) for i in evidence.get("opinions", [])],
            reports=[Cited(int(i["id"]), i.get("note", "")) for i in evidence.get("reports", [])],
        )


@dataclass
class _Checked:
    directions: list[dict[str, str]] = field(default_factory=list)
    opinions: list[Cited] = field(default_factory=list)
    reports: list[Cited] = field(default_factory=list)


# --- Validation ------------------------------------------------------------------------------


def citable_opinions() -> Any:
    """Opinions a recommendation may cite: published ones, of any area."""
    return Opinion.objects.published()


def citable_reports(group: WorkingGroup) -> Any:
    """Report versions a recommendation may cite: built reports of the group's area."""
    return ThematicReport.objects.built().filter(area_id=group.area_id)


def _unique(items: Iterable[Cited]) -> list[Cited]:
    seen: dict[int, Cited] = {}
    for item in items:
        note = item.note.strip()
        if len(note) > NOTE_MAX_LENGTH:
            raise ValidationError(
                _("A note on evidence may have at most %(max)d characters.")
                % {"max": NOTE_MAX_LENGTH},
                code="note_too_long",
            )
        seen.setdefault(item.id, Cited(item.id, note))
    return list(seen.values())


def _check(group: WorkingGroup, text: RecommendationText, *, strict: bool) -> _Checked:
    """Clean directions and evidence; `strict` refuses evidence no longer citable, else drops it."""
    if not text.title.strip():
        raise ValidationError(_("A recommendation needs a title."), code="no_title")
    directions = []
    for direction in text.directions:
        cleaned = {key: str(direction.get(key, "")).strip() for key in DIRECTION_FIELDS}
        if cleaned["text"]:
            directions.append(cleaned)
        elif cleaned["indicator"] or cleaned["responsible_unit"]:
            raise ValidationError(
                _("A direction of action with an indicator or a unit needs its text."),
                code="direction_without_text",
            )
    opinions = _unique(text.opinions)
    reports = _unique(text.reports)
    known_opinions = set(
        citable_opinions().filter(pk__in=[o.id for o in opinions]).values_list("pk", flat=True)
    )
    known_reports = set(
        citable_reports(group).filter(pk__in=[r.id for r in reports]).values_list("pk", flat=True)
    )
    if strict:
        missing = [str(o.id) for o in opinions if o.id not in known_opinions]
        if missing:
            raise ValidationError(
                _("These opinions are not published or do not exist: %(numbers)s.")
                % {"numbers": ", ".join(missing)},
                code="opinion_not_citable",
            )
        if any(r.id not in known_reports for r in reports):
            raise ValidationError(
                _("Only built reports of the group's area can be cited."),
                code="report_not_citable",
            )
    return _Checked(
        directions=directions,
        opinions=[o for o in opinions if o.id in known_opinions],
        reports=[r for r in reports if r.id in known_reports],
    )


# --- Writing versions ------------------------------------------------------------------------


def _write_version(
    recommendation: Recommendation,
    text: RecommendationText,
    checked: _Checked,
    *,
    author: User,
    note: str,
    restored_from: int | None = None,
) -> RecommendationVersion:
    """The next version, made current, with the evidence rows following it (in a transaction)."""
    now = timezone.now()
    version = RecommendationVersion.objects.create(
        recommendation=recommendation,
        number=recommendation.version + 1,
        title=text.title.strip(),
        vision=text.vision.strip(),
        diagnosis=text.diagnosis.strip(),
        goals=text.goals.strip(),
        directions=checked.directions,
        evidence={
            "opinions": [{"id": o.id, "note": o.note} for o in checked.opinions],
            "reports": [{"id": r.id, "note": r.note} for r in checked.reports],
        },
        author=author,
        created_at=now,
        note=note.strip()[:300],
        restored_from=restored_from,
    )
    recommendation.version = version.number
    recommendation.current = version
    recommendation.title = version.title
    recommendation.updated_at = now
    recommendation.save(update_fields=["version", "current", "title", "updated_at"])
    OpinionEvidence.objects.filter(recommendation=recommendation).delete()
    OpinionEvidence.objects.bulk_create(
        OpinionEvidence(recommendation=recommendation, opinion_id=o.id, note=o.note)
        for o in checked.opinions
    )
    ReportEvidence.objects.filter(recommendation=recommendation).delete()
    ReportEvidence.objects.bulk_create(
        ReportEvidence(recommendation=recommendation, report_id=r.id, note=r.note)
        for r in checked.reports
    )
    return version


def _locked_for_edit(
    recommendation_id: int, *, author: User, expected_version: int
) -> Recommendation:
    recommendation = (
        Recommendation.objects.select_for_update().select_related("group").get(pk=recommendation_id)
    )
    if not recommendation.is_editable:
        raise NotEditable(recommendation)
    if not author.has_perm("workgroups.edit_recommendation", recommendation):
        raise PermissionDenied
    if recommendation.version != expected_version:
        current = RecommendationVersion.objects.select_related("author").get(
            recommendation=recommendation, number=recommendation.version
        )
        raise StaleVersion(current)
    return recommendation


def create_recommendation(
    *, group: WorkingGroup, author: User, text: RecommendationText, note: str = ""
) -> Recommendation:
    """A new draft with its first version, numbered next in the group."""
    with transaction.atomic():
        # Locking the group serialises numbering: two members creating at once get 1 and 2.
        locked_group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
        if not author.has_perm("workgroups.create_recommendation", locked_group):
            raise PermissionDenied
        checked = _check(locked_group, text, strict=True)
        last = Recommendation.objects.filter(group=locked_group).aggregate(n=Max("number"))["n"]
        recommendation = Recommendation.objects.create(
            group=locked_group,
            number=(last or 0) + 1,
            title=text.title.strip(),
            created_by=author,
        )
        _write_version(recommendation, text, checked, author=author, note=note)
    return recommendation


def save_recommendation(
    *,
    recommendation_id: int,
    author: User,
    expected_version: int,
    text: RecommendationText,
    note: str = "",
) -> RecommendationVersion:
    """Save a new version, if nobody saved since `expected_version` (else `StaleVersion`)."""
    with transaction.atomic():
        recommendation = _locked_for_edit(
            recommendation_id, author=author, expected_version=expected_version
        )
        checked = _check(recommendation.group, text, strict=True)
        return _write_version(recommendation, text, checked, author=author, note=note)


def restore_version(
    *, recommendation_id: int, number: int, author: User, expected_version: int
) -> RecommendationVersion:
    """Make an earlier version's text current again, as a new version (history is kept).

    Evidence that can no longer be cited (an opinion unpublished since) is left out.
    """
    with transaction.atomic():
        recommendation = _locked_for_edit(
            recommendation_id, author=author, expected_version=expected_version
        )
        old = RecommendationVersion.objects.get(recommendation=recommendation, number=number)
        text = RecommendationText.of(old)
        checked = _check(recommendation.group, text, strict=False)
        return _write_version(
            recommendation,
            text,
            checked,
            author=author,
            note=_("Restored version %(number)d") % {"number": number},
            restored_from=number,
        )


# --- Status ----------------------------------------------------------------------------------


def submit_recommendation(
    *, recommendation_id: int, actor: User, expected_version: int | None = None
) -> Recommendation:
    """The leader hands the recommendation to the verifiers: draft/returned → submitted.

    With `expected_version`, refuses (`StaleVersion`) when a member saved after the leader
    last looked, so the leader never submits a text they have not seen.
    """
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().get(pk=recommendation_id)
        if not recommendation.is_editable:
            raise NotEditable(recommendation)
        if not actor.has_perm("workgroups.submit_recommendation", recommendation):
            raise PermissionDenied
        if expected_version is not None and recommendation.version != expected_version:
            raise StaleVersion(
                RecommendationVersion.objects.select_related("author").get(
                    recommendation=recommendation, number=recommendation.version
                )
            )
        if recommendation.current_id is None:
            raise ValidationError(_("An empty recommendation cannot be submitted."))
        recommendation.status = Recommendation.Status.SUBMITTED
        recommendation.submitted_at = timezone.now()
        recommendation.save(update_fields=["status", "submitted_at"])
    return recommendation


PUBLISHABLE = (Recommendation.Status.VERIFIED, Recommendation.Status.REJECTED)


def publish_recommendation(*, recommendation_id: int, actor: User) -> Recommendation:
    """Show a recommendation whose verification is decided on its public page.

    Publishing twice keeps the first publication date.
    """
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().get(pk=recommendation_id)
        if not actor.has_perm("workgroups.publish_recommendation", recommendation):
            raise PermissionDenied
        if recommendation.status not in PUBLISHABLE:
            raise NotEditable(recommendation)
        if recommendation.published_at is None:
            recommendation.published_at = timezone.now()
            recommendation.save(update_fields=["published_at"])
            log_security_event(
                "recommendation published", user=actor, recommendation=recommendation.pk
            )
            # Residents comment on it in the recommendations' consultation, if one is open.
            consultation.sync_recommendations_consultations()
    return recommendation
