"""Load a strategy (areas, goals, directions, indicators, tasks, measurements) from TOML.

Like `load_process`: the whole file is parsed and validated before anything is written,
then written in one transaction, so a file with one mistake leaves the database as it was.
Rows are matched by their natural keys (strategy key, area slug, goal, direction, indicator
and task codes; a measurement by indicator, year and status), so loading the same file
twice changes nothing and a corrected file updates what it corrects. Each error names the
line of its [[entry]] and the key.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from stages.models import District
from stages.process_loader import LoadReport, _upsert

from .models import (
    DevelopmentArea,
    Direction,
    Goal,
    Indicator,
    Measurement,
    Strategy,
    Task,
)
from .selectors import strategy_changed

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$")
HEADER_RE = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]")
ADOPTION_FIELDS = (
    "adopted_on",
    "resolution_number",
    "resolution_url",
    "votes_for",
    "votes_against",
    "votes_abstaining",
)
SECTIONS = ("areas", "goals", "directions", "indicators", "tasks", "measurements")
MAX_ERRORS = 20


class StrategyFileError(Exception):
    """The strategy file cannot be loaded; the message names the line and the key."""


@dataclass(frozen=True)
class Field:
    kind: str  # text, slug, code, year, number, money, date, list, table, choice
    required: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()


def text(max_length: int | None = None, *, required: bool = False) -> Field:
    return Field("text", required=required, max_length=max_length)


STRATEGY_FIELDS = {
    "key": Field("slug", max_length=80),
    "name": text(200, required=True),
    "name_en": text(200),
    "summary": text(),
    "summary_en": text(),
    "start_year": Field("year"),
    "end_year": Field("year"),
}
AREA_FIELDS = {
    "number": Field("year"),
    "slug": Field("slug", max_length=80),
    "name": text(200, required=True),
    "name_en": text(200),
    "description": text(),
    "description_en": text(),
}
GOAL_FIELDS = {
    "code": Field("code", max_length=20),
    "area": Field("slug", max_length=80),
    "parent": Field("code", required=False, max_length=20),
    "title": text(300, required=True),
    "title_en": text(300),
    "description": text(),
    "description_en": text(),
}
DIRECTION_FIELDS = {
    "code": Field("code", max_length=20),
    "goal": Field("code", max_length=20),
    "title": text(300, required=True),
    "title_en": text(300),
    "description": text(),
    "description_en": text(),
}
INDICATOR_FIELDS = {
    "code": Field("slug", max_length=80),
    "goal": Field("code", max_length=20),
    "name": text(300, required=True),
    "name_en": text(300),
    "unit": text(50, required=True),
    "polarity": Field("choice", choices=tuple(Indicator.Polarity.values)),
    "baseline_value": Field("number"),
    "baseline_year": Field("year"),
    "target_value": Field("number"),
    "target_year": Field("year"),
    "yearly_targets": Field("table", required=False),
    "source": text(300, required=True),
    "source_url": text(200),
    "frequency": Field("choice", required=False, choices=tuple(Indicator.Frequency.values)),
}
TASK_FIELDS = {
    "code": Field("code", max_length=30),
    "direction": Field("code", max_length=20),
    "title": text(300, required=True),
    "description": text(),
    "responsible_unit": text(200, required=True),
    "budget": Field("money", required=False),
    "starts_on": Field("date", required=False),
    "ends_on": Field("date", required=False),
    "districts": Field("list", required=False),
    "status": Field("choice", required=False, choices=tuple(Task.Status.values)),
}
MEASUREMENT_FIELDS = {
    "indicator": Field("slug", max_length=80),
    "year": Field("year"),
    "value": Field("number"),
    "status": Field("choice", required=False, choices=tuple(Measurement.Status.values)),
    "source_url": text(200),
    "note": text(500),
}
SECTION_FIELDS = {
    "areas": AREA_FIELDS,
    "goals": GOAL_FIELDS,
    "directions": DIRECTION_FIELDS,
    "indicators": INDICATOR_FIELDS,
    "tasks": TASK_FIELDS,
    "measurements": MEASUREMENT_FIELDS,
}


class Places:
    """Where each [[section]] entry starts in the file, so errors can name its line."""

    def __init__(self, source_text: str) -> None:
        self.lines: dict[str, list[int]] = {}
        for number, line in enumerate(source_text.splitlines(), start=1):
            match = HEADER_RE.match(line)
            if match:
                self.lines.setdefault(match.group(1), []).append(number)

    def where(self, section: str, index: int) -> str:
        found = self.lines.get(section, [])
        line = f"line {found[index]}, " if index < len(found) else ""
        return f"{line}{section}[{index}]"


# --- Reading and validating -------------------------------------------------------------


def parse_strategy_file(path: Path) -> dict[str, Any]:
    """Read and validate a strategy file; raises StrategyFileError naming the line and key."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StrategyFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        source_text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StrategyFileError(f"{path}, line {line}: the file is not valid UTF-8") from exc
    try:
        data = tomllib.loads(source_text)
    except tomllib.TOMLDecodeError as exc:
        raise StrategyFileError(f"{path}: TOML syntax error {exc}") from exc
    return validate_strategy_data(data, places=Places(source_text), source=str(path))


def validate_strategy_data(
    data: dict[str, Any], *, places: Places | None = None, source: str = "strategy"
) -> dict[str, Any]:
    places = places or Places("")
    errors = [f"{key}: unknown section" for key in sorted(set(data) - {"strategy", *SECTIONS})]
    strategy = data.get("strategy")
    if not isinstance(strategy, dict):
        errors.append("strategy: required table [strategy] is missing")
    else:
        errors.extend(check_record(strategy, STRATEGY_FIELDS, "strategy"))
        if not errors and strategy["start_year"] > strategy["end_year"]:
            errors.append("strategy.end_year: before start_year")
    for section in SECTIONS:
        records = data.setdefault(section, [])
        if not isinstance(records, list):
            errors.append(f"{section}: must be a list of [[{section}]] entries")
            data[section] = []
    for section in ("areas", "goals"):
        if not data[section]:
            errors.append(f"{section}: at least one [[{section}]] entry is required")
    if not errors:
        errors.extend(check_sections(data, places))
    if errors:
        shown = errors[:MAX_ERRORS]
        more = f"\n  … and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise StrategyFileError(f"{source}: invalid strategy file:\n  " + "\n  ".join(shown) + more)
    return data


def check_sections(data: dict[str, Any], places: Places) -> list[str]:
    """Each entry on its own, then the references between them (only for valid entries)."""
    errors: list[str] = []
    valid: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for section in SECTIONS:
        valid[section] = []
        for index, record in enumerate(data[section]):
            where = places.where(section, index)
            if not isinstance(record, dict):
                errors.append(f"{where}: must be a table")
                continue
            record_errors = check_record(record, SECTION_FIELDS[section], where)
            errors.extend(record_errors)
            if not record_errors:
                valid[section].append((where, record))
    checks: list[tuple[str, Callable[[str, dict[str, Any], Known], list[str]]]] = [
        ("areas", lambda where, record, known: []),
        ("goals", check_goal),
        ("directions", check_direction),
        ("indicators", check_indicator),
        ("tasks", check_task),
        ("measurements", check_measurement),
    ]
    known = Known.of(valid)
    for section, check in checks:
        errors.extend(known.repeated(section, valid[section]))
        for where, record in valid[section]:
            errors.extend(check(where, record, known))
    return errors


@dataclass
class Known:
    areas: set[str]
    goals: dict[str, dict[str, Any]]
    directions: set[str]
    indicators: dict[str, dict[str, Any]]
    districts: set[str]

    @classmethod
    def of(cls, valid: dict[str, list[tuple[str, dict[str, Any]]]]) -> Known:
        wanted = {slug for _, task in valid["tasks"] for slug in task.get("districts", [])}
        return cls(
            areas={record["slug"] for _, record in valid["areas"]},
            goals={record["code"]: record for _, record in valid["goals"]},
            directions={record["code"] for _, record in valid["directions"]},
            indicators={record["code"]: record for _, record in valid["indicators"]},
            districts=set(District.objects.filter(slug__in=wanted).values_list("slug", flat=True)),
        )

    @staticmethod
    def repeated(section: str, records: list[tuple[str, dict[str, Any]]]) -> list[str]:
        keys = {
            "areas": ("number", "slug"),
            "measurements": ("indicator", "year", "status"),
        }.get(section, ("code",))
        errors = []
        seen: dict[tuple[Any, ...], str] = {}
        for where, record in records:
            if section == "areas":
                for key in keys:
                    errors.extend(
                        _seen_once(seen, (key, record[key]), where, f"{key} {record[key]!r}")
                    )
                continue
            value = tuple(record.get(key, "final") for key in keys)
            label = " ".join(str(part) for part in value)
            errors.extend(_seen_once(seen, value, where, label))
        return errors


def _seen_once(
    seen: dict[tuple[Any, ...], str], value: tuple[Any, ...], where: str, label: str
) -> list[str]:
    if value in seen:
        return [f"{where}: {label} repeats {seen[value]}"]
    seen[value] = where
    return []


def check_goal(where: str, record: dict[str, Any], known: Known) -> list[str]:
    errors = []
    if record["area"] not in known.areas:
        errors.append(f"{where}.area: no area {record['area']!r} in this file")
    parent_code = record.get("parent")
    if parent_code:
        parent = known.goals.get(parent_code)
        if parent is None:
            errors.append(f"{where}.parent: no goal {parent_code!r} in this file")
        elif parent.get("parent"):
            errors.append(f"{where}.parent: {parent_code!r} is itself an operational goal")
        elif parent["area"] != record["area"]:
            errors.append(f"{where}.parent: {parent_code!r} belongs to another area")
    return errors


def check_direction(where: str, record: dict[str, Any], known: Known) -> list[str]:
    if record["goal"] not in known.goals:
        return [f"{where}.goal: no goal {record['goal']!r} in this file"]
    return []


def check_indicator(where: str, record: dict[str, Any], known: Known) -> list[str]:
    errors = []
    if record["goal"] not in known.goals:
        errors.append(f"{where}.goal: no goal {record['goal']!r} in this file")
    baseline, target = record["baseline_year"], record["target_year"]
    if target <= baseline:
        errors.append(
            f"{where}.target_year: {target} does not come after the baseline year {baseline}"
        )
    increase = record["polarity"] == Indicator.Polarity.INCREASE
    gain = as_decimal(record["target_value"]) - as_decimal(record["baseline_value"])
    if (increase and gain < 0) or (not increase and gain > 0):
        errors.append(
            f"{where}.target_value: {record['target_value']} goes the wrong way for "
            f"polarity {record['polarity']!r}"
        )
    for year, value in record.get("yearly_targets", {}).items():
        if not (year.isdigit() and baseline < int(year) <= target):
            errors.append(
                f"{where}.yearly_targets.{year}: not a year between {baseline} and {target}"
            )
        elif _number_error(value):
            errors.append(f"{where}.yearly_targets.{year}: {_number_error(value)}")
    return errors


def check_task(where: str, record: dict[str, Any], known: Known) -> list[str]:
    errors = []
    if record["direction"] not in known.directions:
        errors.append(f"{where}.direction: no direction {record['direction']!r} in this file")
    starts, ends = record.get("starts_on"), record.get("ends_on")
    if starts and ends and starts > ends:
        errors.append(f"{where}.ends_on: {ends} is before starts_on")
    for slug in record.get("districts", []):
        if slug not in known.districts:
            errors.append(f"{where}.districts: no district {slug!r} (load the process first)")
    return errors


def check_measurement(where: str, record: dict[str, Any], known: Known) -> list[str]:
    indicator = known.indicators.get(record["indicator"])
    if indicator is None:
        return [f"{where}.indicator: no indicator {record['indicator']!r} in this file"]
    if record["year"] < indicator["baseline_year"]:
        return [f"{where}.year: {record['year']} is before the indicator's baseline year"]
    return []


def check_record(record: dict[str, Any], spec: dict[str, Field], where: str) -> list[str]:
    errors = [f"{where}.{key}: unknown key" for key in sorted(set(record) - set(spec))]
    for key, rule in spec.items():
        if key in record:
            problem = value_error(record[key], rule)
            if problem:
                errors.append(f"{where}.{key}: {problem}")
        elif rule.required:
            errors.append(f"{where}.{key}: required key is missing")
    return errors


def value_error(value: object, rule: Field) -> str | None:
    checker = VALUE_CHECKS[rule.kind]
    return checker(value, rule)


def _text_error(value: object, rule: Field) -> str | None:
    if not isinstance(value, str):
        return f"expected text, got {type(value).__name__}"
    if rule.required and not value.strip():
        return "must not be empty"
    if rule.max_length and len(value) > rule.max_length:
        return f"longer than {rule.max_length} characters"
    if rule.kind == "slug" and not SLUG_RE.match(value):
        return f"{value!r} must be lowercase letters, digits and hyphens"
    if rule.kind == "code" and value and not CODE_RE.match(value):
        return f"{value!r} must be letters and digits separated by dots or hyphens"
    return None


def _year_error(value: object, rule: Field) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "expected a whole number"
    if not 1 <= value <= 2200:
        return "expected a number from 1 to 2200"
    return None


def _number_error(value: object, rule: Field | None = None) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return "expected a number"
    if isinstance(value, str):
        # A decimal comma is the usual slip when a figure comes from a Polish spreadsheet.
        if "," in value:
            return f"{value!r} has a decimal comma; write numbers with a dot, e.g. 12.5"
        try:
            number = Decimal(value)
        except InvalidOperation:
            return f"{value!r} is not a number"
        return _decimal_limits(number) if number.is_finite() else "expected a finite number"

    if value != value or value in (float("inf"), float("-inf")):
        return "expected a finite number"
    return _decimal_limits(Decimal(str(value)))


def _decimal_limits(number: Decimal) -> str | None:
    if abs(number) >= Decimal(10) ** 14:
        return "too large"
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        return "more than 4 decimal places"
    return None


def _date_error(value: object, rule: Field) -> str | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return "expected a date like 2022-01-27"
    return None


def _list_error(value: object, rule: Field) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return "expected a list of texts"
    return None


def _table_error(value: object, rule: Field) -> str | None:
    if not isinstance(value, dict):
        return "expected a table like { 2025 = 12.5 }"
    return None


def _choice_error(value: object, rule: Field) -> str | None:
    if value not in rule.choices:
        return f"{value!r} is not one of {', '.join(rule.choices)}"
    return None


VALUE_CHECKS: dict[str, Callable[[object, Field], str | None]] = {
    "text": _text_error,
    "slug": _text_error,
    "code": _text_error,
    "year": _year_error,
    "number": _number_error,
    "money": _number_error,
    "date": _date_error,
    "list": _list_error,
    "table": _table_error,
    "choice": _choice_error,
}


def as_decimal(value: int | float | str) -> Decimal:
    return Decimal(str(value))


# --- Writing ----------------------------------------------------------------------------


def load_strategy(path: Path) -> LoadReport:
    """Validate the file, then write it in one transaction."""
    data = parse_strategy_file(path)
    try:
        report = load_strategy_data(data)
    except IntegrityError as exc:
        raise StrategyFileError(f"{path}: conflicts with data already loaded: {exc}") from exc
    if report.changed:
        strategy_changed()
    return report


@transaction.atomic
def load_strategy_data(data: dict[str, Any]) -> LoadReport:
    report = LoadReport()
    key = data["strategy"]["key"]
    # The adoption is recorded on the staff page, never in the file: a reload keeps it.
    adopted = Strategy.objects.filter(key=key).values(*ADOPTION_FIELDS).first() or {}
    strategy = _write(Strategy, {"key": key}, {**data["strategy"], **adopted}, report)
    areas = {}
    for area in data["areas"]:
        areas[area["slug"]] = _write(
            DevelopmentArea, {"slug": area["slug"]}, {**area, "strategy": strategy}, report
        )
    goals: dict[str, Goal] = {}
    # Strategic goals first: operational goals name them as parents.
    for goal in sorted(data["goals"], key=lambda record: bool(record.get("parent"))):
        parent = goals[goal["parent"]] if goal.get("parent") else None
        values = {
            **goal,
            "area": areas[goal["area"]],
            "parent": parent,
            "level": Goal.Level.OPERATIONAL if parent else Goal.Level.STRATEGIC,
            "position": data["goals"].index(goal),
        }
        goals[goal["code"]] = _write(Goal, {"code": goal["code"]}, values, report)
    directions = {}
    for position, direction in enumerate(data["directions"]):
        values = {**direction, "goal": goals[direction["goal"]], "position": position}
        directions[direction["code"]] = _write(
            Direction, {"code": direction["code"]}, values, report
        )
    indicators = {}
    for position, indicator in enumerate(data["indicators"]):
        indicators[indicator["code"]] = _write(
            Indicator,
            {"code": indicator["code"]},
            _indicator_values(indicator, goals, position),
            report,
        )
    _write_tasks(data["tasks"], directions, report)
    for measurement in data["measurements"]:
        lookup = {
            "indicator": indicators[measurement["indicator"]],
            "year": measurement["year"],
            "status": measurement.get("status", Measurement.Status.FINAL),
        }
        values = {**measurement, "value": as_decimal(measurement["value"])}
        _write(Measurement, lookup, values, report)
    return report


def _indicator_values(
    record: dict[str, Any], goals: dict[str, Goal], position: int
) -> dict[str, Any]:
    return {
        **record,
        "goal": goals[record["goal"]],
        "position": position,
        "baseline_value": as_decimal(record["baseline_value"]),
        "target_value": as_decimal(record["target_value"]),
        "yearly_targets": {
            year: str(as_decimal(value))
            for year, value in sorted(record.get("yearly_targets", {}).items())
        },
        "frequency": record.get("frequency", Indicator.Frequency.ANNUAL),
    }


def _write_tasks(
    records: list[dict[str, Any]], directions: dict[str, Direction], report: LoadReport
) -> None:
    districts = {district.slug: district for district in District.objects.all()}
    for record in records:
        values = {key: value for key, value in record.items() if key != "districts"}
        values["direction"] = directions[record["direction"]]
        values.setdefault("status", Task.Status.PLANNED)
        for key in ("budget", "starts_on", "ends_on"):
            values.setdefault(key, None)
        if values["budget"] is not None:
            values["budget"] = as_decimal(values["budget"]).quantize(Decimal("0.01"))
        task = _write(Task, {"code": record["code"]}, values, report)
        wanted = {districts[slug].pk for slug in record.get("districts", [])}
        if set(task.districts.values_list("pk", flat=True)) != wanted:
            task.districts.set(wanted)


def _write(model: Any, lookup: dict[str, Any], values: dict[str, Any], report: LoadReport) -> Any:
    _upsert(model, lookup, values, report, model._meta.model_name)
    return model._default_manager.get(**lookup)
