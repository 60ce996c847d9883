"""What became of an opinion: the steps it reached, in order, for its author and the public.

`trace(opinion)` walks the real foreign keys of the spine: the opinion → the published
thematic report versions it was included in (ReportMembership) → the recommendations that
cite it (OpinionEvidence) → their verification and publication → their adoption into the
strategy. Each step has a date and a link, and a step not reached yet says so. It costs a
fixed number of queries whatever the number of links (none for an unpublished opinion).

What a resident may see: report versions once published; a recommendation once published
(one still in the group's hands is counted, never shown: drafts are the group's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opinions.models import Opinion, ReportMembership
from stages.models import Goal

from .models import OpinionEvidence, Recommendation, StrategyLink, Verification

ADOPTION = (Recommendation.Status.ADOPTED, Recommendation.Status.NOT_ADOPTED)


@dataclass(frozen=True)
class TraceStep:
    """One step of the chain. `reached` False: the text says what has not happened yet."""

    kind: str
    text: str
    reached: bool = True
    date: dt.datetime | None = None
    url: str = ""
    link_text: str = ""
    detail: str = ""
    substeps: list[TraceStep] = field(default_factory=list)


def trace(opinion: Opinion) -> list[TraceStep]:
    steps = [_received(opinion), _moderated(opinion)]
    if opinion.status != Opinion.Status.PUBLISHED:
        return steps
    if opinion.consultation.takes_comments_on_sections:
        # A comment on a consulted document: what counts is the answer it gets.
        steps.append(_answered(opinion))
        return steps
    steps.append(_in_reports(opinion))
    steps.extend(_citations(opinion))
    return steps


def public_trace(opinion: Opinion) -> list[TraceStep]:
    """What anyone may see of a published opinion's way: reports, citations, the answer."""
    return [step for step in trace(opinion) if step.kind not in ("received", "published")]


def _answered(opinion: Opinion) -> TraceStep:
    answer = opinion.answer  # 1 query unless the caller selected it
    if answer is None or not answer.is_published:
        return TraceStep(
            "answer",
            _("Not answered yet: every comment gets an answer with its justification."),
            reached=False,
        )
    changed = answer.changed_section
    return TraceStep(
        "answer",
        _("Answered: %(decision)s") % {"decision": answer.get_decision_display()},
        date=answer.published_at,
        detail=answer.justification,
        url=changed.get_absolute_url() if changed else "",
        link_text=(
            _("the changed section %(label)s") % {"label": changed.label} if changed else ""
        ),
    )


def _received(opinion: Opinion) -> TraceStep:
    return TraceStep("received", _("Received"), date=opinion.created_at)


def _moderated(opinion: Opinion) -> TraceStep:
    if opinion.status == Opinion.Status.PUBLISHED:
        # (The page's status section links to the public page already.)
        return TraceStep(
            "published", _("Published after moderation"), date=opinion.status_changed_at
        )
    if opinion.status == Opinion.Status.PENDING:
        return TraceStep("moderation", _("Waiting for a moderator"), reached=False)
    return TraceStep(
        "not_published",
        _("Not published"),
        date=opinion.status_changed_at,
        detail=str(opinion.get_rejection_reason_display()),
    )


def _in_reports(opinion: Opinion) -> TraceStep:
    memberships = list(
        ReportMembership.objects.filter(opinion=opinion, report__published_at__isnull=False)
        .select_related("report__area")
        .order_by("report__published_at", "report_id")
    )  # 1 query
    if not memberships:
        return TraceStep(
            "report",
            _("Not yet in a published thematic report (reports are built from time to time)."),
            reached=False,
        )
    return TraceStep(
        "report",
        ngettext(
            "Included in %(count)d thematic report",
            "Included in %(count)d thematic reports",
            len(memberships),
        )
        % {"count": len(memberships)},
        date=memberships[0].report.published_at,
        substeps=[
            TraceStep(
                "report_version",
                _("%(area)s, version %(version)d")
                % {
                    "area": membership.report.area.localized_name,
                    "version": membership.report.version,
                },
                date=membership.report.published_at,
                url=membership.report.get_absolute_url(),
                link_text=_("the report"),
            )
            for membership in memberships
        ],
    )


def _citations(opinion: Opinion) -> list[TraceStep]:
    decided = Verification.objects.filter(recommendation=OuterRef("recommendation")).exclude(
        outcome=""
    )
    latest = decided.order_by("-decided_at", "-pk")
    evidence = list(
        OpinionEvidence.objects.filter(opinion=opinion)
        .select_related("recommendation__group__area")
        .annotate(
            outcome=Subquery(latest.values("outcome")[:1]),
            decided_at=Subquery(latest.values("decided_at")[:1]),
        )
        .order_by("recommendation__group__area__number", "recommendation__number")
    )  # 1 query
    shown = [item for item in evidence if item.recommendation.is_published]
    hidden = len(evidence) - len(shown)
    if not shown:
        text = (
            ngettext(
                "A working group is preparing %(count)d recommendation that cites it.",
                "Working groups are preparing %(count)d recommendations that cite it.",
                hidden,
            )
            % {"count": hidden}
            if hidden
            else _("Not yet cited by a recommendation of a working group.")
        )
        return [TraceStep("cited", text, reached=False)]
    steps = [
        TraceStep(
            "cited",
            ngettext(
                "Cited by %(count)d published recommendation",
                "Cited by %(count)d published recommendations",
                len(shown),
            )
            % {"count": len(shown)},
            substeps=[_recommendation_step(item) for item in shown],
        )
    ]
    if hidden:
        steps[0].substeps.append(
            TraceStep(
                "cited_in_preparation",
                ngettext(
                    "and %(count)d more recommendation in preparation",
                    "and %(count)d more recommendations in preparation",
                    hidden,
                )
                % {"count": hidden},
                reached=False,
            )
        )
    steps.append(_strategy(shown))
    return steps


def _strategy(shown: Sequence[OpinionEvidence]) -> TraceStep:
    """The goals of the strategy the citing recommendations became (1 query), or why not."""
    decided = [item.recommendation for item in shown if item.recommendation.status in ADOPTION]
    if not decided:
        waiting = _("Not yet considered in the strategy: the council adopts it at the end.")
        return TraceStep("strategy", waiting, reached=False)
    links = StrategyLink.objects.filter(
        recommendation__in=[r for r in decided if r.status == Recommendation.Status.ADOPTED]
    ).select_related("goal", "direction__goal")
    goals: dict[int, tuple[Goal, str]] = {}
    for link in links:
        goal = link.goal or (link.direction.goal if link.direction else None)
        if goal is not None:
            goals.setdefault(goal.pk, (goal, str(link.get_how_display())))
    substeps = [
        TraceStep(
            "goal",
            _("Goal %(code)s: %(title)s") % {"code": goal.code, "title": goal.localized_title},
            url=goal.get_absolute_url(),
            link_text=_("the goal, its indicators and tasks"),
            detail=how,
        )
        for goal, how in goals.values()
    ]
    substeps += [
        TraceStep(
            "not_adopted",
            _("Recommendation %(number)d was not adopted") % {"number": r.number},
            detail=r.adoption_reason,
        )
        for r in decided
        if r.status == Recommendation.Status.NOT_ADOPTED
    ]
    if not goals:
        return TraceStep("strategy", _("Considered in the adopted strategy"), substeps=substeps)
    text = ngettext(
        "Behind %(count)d goal of the adopted strategy",
        "Behind %(count)d goals of the adopted strategy",
        len(goals),
    ) % {"count": len(goals)}
    return TraceStep("strategy", text, substeps=substeps)


def _recommendation_step(item: OpinionEvidence) -> TraceStep:
    recommendation = item.recommendation
    outcome = getattr(item, "outcome", None)
    verifications: dict[str, str] = {
        Verification.Outcome.VERIFIED: _("verified by the city"),
        Verification.Outcome.RETURNED: _("returned to the group for changes"),
        Verification.Outcome.REJECTED: _("rejected in verification"),
    }
    verification = verifications.get(str(outcome or ""), _("not verified yet"))
    adoptions: dict[str, str] = {
        Recommendation.Status.ADOPTED: _("adopted in the strategy"),
        Recommendation.Status.NOT_ADOPTED: _("not adopted in the strategy"),
    }
    adoption = adoptions.get(recommendation.status, "")
    return TraceStep(
        "recommendation",
        _("Recommendation %(number)d of the group for %(area)s: %(title)s")
        % {
            "number": recommendation.number,
            "area": recommendation.group.area.localized_name,
            "title": recommendation.title,
        },
        date=recommendation.published_at,
        url=recommendation.get_absolute_url(),
        link_text=_("the recommendation"),
        detail="; ".join(part for part in (verification, adoption, item.note) if part),
    )
