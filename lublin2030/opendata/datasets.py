"""What the open-data files hold: each dataset's fields, described, and its rows, streamed.

Rows come from the apps' selectors as `values_list(...).iterator(chunk_size=...)`: a
million opinions pass through in chunks, never all in memory. Foreign keys are written as
the slugs the API uses, looked up in small dictionaries read once, not joined per row.
Nothing here names a person: no author, e-mail, account, signature, organisation, age band
or relation to the city (the API's demographics give those as counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from opinions import selectors as opinion_selectors
from stages import selectors as stage_selectors
from stages.models import Consultation, District, Section, ThematicArea
from workgroups import selectors as group_selectors

CHUNK = 5000
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless Table Schema: string, integer, number, date, datetime, boolean
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    title_en: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[Row]]


def iso(value: Any, zone: dt.tzinfo | None = None) -> Any:
    """ISO 8601 in the portal's time zone for datetimes, as is for the rest.

    Writers pass the zone, read once: looking it up per value was a third of an export's time.
    """
    if isinstance(value, dt.datetime):
        return value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _slugs(model: Any) -> dict[int, str]:
    return dict(model.objects.values_list("pk", "slug"))


def opinion_rows() -> Iterator[Row]:
    areas, districts = _slugs(ThematicArea), _slugs(District)
    consultations = _slugs(Consultation)
    sections = dict(Section.objects.values_list("pk", "key"))
    rows = (
        opinion_selectors.api_published_opinions()
        .select_related(None)
        .order_by("pk")
        .values_list(
            "pk",
            "consultation_id",
            "area_id",
            "district_id",
            "channel",
            "event_id",
            "section_id",
            "submitter_kind",
            "collected_on",
            "created_at",
            "status_changed_at",
            "support_count",
            "comment_count",
            "answer_id",
            "text",
            "proposed_wording",
            "justification",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        (pk, consultation, area, district, channel, event, section, *rest) = row
        yield (
            pk,
            consultations.get(consultation),
            areas.get(area),
            districts.get(district),
            channel,
            event,
            sections.get(section),
            *rest,
        )


OPINION_COLUMNS = (
    Column("id", "integer", "Number of the opinion (as in /api/v1/opinions/{id})"),
    Column("consultation", "string", "Slug of the consultation it was given in"),
    Column("area", "string", "Slug of the thematic area it was assigned to (empty: none yet)"),
    Column("district", "string", "Slug of the district it is about (empty: the whole city)"),
    Column("channel", "string", "How it reached the city: online, mobile-point, cafe, …"),
    Column("event", "integer", "Number of the meeting it was collected at (empty: none)"),
    Column("section", "string", "Key of the document section it comments on (empty: none)"),
    Column("submitter_kind", "string", "person, organisation or public-body (never who)"),
    Column("collected_on", "date", "Day it was written (paper input: the meeting's day)"),
    Column("created_at", "datetime", "When the city received it"),
    Column("published_at", "datetime", "Its last moderation change (publication)"),
    Column("support_count", "integer", "How many residents supported it"),
    Column("comment_count", "integer", "How many published comments it has"),
    Column("answer", "integer", "Number of the city's answer (consultation comments)"),
    Column("text", "string", "The opinion as published"),
    Column("proposed_wording", "string", "Wording it proposes for the section"),
    Column("justification", "string", "Why, in the author's words"),
)


def comment_rows() -> Iterator[Row]:
    published = opinion_selectors.api_published_opinions().values("pk")
    comments = (
        opinion_selectors.published_comments_of_all()
        .filter(opinion__in=published)
        .order_by("pk")
        .values_list("pk", "opinion_id", "created_at", "text")
    )
    yield from comments.iterator(chunk_size=CHUNK)


COMMENT_COLUMNS = (
    Column("id", "integer", "Number of the comment"),
    Column("opinion", "integer", "Number of the opinion it comments on"),
    Column("created_at", "datetime", "When it was sent"),
    Column("text", "string", "The comment as published (never its signature)"),
)


def area_rows() -> Iterator[Row]:
    yield from stage_selectors.areas().values_list(
        "number", "slug", "name", "name_en", "description"
    )


AREA_COLUMNS = (
    Column("number", "integer", "Number of the thematic area"),
    Column("slug", "string", "Its identifier in the other files and the API"),
    Column("name", "string", "Name (Polish)"),
    Column("name_en", "string", "Name (English)"),
    Column("description", "string", "Description (Polish)"),
)


def district_rows() -> Iterator[Row]:
    yield from stage_selectors.districts().values_list("slug", "name")


DISTRICT_COLUMNS = (
    Column("slug", "string", "Identifier of the district in the other files and the API"),
    Column("name", "string", "Name of the district"),
)


def consultation_rows() -> Iterator[Row]:
    yield from stage_selectors.consultations().values_list(
        "slug", "stage__number", "kind", "title", "question", "opens_at", "closes_at", "statutory"
    )


CONSULTATION_COLUMNS = (
    Column("slug", "string", "Identifier of the consultation"),
    Column("stage", "integer", "Number of the process stage it belongs to"),
    Column("kind", "string", "open-question, recommendations or document"),
    Column("title", "string", "Title (Polish)"),
    Column("question", "string", "The question asked (Polish)"),
    Column("opens_at", "datetime", "When it opened"),
    Column("closes_at", "datetime", "When it closed"),
    Column("statutory", "boolean", "Required by law (at least 35 days, report within 30)"),
)


def answer_rows() -> Iterator[Row]:
    consultations = _slugs(Consultation)
    answers = (
        opinion_selectors.published_answers_of_all()
        .order_by("pk")
        .values_list("pk", "consultation_id", "decision", "justification", "published_at")
    )
    for pk, consultation, *rest in answers.iterator(chunk_size=CHUNK):
        yield (pk, consultations.get(consultation), *rest)


ANSWER_COLUMNS = (
    Column("id", "integer", "Number of the answer (opinions' answer column)"),
    Column("consultation", "string", "Slug of the consultation"),
    Column("decision", "string", "accepted, partly, not-accepted or not-applicable"),
    Column("justification", "string", "The city's justification"),
    Column("published_at", "datetime", "When it was published"),
)


def recommendation_rows() -> Iterator[Row]:
    rows = group_selectors.published_recommendations().order_by("pk")
    for item in rows.iterator(chunk_size=CHUNK):
        current = item.current
        yield (
            item.pk,
            item.group.slug,
            item.number,
            item.title,
            item.status,
            item.published_at,
            current.vision if current else "",
            current.diagnosis if current else "",
            current.goals if current else "",
            item.adoption_reason,
        )


RECOMMENDATION_COLUMNS = (
    Column("id", "integer", "Number of the recommendation (as in the API)"),
    Column("group", "string", "Slug of the working group"),
    Column("number", "integer", "Its number in the group"),
    Column("title", "string", "Title"),
    Column("status", "string", "verified, adopted, not_adopted, …"),
    Column("published_at", "datetime", "When it was published"),
    Column("vision", "string", "Vision (current version)"),
    Column("diagnosis", "string", "Diagnosis (current version)"),
    Column("goals", "string", "Goals (current version)"),
    Column("adoption_reason", "string", "Why the strategy did not take it up"),
)


def measurement_rows() -> Iterator[Row]:
    for indicator in stage_selectors.strategy_indicators():
        for measurement in indicator.measurements.all():
            yield (
                indicator.code,
                indicator.goal.code,
                indicator.name,
                indicator.unit,
                measurement.year,
                measurement.value,
                measurement.status,
                indicator.baseline_value,
                indicator.target_value,
                indicator.target_year,
            )


MEASUREMENT_COLUMNS = (
    Column("indicator", "string", "Code of the indicator"),
    Column("goal", "string", "Code of the strategy's goal it measures"),
    Column("name", "string", "Name of the indicator"),
    Column("unit", "string", "Unit"),
    Column("year", "integer", "Year measured"),
    Column("value", "number", "Value"),
    Column("status", "string", "final or provisional"),
    Column("baseline_value", "number", "The indicator's baseline"),
    Column("target_value", "number", "The indicator's target"),
    Column("target_year", "integer", "Year of the target"),
)


def task_rows() -> Iterator[Row]:
    for task in stage_selectors.strategy_tasks():
        yield (
            task.code,
            task.direction.code,
            task.title,
            task.responsible_unit,
            task.budget,
            task.starts_on,
            task.ends_on,
            task.status,
            " ".join(district.slug for district in task.districts.all()),
        )


TASK_COLUMNS = (
    Column("code", "string", "Code of the task"),
    Column("direction", "string", "Code of the direction of action it implements"),
    Column("title", "string", "Title"),
    Column("responsible_unit", "string", "The city's unit responsible (never a person)"),
    Column("budget", "number", "Budget in PLN"),
    Column("starts_on", "date", "Start"),
    Column("ends_on", "date", "End"),
    Column("status", "string", "planned, in_progress, done or suspended"),
    Column("districts", "string", "Slugs of the districts it concerns, space-separated"),
)


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "opinions",
        "Opinie mieszkańców",
        "Residents' opinions",
        "Wszystkie opublikowane opinie i uwagi mieszkańców, bez danych osobowych.",
        OPINION_COLUMNS,
        opinion_rows,
    ),
    Dataset(
        "comments",
        "Komentarze do opinii",
        "Comments on opinions",
        "Opublikowane komentarze do opinii, bez podpisów.",
        COMMENT_COLUMNS,
        comment_rows,
    ),
    Dataset(
        "consultations",
        "Konsultacje",
        "Consultations",
        "Konsultacje procesu: pytania, terminy i podstawa prawna.",
        CONSULTATION_COLUMNS,
        consultation_rows,
    ),
    Dataset(
        "answers",
        "Odpowiedzi na uwagi",
        "Answers to comments",
        "Opublikowane stanowiska miasta wobec uwag zgłoszonych w konsultacjach.",
        ANSWER_COLUMNS,
        answer_rows,
    ),
    Dataset(
        "areas",
        "Obszary tematyczne",
        "Thematic areas",
        "Obszary tematyczne strategii.",
        AREA_COLUMNS,
        area_rows,
    ),
    Dataset(
        "districts",
        "Dzielnice",
        "Districts",
        "Dzielnice miasta.",
        DISTRICT_COLUMNS,
        district_rows,
    ),
    Dataset(
        "recommendations",
        "Rekomendacje grup roboczych",
        "Working groups' recommendations",
        "Opublikowane rekomendacje tematycznych grup roboczych (aktualna wersja).",
        RECOMMENDATION_COLUMNS,
        recommendation_rows,
    ),
    Dataset(
        "indicators",
        "Wskaźniki strategii i ich pomiary",
        "The strategy's indicators and measurements",
        "Wskaźniki celów strategii z wartościami bazowymi, docelowymi i zmierzonymi.",
        MEASUREMENT_COLUMNS,
        measurement_rows,
    ),
    Dataset(
        "tasks",
        "Zadania realizacyjne",
        "Implementation tasks",
        "Zadania realizujące kierunki działań strategii.",
        TASK_COLUMNS,
        task_rows,
    ),
)

BY_NAME = {dataset.name: dataset for dataset in DATASETS}
# Files a dataset is written as (the stable URLs /otwarte-dane/<name>.<extension>).
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
