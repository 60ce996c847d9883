"""The process skeleton, read-only, for /api/v1/ (mounted by lublin2030/api.py).

Reads go through stages.selectors only. No field names a person: stage updates leave out
their author, document versions who uploaded them and the uploaded file's name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from core.api import DEFAULT_LIMIT as LIMIT
from core.api import (
    ERRORS,
    ISO_8601,
    PAGING_PARAMS,
    UPDATED_SINCE_DOC,
    ApiProblem,
    KeyField,
    keyset_page,
    parse_updated_since,
    reject_unknown_params,
    set_last_modified,
)
from core.api import MAX_LIMIT as MAX

from . import selectors
from .models import (
    Consultation,
    DocumentVersion,
    Goal,
    Indicator,
    Measurement,
    Section,
    StageUpdate,
    Task,
)

router = Router(tags=["process"])


class ProcessOut(Schema):
    key: str
    name: str
    name_en: str
    city: str
    question: str
    question_en: str
    introduction: str
    introduction_en: str


class StageOut(Schema):
    number: int
    slug: str
    title: str
    title_en: str
    summary: str
    summary_en: str
    description: str
    description_en: str
    period_start: dt.date
    period_end: dt.date
    period_label: str
    status: str = Field(description="upcoming, current or completed, today")


class AreaOut(Schema):
    number: int
    slug: str
    name: str
    name_en: str
    description: str
    description_en: str


class DistrictOut(Schema):
    slug: str
    name: str


class StageUpdateOut(Schema):
    id: int
    stage: int = Field(description="the stage's number")
    title: str
    body: str = Field(description="Markdown")
    publish_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_stage(update: StageUpdate) -> int:
        return update.stage.number


class StageUpdatePage(Schema):
    items: list[StageUpdateOut]
    next_cursor: str | None = None


class ConsultationOut(Schema):
    slug: str
    stage: int = Field(description="the stage's number")
    kind: Consultation.Kind
    title: str
    title_en: str
    question: str
    question_en: str
    description: str
    description_en: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    statutory: bool = Field(description="required by law (at least 35 days, report in 30)")

    @staticmethod
    def resolve_stage(consultation: Consultation) -> int:
        return consultation.stage.number


class VersionOut(Schema):
    number: int
    title: str
    note: str = Field(description="what changed since the previous version")
    published_at: dt.datetime | None


class SectionOut(Schema):
    key: str = Field(description="stable across versions")
    number: str
    level: int = Field(description="1 chapter, 2 section, 3 paragraph")
    parent_key: str | None
    position: int
    heading: str
    body: str = Field(description="Markdown")
    comment_count: int

    @staticmethod
    def resolve_parent_key(section: Section) -> str | None:
        return section.parent.key if section.parent else None


class SectionPage(Schema):
    items: list[SectionOut]
    next_cursor: str | None = None


@router.get("/process", response={200: ProcessOut, **ERRORS}, summary="The process")
def process(request: HttpRequest) -> ProcessOut | object:
    reject_unknown_params(request, ())
    found = selectors.the_process()
    if found is None:
        raise ApiProblem(404, "Not found", "No process is loaded.")
    return found


@router.get("/stages", response={200: list[StageOut], **ERRORS}, summary="Stages")
def stage_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.stages())


@router.get("/stages/{slug}", response={200: StageOut, **ERRORS}, summary="A stage")
def stage_detail(request: HttpRequest, slug: str) -> object:
    reject_unknown_params(request, ())
    stage = selectors.stages().filter(slug=slug).first()
    if stage is None:
        raise ApiProblem(404, "Not found", "No such stage.")
    return stage


UPDATE_KEY = (KeyField("publish_at", kind="datetime"), KeyField("pk"))


@router.get("/stage-updates", response={200: StageUpdatePage, **ERRORS}, summary="Stage updates")
def update_list(
    request: HttpRequest,
    stage: int | None = Query(None, ge=1, le=1000, description="the stage's number"),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(LIMIT, ge=1, le=MAX),
    updated_since: str | None = Query(
        None, max_length=40, pattern=ISO_8601, description=UPDATED_SINCE_DOC
    ),
    *,
    response: HttpResponse,
) -> object:
    reject_unknown_params(request, {"stage", *PAGING_PARAMS})
    updates = selectors.visible_updates(updated_since=parse_updated_since(updated_since))
    if stage is not None:
        updates = updates.filter(stage__number=stage)

    def key(update: StageUpdate) -> tuple[object, ...]:
        return (update.publish_at, update.pk)

    items, next_cursor = keyset_page(
        updates, fields=UPDATE_KEY, cursor=cursor, limit=limit, key=key
    )
    set_last_modified(response, (item.updated_at for item in items))
    return {"items": items, "next_cursor": next_cursor}


@router.get("/areas", response={200: list[AreaOut], **ERRORS}, summary="Thematic areas")
def area_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.areas())


@router.get("/districts", response={200: list[DistrictOut], **ERRORS}, summary="Districts")
def district_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.districts())


@router.get(
    "/consultations", response={200: list[ConsultationOut], **ERRORS}, summary="Consultations"
)
def consultation_list(
    request: HttpRequest,
    kind: Consultation.Kind | None = None,
) -> object:
    reject_unknown_params(request, {"kind"})
    found = selectors.consultations()
    if kind is not None:
        found = found.filter(kind=kind)
    return list(found)


def _consultation(slug: str) -> Consultation:
    found = selectors.consultations().filter(slug=slug).first()
    if found is None:
        raise ApiProblem(404, "Not found", "No such consultation.")
    return found


@router.get(
    "/consultations/{slug}", response={200: ConsultationOut, **ERRORS}, summary="A consultation"
)
def consultation_detail(request: HttpRequest, slug: str) -> object:
    reject_unknown_params(request, ())
    return _consultation(slug)


@router.get(
    "/consultations/{slug}/versions",
    response={200: list[VersionOut], **ERRORS},
    summary="Published versions of a consultation's document",
)
def version_list(request: HttpRequest, slug: str) -> object:
    reject_unknown_params(request, ())
    return list(selectors.published_versions(_consultation(slug)).order_by("number"))


SECTION_KEY = (KeyField("position", descending=False), KeyField("pk", descending=False))


@router.get(
    "/consultations/{slug}/versions/{number}/sections",
    response={200: SectionPage, **ERRORS},
    summary="Sections of a published document version, in document order",
)
def section_list(
    request: HttpRequest,
    slug: str,
    number: int = Path(..., ge=1, le=2_147_483_647),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(LIMIT, ge=1, le=MAX),
) -> object:
    reject_unknown_params(request, {"cursor", "limit"})
    version: DocumentVersion | None = (
        selectors.published_versions(_consultation(slug)).filter(number=number).first()
    )
    if version is None:
        raise ApiProblem(404, "Not found", "No such published version.")

    def key(section: Section) -> tuple[object, ...]:
        return (section.position, section.pk)

    items, next_cursor = keyset_page(
        selectors.sections_of(version), fields=SECTION_KEY, cursor=cursor, limit=limit, key=key
    )
    return {"items": items, "next_cursor": next_cursor}


# --- The adopted strategy ---------------------------------------------------------------------

strategy_router = Router(tags=["strategy"])


class GoalOut(Schema):
    code: str
    level: str
    area: str = Field(description="the development area's slug")
    parent: str | None = Field(description="the strategic goal's code (operational goals)")
    position: int
    title: str
    title_en: str
    description: str
    description_en: str

    @staticmethod
    def resolve_area(goal: Goal) -> str:
        return goal.area.slug

    @staticmethod
    def resolve_parent(goal: Goal) -> str | None:
        return goal.parent.code if goal.parent else None


class MeasurementOut(Schema):
    year: int
    value: Decimal
    status: str = Field(description="final or provisional")
    source_url: str
    note: str


class IndicatorOut(Schema):
    code: str
    goal: str = Field(description="the goal's code")
    name: str
    name_en: str
    unit: str
    polarity: str
    baseline_value: Decimal
    baseline_year: int
    target_value: Decimal
    target_year: int
    source: str
    source_url: str
    frequency: str
    measurements: list[MeasurementOut]

    @staticmethod
    def resolve_goal(indicator: Indicator) -> str:
        return indicator.goal.code

    @staticmethod
    def resolve_measurements(indicator: Indicator) -> list[Measurement]:
        return list(indicator.measurements.all())


class TaskOut(Schema):
    code: str
    direction: str = Field(description="the direction of action's code")
    title: str
    description: str
    responsible_unit: str = Field(description="a unit of the city, never a person")
    budget: Decimal | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str
    districts: list[str]

    @staticmethod
    def resolve_direction(task: Task) -> str:
        return task.direction.code

    @staticmethod
    def resolve_districts(task: Task) -> list[str]:
        return [district.slug for district in task.districts.all()]


@strategy_router.get(
    "/strategy/goals", response={200: list[GoalOut], **ERRORS}, summary="The strategy's goals"
)
def goal_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.strategy_goals())


@strategy_router.get(
    "/strategy/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    summary="The goals' indicators with their measurements",
)
def indicator_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.strategy_indicators())


@strategy_router.get(
    "/strategy/tasks", response={200: list[TaskOut], **ERRORS}, summary="Implementation tasks"
)
def task_list(request: HttpRequest) -> object:
    reject_unknown_params(request, ())
    return list(selectors.strategy_tasks())
