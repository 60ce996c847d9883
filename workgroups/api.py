"""Working groups, their public rosters, published recommendations (versions, evidence,
verdicts) and the public part of an opinion's trace, read-only, for /api/v1/ (mounted by
lublin2030/api.py), through workgroups.selectors and the trace.

A roster names only active members who agreed to publication; nobody's account, e-mail or
application; a verification without its verifier; a version without its author.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from core.api import (
    DEFAULT_LIMIT,
    ERRORS,
    ISO_8601,
    MAX_LIMIT,
    PAGING_PARAMS,
    UPDATED_SINCE_DOC,
    ApiProblem,
    KeyField,
    keyset_page,
    parse_updated_since,
    reject_unknown_params,
)
from core.params import MAX_ID
from opinions import selectors as opinion_selectors

from . import selectors
from .models import (
    CriterionVerdict,
    Membership,
    OpinionEvidence,
    Recommendation,
    ReportEvidence,
    Verification,
    WorkingGroup,
)
from .trace import TraceStep, public_trace

router = Router(tags=["working groups"])


class MemberOut(Schema):
    name: str
    seat: str

    @staticmethod
    def resolve_name(membership: Membership) -> str:
        return membership.public_name


class GroupOut(Schema):
    slug: str
    area: str = Field(description="the thematic area's slug")
    name: str
    roster: list[MemberOut] = Field(description="members who agreed to be named")

    @staticmethod
    def resolve_area(group: WorkingGroup) -> str:
        return group.area.slug

    @staticmethod
    def resolve_name(group: WorkingGroup) -> str:
        return group.area.name

    @staticmethod
    def resolve_roster(group: WorkingGroup) -> list[Membership]:
        return list(getattr(group, "public_roster", []))


class RecommendationOut(Schema):
    id: int
    group: str = Field(description="the working group's slug")
    number: int
    title: str
    status: Recommendation.Status
    published_at: dt.datetime | None
    vision: str
    diagnosis: str
    goals: str
    directions: list[Any]
    adoption_reason: str = Field(description="why the strategy did not take it up")

    @staticmethod
    def resolve_group(recommendation: Recommendation) -> str:
        return recommendation.group.slug

    @staticmethod
    def _current(recommendation: Recommendation, field: str) -> Any:
        current = recommendation.current
        return getattr(current, field) if current is not None else ""

    @staticmethod
    def resolve_vision(recommendation: Recommendation) -> str:
        return str(RecommendationOut._current(recommendation, "vision"))

    @staticmethod
    def resolve_diagnosis(recommendation: Recommendation) -> str:
        return str(RecommendationOut._current(recommendation, "diagnosis"))

    @staticmethod
    def resolve_goals(recommendation: Recommendation) -> str:
        return str(RecommendationOut._current(recommendation, "goals"))

    @staticmethod
    def resolve_directions(recommendation: Recommendation) -> list[Any]:
        return list(RecommendationOut._current(recommendation, "directions") or [])


class RecommendationPage(Schema):
    items: list[RecommendationOut]
    next_cursor: str | None = None


class VersionOut(Schema):
    number: int
    title: str
    vision: str
    diagnosis: str
    goals: str
    directions: list[Any]
    note: str
    created_at: dt.datetime


class OpinionEvidenceOut(Schema):
    opinion: int
    note: str

    @staticmethod
    def resolve_opinion(evidence: OpinionEvidence) -> int:
        return evidence.opinion_id


class ReportEvidenceOut(Schema):
    report: int
    note: str

    @staticmethod
    def resolve_report(evidence: ReportEvidence) -> int:
        return evidence.report_id


class VerdictOut(Schema):
    criterion: str
    verdict: str
    justification: str


class VerificationOut(Schema):
    version: int = Field(description="the number of the version verified")
    outcome: str
    reasons: str
    decided_at: dt.datetime | None
    verdicts: list[VerdictOut]

    @staticmethod
    def resolve_version(verification: Verification) -> int:
        return verification.version.number

    @staticmethod
    def resolve_verdicts(verification: Verification) -> list[CriterionVerdict]:
        return verification.ordered_verdicts


class RecommendationDetailOut(RecommendationOut):
    """Read from a recommendation that `recommendation_detail` gave the lists below (as
    api_<name>: `versions` is the related manager of every version, drafts included)."""

    versions: list[VersionOut]
    opinion_evidence: list[OpinionEvidenceOut]
    report_evidence: list[ReportEvidenceOut]
    verifications: list[VerificationOut]

    @staticmethod
    def resolve_versions(recommendation: Recommendation) -> Any:
        return recommendation.api_versions  # type: ignore[attr-defined]

    @staticmethod
    def resolve_opinion_evidence(recommendation: Recommendation) -> Any:
        return recommendation.api_opinion_evidence  # type: ignore[attr-defined]

    @staticmethod
    def resolve_report_evidence(recommendation: Recommendation) -> Any:
        return recommendation.api_report_evidence  # type: ignore[attr-defined]

    @staticmethod
    def resolve_verifications(recommendation: Recommendation) -> Any:
        return recommendation.api_verifications  # type: ignore[attr-defined]


class TraceStepOut(Schema):
    kind: str
    text: str
    reached: bool
    date: dt.datetime | None
    url: str
    link_text: str
    detail: str
    substeps: list[TraceStepOut]


@router.get("/working-groups", response={200: list[GroupOut], **ERRORS}, summary="Working groups")
def group_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.public_groups())


BY_ID = (KeyField("pk", descending=False),)


@router.get(
    "/recommendations",
    response={200: RecommendationPage, **ERRORS},
    summary="Published recommendations (their current text)",
)
def recommendation_list(
    request: HttpRequest,
    group: str = Query("", max_length=80, description="a working group's slug"),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    updated_since: str | None = Query(
        None, max_length=40, pattern=ISO_8601, description=UPDATED_SINCE_DOC
    ),
) -> object:
    reject_unknown_params(request, {"group", *PAGING_PARAMS})
    recommendations = selectors.published_recommendations()
    if group:
        recommendations = recommendations.filter(group__slug=group)
    since = parse_updated_since(updated_since)
    if since is not None:
        recommendations = recommendations.filter(updated_at__gte=since)

    def key(recommendation: Recommendation) -> tuple[object, ...]:
        return (recommendation.pk,)

    items, next_cursor = keyset_page(
        recommendations, fields=BY_ID, cursor=cursor, limit=limit, key=key
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/recommendations/{recommendation_id}",
    response={200: RecommendationDetailOut, **ERRORS},
    summary="A published recommendation with its versions, evidence and verifications",
)
def recommendation_detail(
    request: HttpRequest, recommendation_id: int = Path(..., ge=1, le=MAX_ID)
) -> object:
    reject_unknown_params(request, ())
    recommendation = selectors.published_recommendations().filter(pk=recommendation_id).first()
    if recommendation is None:
        raise ApiProblem(404, "Not found", "No such published recommendation.")
    public: dict[str, list[Any]] = {
        "api_versions": list(selectors.public_versions(recommendation)),
        "api_opinion_evidence": list(selectors.public_opinion_evidence(recommendation)),
        "api_report_evidence": list(selectors.public_report_evidence(recommendation)),
        "api_verifications": list(
            selectors.decided_verifications(recommendation).select_related("version")
        ),
    }
    for name, rows in public.items():
        setattr(recommendation, name, rows)
    return recommendation


def _step(step: TraceStep) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "text": step.text,
        "reached": step.reached,
        "date": step.date,
        "url": step.url,
        "link_text": step.link_text,
        "detail": step.detail,
        "substeps": [_step(sub) for sub in step.substeps],
    }


@router.get(
    "/opinions/{opinion_id}/trace",
    response={200: list[TraceStepOut], **ERRORS},
    summary="What became of a published opinion: reports, recommendations, the strategy",
    tags=["opinions"],
)
def opinion_trace(request: HttpRequest, opinion_id: int = Path(..., ge=1, le=MAX_ID)) -> object:
    reject_unknown_params(request, ())
    opinion = opinion_selectors.api_published_opinions().filter(pk=opinion_id).first()
    if opinion is None:
        raise ApiProblem(404, "Not found", "No such published opinion.")
    return [_step(step) for step in public_trace(opinion)]
