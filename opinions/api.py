"""Published opinions, their comments and the answers to consultation comments, read-only,
for /api/v1/ (mounted by lublin2030/api.py), through opinions.selectors only.

No personal data: an opinion is sent without its author, e-mail, tracking token, the
organisation that signed it, its age band or relation to the city (those only as counts,
small ones suppressed: /opinions/demographics); a comment without its signature.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

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
    set_last_modified,
)
from core.params import MAX_ID
from stages import selectors as stage_selectors

from . import selectors
from .answers.models import Decision
from .models import (
    Channel,
    Comment,
    ConsultationAnswer,
    Opinion,
    ReportMembership,
    SubmitterKind,
    ThematicReport,
)

router = Router(tags=["opinions"])

OPINION_FILTERS = frozenset(
    {"area", "district", "channel", "event", "consultation", "section", "q", "sort"}
)


class OpinionOut(Schema):
    id: int
    text: str
    consultation: str = Field(description="the consultation's slug")
    area: str | None = Field(description="the thematic area's slug")
    district: str | None = Field(description="the district's slug")
    channel: Channel
    event: int | None = Field(description="the meeting it was collected at")
    section: int | None = Field(description="the document section it comments on")
    section_key: str | None
    proposed_wording: str
    justification: str
    submitter_kind: SubmitterKind
    collected_on: dt.date
    created_at: dt.datetime = Field(description="when the city received it")
    published_at: dt.datetime | None = Field(description="the last moderation change")
    support_count: int
    comment_count: int
    answer: int | None = Field(description="the city's answer (consultation comments)")

    @staticmethod
    def resolve_consultation(opinion: Opinion) -> str:
        return opinion.consultation.slug

    @staticmethod
    def resolve_area(opinion: Opinion) -> str | None:
        return opinion.area.slug if opinion.area else None

    @staticmethod
    def resolve_district(opinion: Opinion) -> str | None:
        return opinion.district.slug if opinion.district else None

    @staticmethod
    def resolve_event(opinion: Opinion) -> int | None:
        return opinion.event_id

    @staticmethod
    def resolve_section(opinion: Opinion) -> int | None:
        return opinion.section_id

    @staticmethod
    def resolve_section_key(opinion: Opinion) -> str | None:
        return opinion.section.key if opinion.section else None

    @staticmethod
    def resolve_published_at(opinion: Opinion) -> dt.datetime | None:
        return opinion.status_changed_at

    @staticmethod
    def resolve_answer(opinion: Opinion) -> int | None:
        return opinion.answer_id


class OpinionPage(Schema):
    items: list[OpinionOut]
    next_cursor: str | None = None


class CommentOut(Schema):
    id: int
    text: str
    created_at: dt.datetime


class CommentPage(Schema):
    items: list[CommentOut]
    next_cursor: str | None = None


class AnswerOut(Schema):
    id: int
    decision: Decision
    justification: str
    changed_section: int | None = Field(description="the section of the next version it changed")
    published_at: dt.datetime | None

    @staticmethod
    def resolve_changed_section(answer: ConsultationAnswer) -> int | None:
        return answer.changed_section_id


class AnswerPage(Schema):
    items: list[AnswerOut]
    next_cursor: str | None = None


class CountOut(Schema):
    value: str = Field(description="empty: not given")
    count: int | None = Field(description="None: fewer than 5, suppressed")


class DemographicsOut(Schema):
    by_age_band: list[CountOut]
    by_relation: list[CountOut]


NEWEST = (KeyField("created_at", kind="datetime"), KeyField("pk"))
SUPPORTED = (KeyField("support_count"), *NEWEST)

# The list reads OpinionOut's fields as one row of values each and renders them itself: at
# 50 opinions a page, building models and running the schema's resolvers on each was half
# of the request's time. (field, lookup) in OpinionOut's order; schemathesis checks that the
# answers still conform to the schema.
LIST_COLUMNS = (
    ("id", "pk"),
    ("text", "text"),
    ("consultation", "consultation__slug"),
    ("area", "area__slug"),
    ("district", "district__slug"),
    ("channel", "channel"),
    ("event", "event_id"),
    ("section", "section_id"),
    ("section_key", "section__key"),
    ("proposed_wording", "proposed_wording"),
    ("justification", "justification"),
    ("submitter_kind", "submitter_kind"),
    ("collected_on", "collected_on"),
    ("created_at", "created_at"),
    ("published_at", "status_changed_at"),
    ("support_count", "support_count"),
    ("comment_count", "comment_count"),
    ("answer", "answer_id"),
)
LIST_NAMES = tuple(name for name, _lookup in LIST_COLUMNS)
_AT = {name: index for index, name in enumerate(LIST_NAMES)}


def _newest_key(row: tuple[Any, ...]) -> tuple[object, ...]:
    return (row[_AT["created_at"]], row[_AT["id"]])


def _supported_key(row: tuple[Any, ...]) -> tuple[object, ...]:
    return (row[_AT["support_count"]], row[_AT["created_at"]], row[_AT["id"]])


@router.get(
    "/opinions",
    response={200: OpinionPage, **ERRORS},
    summary="Published opinions",
    description="Newest first (or most supported: sort=supported), filtered and searched as "
    "the public list is: q finds words in any Polish form.",
)
def opinion_list(
    request: HttpRequest,
    area: str = Query("", max_length=80, description="a thematic area's slug"),
    district: str = Query("", max_length=80, description="a district's slug"),
    channel: Channel | None = None,
    event: int | None = Query(None, ge=1, le=MAX_ID),
    consultation: str = Query("", max_length=80, description="a consultation's slug"),
    section: int | None = Query(None, ge=1, le=MAX_ID),
    q: str = Query(
        "",
        max_length=200,
        description=(
            "words to find, in any form and with or without Polish letters (all of one or "
            'two words, two thirds of more; any when none has enough); "a phrase" in quotes; '
            "-word leaves a word out; staff's synonyms count. Results keep the sort given "
            "(relevance is the public list's, not the API's: pages here follow a cursor)"
        ),
    ),
    sort: Literal["newest", "supported"] = "newest",
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    updated_since: str | None = Query(
        None, max_length=40, pattern=ISO_8601, description=UPDATED_SINCE_DOC
    ),
) -> object:
    reject_unknown_params(request, OPINION_FILTERS | PAGING_PARAMS)
    opinions = selectors.api_published_opinions(
        area=area,
        district=district,
        channel=channel or "",
        event=event,
        consultation=consultation,
        section=section,
        query=q,
        updated_since=parse_updated_since(updated_since),
    )
    fields, key = (SUPPORTED, _supported_key) if sort == "supported" else (NEWEST, _newest_key)
    rows, next_cursor = keyset_page(
        opinions.values_list(*(lookup for _name, lookup in LIST_COLUMNS)),
        fields=fields,
        cursor=cursor,
        limit=limit,
        key=key,
    )
    items = [dict(zip(LIST_NAMES, row, strict=True)) for row in rows]
    answer = JsonResponse({"items": items, "next_cursor": next_cursor}, encoder=NinjaJSONEncoder)
    set_last_modified(answer, (item["published_at"] or item["created_at"] for item in items))
    return answer


@router.get(
    "/opinions/demographics",
    response={200: DemographicsOut, **ERRORS},
    summary="Who gave the published opinions: counts only, under 5 suppressed",
)
def opinion_demographics(
    request: HttpRequest,
    area: str = Query("", max_length=80),
    district: str = Query("", max_length=80),
    consultation: str = Query("", max_length=80),
) -> object:
    reject_unknown_params(request, {"area", "district", "consultation"})
    opinions = selectors.api_published_opinions(
        area=area, district=district, consultation=consultation
    )
    return selectors.demographics(opinions)


@router.get("/opinions/{opinion_id}", response={200: OpinionOut, **ERRORS}, summary="An opinion")
def opinion_detail(request: HttpRequest, opinion_id: int = Path(..., ge=1, le=MAX_ID)) -> object:
    reject_unknown_params(request, ())
    opinion = selectors.api_published_opinions().filter(pk=opinion_id).first()
    if opinion is None:
        raise ApiProblem(404, "Not found", "No such published opinion.")
    return opinion


COMMENT_KEY = (
    KeyField("created_at", descending=False, kind="datetime"),
    KeyField("pk", descending=False),
)


@router.get(
    "/opinions/{opinion_id}/comments",
    response={200: CommentPage, **ERRORS},
    summary="Published comments on an opinion, oldest first",
)
def comment_list(
    request: HttpRequest,
    opinion_id: int = Path(..., ge=1, le=MAX_ID),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> object:
    reject_unknown_params(request, {"cursor", "limit"})
    if not selectors.api_published_opinions().filter(pk=opinion_id).exists():
        raise ApiProblem(404, "Not found", "No such published opinion.")

    def key(comment: Comment) -> tuple[object, ...]:
        return (comment.created_at, comment.pk)

    items, next_cursor = keyset_page(
        selectors.published_comments_of(opinion_id),
        fields=COMMENT_KEY,
        cursor=cursor,
        limit=limit,
        key=key,
    )
    return {"items": items, "next_cursor": next_cursor}


ANSWER_KEY = (KeyField("pk", descending=False),)


@router.get(
    "/consultations/{slug}/answers",
    response={200: AnswerPage, **ERRORS},
    summary="The city's published answers to a consultation's comments",
    tags=["process"],
)
def answer_list(
    request: HttpRequest,
    slug: str,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    updated_since: str | None = Query(
        None, max_length=40, pattern=ISO_8601, description=UPDATED_SINCE_DOC
    ),
) -> object:
    reject_unknown_params(request, PAGING_PARAMS)
    since = parse_updated_since(updated_since)
    consultation = stage_selectors.consultations().filter(slug=slug).first()
    if consultation is None:
        raise ApiProblem(404, "Not found", "No such consultation.")

    def key(answer: ConsultationAnswer) -> tuple[object, ...]:
        return (answer.pk,)

    answers = selectors.published_answers(consultation)
    if since is not None:
        answers = answers.filter(updated_at__gte=since)
    items, next_cursor = keyset_page(
        answers,
        fields=ANSWER_KEY,
        cursor=cursor,
        limit=limit,
        key=key,
    )
    return {"items": items, "next_cursor": next_cursor}


# --- Thematic reports -------------------------------------------------------------------------

router_reports = Router(tags=["reports"])


class ReportOut(Schema):
    id: int
    area: str = Field(description="the thematic area's slug")
    consultation: str | None = Field(description="the consultation's slug; None: all of them")
    version: int
    cutoff_at: dt.datetime = Field(description="it covers opinions published until then")
    built_at: dt.datetime | None
    published_at: dt.datetime | None
    opinion_count: int

    @staticmethod
    def resolve_area(report: ThematicReport) -> str:
        return report.area.slug

    @staticmethod
    def resolve_consultation(report: ThematicReport) -> str | None:
        return report.consultation.slug if report.consultation else None


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None = None


class AnalystSummaryOut(Schema):
    text: str = Field(description="written by the analyst who prepared the report, in Polish")
    written_at: dt.datetime | None
    written_for_version: int | None = Field(
        description="set when it was written for an earlier version and carried into this "
        "one by a rebuild, not yet reviewed for it"
    )


class ReportEditOut(Schema):
    from_version: int | None = Field(description="the version an editor made this one from")
    edited_at: dt.datetime | None


class ContrastQuoteOut(Schema):
    opinion: int = Field(description="the quoted opinion's id")
    text: str = Field(description="the sentence taking the side, word for word")


class ContrastSideOut(Schema):
    side: Literal["more", "less"] = Field(
        description="more: more of it or something new; less: less of it or something else"
    )
    count: int = Field(description="opinions taking this side")
    quotes: list[ContrastQuoteOut]


class ContrastOut(Schema):
    term: str = Field(description="the subject, a key term of the report (lemmas)")
    form: str = Field(description="the subject as people wrote it most often („plac zabaw”)")
    lemma: str
    sides: list[ContrastSideOut]


class ReportDetailOut(ReportOut):
    figures: dict[str, Any] = Field(description="counts by channel, district, age band, month")
    terms: list[Any] = Field(description="the area's characteristic terms")
    subthemes: list[Any] = Field(description="sub-themes found by clustering, with quotes")
    analyst_summary: AnalystSummaryOut | None = Field(
        description="the analyst's summary, when the version has one"
    )
    edited: ReportEditOut | None = Field(
        description="set when an editor made this version from another (renamed sub-themes, "
        "wrote the analyst's summary); who did is not published"
    )
    contrasts: list[ContrastOut] = Field(
        description="different views on the same subject, side by side, as on the report page"
    )

    @staticmethod
    def resolve_analyst_summary(report: ThematicReport) -> dict[str, Any] | None:
        return selectors.public_report_summary(report)

    @staticmethod
    def resolve_edited(report: ThematicReport) -> dict[str, Any] | None:
        return selectors.public_report_edit(report)

    @staticmethod
    def resolve_contrasts(report: ThematicReport) -> list[dict[str, Any]]:
        return selectors.public_report_contrasts(report)

    @staticmethod
    def resolve_figures(report: ThematicReport) -> dict[str, Any]:
        return selectors.public_report_figures(report)

    @staticmethod
    def resolve_terms(report: ThematicReport) -> list[Any]:
        return list((report.content or {}).get("terms") or [])

    @staticmethod
    def resolve_subthemes(report: ThematicReport) -> list[Any]:
        return list((report.content or {}).get("subthemes") or [])


class MemberOut(Schema):
    opinion: int
    subtheme: int | None

    @staticmethod
    def resolve_opinion(member: ReportMembership) -> int:
        return member.opinion_id


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None = None


BY_ID = (KeyField("pk", descending=False),)


def _by_id(row: Any) -> tuple[object, ...]:
    return (row.pk,)


@router_reports.get(
    "/reports", response={200: ReportPage, **ERRORS}, summary="Published thematic report versions"
)
def report_list(
    request: HttpRequest,
    area: str = Query("", max_length=80, description="a thematic area's slug"),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    updated_since: str | None = Query(
        None, max_length=40, pattern=ISO_8601, description=UPDATED_SINCE_DOC
    ),
) -> object:
    reject_unknown_params(request, {"area", *PAGING_PARAMS})
    reports = selectors.published_report_versions().defer("content")
    if area:
        reports = reports.filter(area__slug=area)
    since = parse_updated_since(updated_since)
    if since is not None:
        reports = reports.filter(published_at__gte=since)
    items, next_cursor = keyset_page(reports, fields=BY_ID, cursor=cursor, limit=limit, key=_by_id)
    return {"items": items, "next_cursor": next_cursor}


def _report(report_id: int) -> ThematicReport:
    report = selectors.published_report_versions().filter(pk=report_id).first()
    if report is None:
        raise ApiProblem(404, "Not found", "No such published report version.")
    return report


@router_reports.get(
    "/reports/{report_id}",
    response={200: ReportDetailOut, **ERRORS},
    summary="A published report version with its figures, terms and sub-themes",
)
def report_detail(request: HttpRequest, report_id: int = Path(..., ge=1, le=MAX_ID)) -> object:
    reject_unknown_params(request, ())
    return _report(report_id)


MEMBER_KEY = (KeyField("opinion_id", descending=False),)


@router_reports.get(
    "/reports/{report_id}/opinions",
    response={200: MemberPage, **ERRORS},
    summary="The opinions a report version was built from, with their sub-theme",
)
def report_opinions(
    request: HttpRequest,
    report_id: int = Path(..., ge=1, le=MAX_ID),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(MAX_LIMIT, ge=1, le=MAX_LIMIT),
) -> object:
    reject_unknown_params(request, {"cursor", "limit"})

    def key(member: ReportMembership) -> tuple[object, ...]:
        return (member.opinion_id,)

    items, next_cursor = keyset_page(
        selectors.report_members(_report(report_id)),
        fields=MEMBER_KEY,
        cursor=cursor,
        limit=limit,
        key=key,
    )
    return {"items": items, "next_cursor": next_cursor}
