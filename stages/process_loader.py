"""Load a whole strategy process (stages, thematic areas, districts) from a TOML file.

The file is parsed and validated completely before anything is written, and then written
in one transaction, so a malformed file leaves the database as it was. Rows are matched
by their natural keys (stage number, area slug, district slug), so loading the same file
twice changes nothing, and a corrected file updates what it corrects.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, models, transaction

from .models import Consultation, District, Process, Stage, ThematicArea
from .services.consultations import ConsultationRefused, check_dates

EDITOR_OWNED_FIELDS = {"pinned_status"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ProcessFileError(Exception):
    """The process file cannot be loaded; the message names the line or the key."""


@dataclass(frozen=True)
class FieldSpec:
    kind: type
    required: bool = True
    max_length: int | None = None


TEXT = FieldSpec(str, required=False)
PROCESS_FIELDS = {
    "key": FieldSpec(str, max_length=50),
    "name": FieldSpec(str, max_length=200),
    "name_en": FieldSpec(str, required=False, max_length=200),
    "city": FieldSpec(str, max_length=100),
    "question": FieldSpec(str, max_length=300),
    "question_en": FieldSpec(str, required=False, max_length=300),
    "introduction": TEXT,
    "introduction_en": TEXT,
}
STAGE_FIELDS = {
    "number": FieldSpec(int),
    "slug": FieldSpec(str, max_length=80),
    "title": FieldSpec(str, max_length=200),
    "title_en": FieldSpec(str, required=False, max_length=200),
    "period_start": FieldSpec(dt.date),
    "period_end": FieldSpec(dt.date),
    "period_label": FieldSpec(str, required=False, max_length=100),
    "period_label_en": FieldSpec(str, required=False, max_length=100),
    "summary": TEXT,
    "summary_en": TEXT,
    "description": TEXT,
    "description_en": TEXT,
    "expected_results": FieldSpec(list, required=False),
    "expected_results_en": FieldSpec(list, required=False),
}
AREA_FIELDS = {
    "number": FieldSpec(int),
    "slug": FieldSpec(str, max_length=80),
    "name": FieldSpec(str, max_length=200),
    "name_en": FieldSpec(str, required=False, max_length=200),
    "description": TEXT,
    "description_en": TEXT,
}
CONSULTATION_FIELDS = {
    "stage": FieldSpec(int),
    "slug": FieldSpec(str, max_length=80),
    "kind": FieldSpec(str, max_length=20),
    "title": FieldSpec(str, max_length=200),
    "title_en": FieldSpec(str, required=False, max_length=200),
    "question": FieldSpec(str, required=False, max_length=300),
    "question_en": FieldSpec(str, required=False, max_length=300),
    "description": TEXT,
    "description_en": TEXT,
    "opens_at": FieldSpec(dt.datetime),
    "closes_at": FieldSpec(dt.datetime),
    # Required by law (art. 6 of the act on development policy): open at least 35 days,
    # answered by a report within 30 days of the close. How to comment is announced with it.
    "statutory": FieldSpec(bool, required=False),
    "how_to_comment": TEXT,
    "how_to_comment_en": TEXT,
}
DISTRICT_FIELDS = {
    "slug": FieldSpec(str, max_length=80),
    "name": FieldSpec(str, max_length=200),
}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, kind: str) -> None:
        counts = getattr(self, bucket)
        counts[kind] = counts.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "; ".join(
            f"{kind}: {self.created.get(kind, 0)} created, {self.updated.get(kind, 0)} updated, "
            f"{self.unchanged.get(kind, 0)} unchanged"
            for kind in kinds
        )


def parse_process_file(path: Path) -> dict[str, Any]:
    """Read and validate a process file; raises ProcessFileError naming the line or key."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProcessFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProcessFileError(f"{path}, line {line}: the file is not valid UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)".
        raise ProcessFileError(f"{path}: TOML syntax error {exc}") from exc
    return validate_process_data(data, source=str(path))


def validate_process_data(data: dict[str, Any], *, source: str = "process") -> dict[str, Any]:
    unknown = set(data) - {"process", "stages", "areas", "districts", "consultations"}
    errors = [f"{key}: unknown section" for key in sorted(unknown)]
    process = data.get("process")
    if not isinstance(process, dict):
        errors.append("process: required table [process] is missing")
    else:
        errors.extend(_check_record(process, PROCESS_FIELDS, "process"))
    errors.extend(_check_consultations(data))
    for section, spec, unique_keys in (
        ("stages", STAGE_FIELDS, ("number", "slug")),
        ("areas", AREA_FIELDS, ("number", "slug", "name")),
        ("districts", DISTRICT_FIELDS, ("slug", "name")),
    ):
        errors.extend(_check_section(data.get(section), section, spec, unique_keys))
    if errors:
        shown = errors[:20]
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise ProcessFileError(f"{source}: invalid process file:\n  " + "\n  ".join(shown) + more)
    return data


def _check_consultations(data: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    # Only whole numbers: a list or table given as a stage's number is reported by the
    # stage's own check (and cannot go into a set).
    stage_numbers = {
        stage.get("number")
        for stage in data.get("stages", [])
        if isinstance(stage, dict) and isinstance(stage.get("number"), int)
    }
    for index, record in enumerate(data.get("consultations", [])):
        where = f"consultations[{index}]"
        if not isinstance(record, dict):
            errors.append(f"{where}: must be a table")
            continue
        record_errors = _check_record(record, CONSULTATION_FIELDS, where)
        if record_errors:
            errors.extend(record_errors)
            continue
        # Only a record whose keys are all present and well typed can be cross-checked.
        errors.extend(_check_consultation(record, where, stage_numbers))
    return errors


def _check_section(
    records: object, section: str, spec: dict[str, FieldSpec], unique_keys: tuple[str, ...]
) -> list[str]:
    """The entries of one required [[section]]: each valid, none repeating a unique key."""
    if not isinstance(records, list) or not records:
        return [f"{section}: at least one [[{section}]] entry is required"]
    errors: list[str] = []
    seen: dict[str, dict[object, int]] = {key: {} for key in unique_keys}
    for index, record in enumerate(records):
        where = f"{section}[{index}]"
        if not isinstance(record, dict):
            errors.append(f"{where}: must be a table")
            continue
        record_errors = _check_record(record, spec, where)
        if record_errors:
            errors.extend(record_errors)
            continue
        for key in unique_keys:
            value = record[key]
            if value in seen[key]:
                errors.append(
                    f"{where}.{key}: {value!r} repeats {section}[{seen[key][value]}].{key}"
                )
            seen[key][value] = index
        if section == "stages":
            errors.extend(_check_stage(record, where))
    return errors


def _check_record(record: dict[str, Any], spec: dict[str, FieldSpec], where: str) -> list[str]:
    errors = [f"{where}.{key}: unknown key" for key in sorted(set(record) - set(spec))]
    for key, rule in spec.items():
        if key in record:
            errors.extend(_check_value(key, record[key], rule, f"{where}.{key}"))
        elif rule.required:
            errors.append(f"{where}.{key}: required key is missing")
    return errors


def _check_value(key: str, value: object, rule: FieldSpec, place: str) -> list[str]:
    """A value of the wrong type gets that one error; only a value of the right type is
    checked against the limits of its type."""
    wrong_type = _type_error(value, rule.kind)
    if wrong_type:
        return [f"{place}: {wrong_type}"]
    if isinstance(value, str):
        return _text_errors(key, value, rule, place)
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        return [f"{place}: expected a list of texts"]
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 1000:
        return [f"{place}: expected a number from 1 to 1000"]
    return []


def _type_error(value: object, kind: type) -> str | None:
    # TOML gives a datetime where a date was meant, and Python counts a bool as an int:
    # both pass isinstance, so both are refused first.
    if kind is dt.date and isinstance(value, dt.datetime):
        return "expected a date like 2019-10-01, not a date and time"
    if kind is int and isinstance(value, bool):
        return "expected a whole number"
    if not isinstance(value, kind):
        return f"expected {_kind_name(kind)}, got {_kind_name(type(value))}"
    return None


def _text_errors(key: str, value: str, rule: FieldSpec, place: str) -> list[str]:
    errors = []
    if rule.required and not value.strip():
        errors.append(f"{place}: must not be empty")
    if rule.max_length and len(value) > rule.max_length:
        errors.append(f"{place}: longer than {rule.max_length} characters")
    if key == "slug" and not SLUG_RE.match(value):
        errors.append(f"{place}: {value!r} must be lowercase letters, digits and hyphens")
    return errors


def _check_stage(record: dict[str, Any], where: str) -> list[str]:
    if record["period_start"] > record["period_end"]:
        return [f"{where}.period_end: {record['period_end']} is before period_start"]
    return []


def _check_consultation(record: dict[str, Any], where: str, stage_numbers: set[Any]) -> list[str]:
    errors = []
    if record["stage"] not in stage_numbers:
        errors.append(f"{where}.stage: no stage number {record['stage']} in this file")
    if record["kind"] not in Consultation.Kind.values:
        kinds = ", ".join(Consultation.Kind.values)
        errors.append(f"{where}.kind: {record['kind']!r} is not one of {kinds}")
    for key in ("opens_at", "closes_at"):
        if record[key].tzinfo is None:
            errors.append(f"{where}.{key}: give a time zone offset, e.g. 2019-10-01T00:00:00+02:00")
    if not errors:
        # The service's own rule: a statutory consultation shorter than 35 days is refused.
        try:
            check_dates(
                opens_at=record["opens_at"],
                closes_at=record["closes_at"],
                statutory=bool(record.get("statutory")),
            )
        except ConsultationRefused as refused:
            errors.append(f"{where}.closes_at: {refused.message}")
    return errors


def _kind_name(kind: type) -> str:
    return {
        str: "text",
        int: "a whole number",
        list: "a list",
        dt.date: "a date",
        dict: "a table",
        float: "a decimal number",
        bool: "true/false",
        dt.datetime: "a date and time",
    }.get(kind, kind.__name__)


def load_process(path: Path) -> LoadReport:
    """Validate the file, then write it in one transaction."""
    data = parse_process_file(path)
    try:
        return load_process_data(data)
    except IntegrityError as exc:
        # E.g. a district renamed to a name another district already has in the database.
        raise ProcessFileError(f"{path}: conflicts with data already loaded: {exc}") from exc


@transaction.atomic
def load_process_data(data: dict[str, Any]) -> LoadReport:
    report = LoadReport()
    process = data["process"]
    _upsert(Process, {"key": process["key"]}, process, report, "process")
    for stage in data["stages"]:
        values = dict(stage)
        values["expected_results"] = "\n".join(stage.get("expected_results", []))
        values["expected_results_en"] = "\n".join(stage.get("expected_results_en", []))
        _upsert(Stage, {"number": stage["number"]}, values, report, "stages")
    for area in data["areas"]:
        _upsert(ThematicArea, {"slug": area["slug"]}, area, report, "areas")
    for district in data["districts"]:
        _upsert(District, {"slug": district["slug"]}, district, report, "districts")
    for consultation in data.get("consultations", []):
        values = dict(consultation)
        values["stage"] = Stage.objects.get(number=consultation["stage"])
        # Left out, it is not required by law (a reload that drops it takes effect).
        values.setdefault("statutory", False)
        _upsert(Consultation, {"slug": consultation["slug"]}, values, report, "consultations")
    return report


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    report: LoadReport,
    kind: str,
) -> None:
    defaults = {key: value for key, value in values.items() if key not in lookup}
    # Optional texts left out of the file are stored empty, so removing one takes effect;
    # fields that editors own (a pinned stage status) are never touched by a reload.
    for model_field in model._meta.concrete_fields:
        name = model_field.name
        if name in values or name in lookup or name in EDITOR_OWNED_FIELDS:
            continue
        if isinstance(model_field, models.CharField | models.TextField):
            defaults.setdefault(name, "")
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        model._default_manager.create(**lookup, **defaults)
        report.count("created", kind)
        return
    changed = [name for name, value in defaults.items() if getattr(instance, name) != value]
    if not changed:
        report.count("unchanged", kind)
        return
    for name in changed:
        setattr(instance, name, defaults[name])
    instance.save(update_fields=changed)
    report.count("updated", kind)
