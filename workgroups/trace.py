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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opinions.models import Opinion, ReportMembership
from stages.models import Goal, ThematicArea

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
        .order_by("report__published_at", "report_id")
        .values_list(
            "report_id",
            "report__version",
            "report__published_at",
            "report__area__name",
            "report__area__name_en",
        )
    )  # 1 query
    if not memberships:
        return TraceStep(
            "report",
            _("Not yet in a published thematic report (reports are built from time to time)."),
            reached=False,
        )
    areas: dict[tuple[str, str], str] = {}
    report_url = _url_by_pk("opinions:report_detail")
    return TraceStep(
        "report",
        ngettext(
            "Included in %(count)d thematic report",
            "Included in %(count)d thematic reports",
            len(memberships),
        )
        % {"count": len(memberships)},
        date=memberships[0][2],
        substeps=[
            TraceStep(
                "report_version",
                _("%(area)s, version %(version)d")
                % {"area": _area_name(areas, name, name_en), "version": version},
                date=published_at,
                url=report_url(pk),
                link_text=_("the report"),
            )
            for pk, version, published_at, name, name_en in memberships
        ],
    )


@dataclass(frozen=True)
class _Citation:
    """What the page shows of one recommendation that cites the opinion: the columns it
    needs, read as values (no model rows: at 50 links building them cost more than the
    query)."""

    recommendation_id: int
    number: int
    title: str
    status: str
    published_at: dt.datetime | None
    adoption_reason: str
    area: str
    outcome: str
    note: str


def _citations(opinion: Opinion) -> list[TraceStep]:
    latest = (
        Verification.objects.filter(recommendation=OuterRef("recommendation"))
        .exclude(outcome="")
        .order_by("-decided_at", "-pk")
    )
    rows = (
        OpinionEvidence.objects.filter(opinion=opinion)
        .annotate(outcome=Subquery(latest.values("outcome")[:1]))
        .order_by("recommendation__group__area__number", "recommendation__number")
        .values_list(
            "recommendation_id",
            "recommendation__number",
            "recommendation__title",
            "recommendation__status",
            "recommendation__published_at",
            "recommendation__adoption_reason",
            "recommendation__group__area__name",
            "recommendation__group__area__name_en",
            "outcome",
            "note",
        )
    )  # 1 query
    areas: dict[tuple[str, str], str] = {}
    evidence = [
        _Citation(
            pk, number, title, status, published_at, reason,
            _area_name(areas, name, name_en), outcome or "", note,
        )
        for pk, number, title, status, published_at, reason, name, name_en, outcome, note in rows
    ]  # fmt: skip
    shown = [item for item in evidence if item.published_at is not None]
    words = _Wording.current()
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
            substeps=[_recommendation_step(item, words) for item in shown],
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


# A pk no row has, reversed once and replaced by each row's: the path is built from it
# with the same converter, so every other part of it is what reverse() gives.
_PK_MARK = 2_147_483_647


def _url_by_pk(name: str) -> Callable[[int], str]:
    """The address of view `name` for a pk, from one reverse() per trace, not one per link
    (at 50 links those were a tenth of the panel's time)."""
    head, _mark, tail = reverse(name, kwargs={"pk": _PK_MARK}).rpartition(str(_PK_MARK))
    return lambda pk: f"{head}{pk}{tail}"


def _area_name(names: dict[tuple[str, str], str], name: str, name_en: str) -> str:
    """The area's name in the page's language (an unsaved area, once per area)."""
    if (name, name_en) not in names:
        names[(name, name_en)] = ThematicArea(name=name, name_en=name_en).localized_name
    return names[(name, name_en)]


def _strategy(shown: Sequence[_Citation]) -> TraceStep:
    """The goals of the strategy the citing recommendations became (1 query), or why not."""
    decided = [item for item in shown if item.status in ADOPTION]
    if not decided:
        waiting = _("Not yet considered in the strategy: the council adopts it at the end.")
        return TraceStep("strategy", waiting, reached=False)
    rows = StrategyLink.objects.filter(
        recommendation__in=[
            r.recommendation_id for r in decided if r.status == Recommendation.Status.ADOPTED
        ]
    ).values_list(
        # A link names a goal or a direction of a goal; values, not model rows (three per
        # link, with the goals' long descriptions, were most of this step's time).
        "how", "goal_id", "goal__code", "goal__title", "goal__title_en",
        "direction__goal_id", "direction__goal__code", "direction__goal__title",
        "direction__goal__title_en",
    )  # fmt: skip
    goals: dict[int, tuple[Goal, str]] = {}
    hows = dict(StrategyLink.How.choices)
    for how, pk, code, title, title_en, *through_direction in rows:
        if pk is None:
            pk, code, title, title_en = through_direction
        if pk is not None and pk not in goals:
            # Unsaved: what the step shows of it (its code, its title in the page's language).
            goals[pk] = (Goal(pk=pk, code=code, title=title, title_en=title_en), str(hows[how]))
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


@dataclass(frozen=True)
class _Wording:
    """The words every recommendation's step uses, translated once per trace (not per
    citation: 50 links made some 300 lookups)."""

    verifications: dict[str, str]
    not_verified: str
    adoptions: dict[str, str]
    heading: str
    link_text: str
    url: Callable[[int], str]

    @classmethod
    def current(cls) -> _Wording:
        return cls(
            verifications={
                Verification.Outcome.VERIFIED: _("verified by the city"),
                Verification.Outcome.RETURNED: _("returned to the group for changes"),
                Verification.Outcome.REJECTED: _("rejected in verification"),
            },
            not_verified=_("not verified yet"),
            adoptions={
                Recommendation.Status.ADOPTED: _("adopted in the strategy"),
                Recommendation.Status.NOT_ADOPTED: _("not adopted in the strategy"),
            },
            heading=_("Recommendation %(number)d of the group for %(area)s: %(title)s"),
            link_text=_("the recommendation"),
            url=_url_by_pk("workgroups:recommendation_public"),
        )


def _recommendation_step(item: _Citation, words: _Wording) -> TraceStep:
    verification = words.verifications.get(item.outcome, words.not_verified)
    adoption = words.adoptions.get(item.status, "")
    return TraceStep(
        "recommendation",
        words.heading % {"number": item.number, "area": item.area, "title": item.title},
        date=item.published_at,
        url=words.url(item.recommendation_id),
        link_text=words.link_text,
        detail="; ".join(part for part in (verification, adoption, item.note) if part),
    )
