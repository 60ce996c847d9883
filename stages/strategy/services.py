"""Every write of the strategy: adoption, goals, directions, indicators, measurements, tasks.

Editors call these from the staff pages; the demo data and the loader's tests use them too.
Each checks the editor's permission (`stages.manage_strategy`) and the invariants people
can break, and raises ValidationError with a message for the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.security import log_security_event
from core.tabular import Columns, Message, RawRow, message, read_table, render_message
from stages.models import District

from .models import (
    DevelopmentArea,
    Direction,
    Goal,
    ImplementationUpdate,
    Indicator,
    Measurement,
    Strategy,
    StrategyDocument,
    Task,
    UpdateImage,
)
from .selectors import strategy_changed

if TYPE_CHECKING:
    from lublin2030.models import User

MANAGE = "stages.manage_strategy"


def _check(actor: User) -> None:
    if not actor.has_perm(MANAGE):
        raise PermissionDenied


# --- Adoption -------------------------------------------------------------------------------


def record_adoption(
    *,
    strategy: Strategy,
    actor: User,
    adopted_on: dt.date,
    resolution_number: str,
    resolution_url: str = "",
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstaining: int | None = None,
) -> Strategy:
    """The council's resolution (stage VIII); the strategy shows as adopted from its date."""
    _check(actor)
    if not resolution_number.strip():
        raise ValidationError(_("Give the number of the council's resolution."))
    strategy.adopted_on = adopted_on
    strategy.resolution_number = resolution_number.strip()
    strategy.resolution_url = resolution_url
    strategy.votes_for = votes_for
    strategy.votes_against = votes_against
    strategy.votes_abstaining = votes_abstaining
    fields = ["adopted_on", "resolution_number", "resolution_url"]
    strategy.save(update_fields=[*fields, "votes_for", "votes_against", "votes_abstaining"])
    log_security_event("strategy adoption recorded", user=actor, strategy=strategy.pk)
    strategy_changed()
    return strategy


# --- Goals, directions, indicators ----------------------------------------------------------


def save_goal(
    *,
    actor: User,
    area: DevelopmentArea,
    code: str,
    title: str,
    goal: Goal | None = None,
    parent: Goal | None = None,
    description: str = "",
) -> Goal:
    """Create a goal (goal=None) or change one; a goal under a parent is operational."""
    _check(actor)
    if parent is not None and (parent.parent_id is not None or parent.area_id != area.pk):
        raise ValidationError(_("An operational goal sits under a strategic goal of its area."))
    if goal is not None and parent is not None and parent.pk == goal.pk:
        raise ValidationError(_("A goal cannot sit under itself."))
    others = Goal.objects.filter(code=code)
    if goal is not None:
        others = others.exclude(pk=goal.pk)
    if others.exists():
        raise ValidationError(_("Another goal already has the code %(code)s.") % {"code": code})
    goal = goal or Goal(position=Goal.objects.filter(area=area).count())
    goal.area, goal.parent, goal.code, goal.title = area, parent, code, title
    goal.description = description
    goal.level = Goal.Level.OPERATIONAL if parent else Goal.Level.STRATEGIC
    goal.save()
    strategy_changed()
    return goal


def add_direction(
    *, actor: User, goal: Goal, code: str, title: str, description: str = ""
) -> Direction:
    _check(actor)
    if Direction.objects.filter(code=code).exists():
        raise ValidationError(
            _("Another direction already has the code %(code)s.") % {"code": code}
        )
    return Direction.objects.create(
        goal=goal,
        code=code,
        title=title,
        description=description,
        position=goal.directions.count(),
    )


@dataclass(frozen=True)
class IndicatorValues:
    code: str
    name: str
    unit: str
    polarity: str
    baseline_value: Decimal
    baseline_year: int
    target_value: Decimal
    target_year: int
    source: str
    source_url: str = ""
    frequency: str = Indicator.Frequency.ANNUAL
    yearly_targets: dict[int, Decimal] = field(default_factory=dict)


def indicator_errors(values: IndicatorValues) -> dict[str, str]:
    """What is wrong with an indicator's values, by field (empty: nothing)."""
    errors = {}
    if values.target_year <= values.baseline_year:
        errors["target_year"] = _(
            "The target year must come after the baseline year (%(year)s)."
        ) % {"year": values.baseline_year}
    gain = values.target_value - values.baseline_value
    increase = values.polarity == Indicator.Polarity.INCREASE
    if (increase and gain < 0) or (not increase and gain > 0):
        errors["target_value"] = _(
            "The target goes the wrong way for this indicator: check the target or which way "
            "is better."
        )
    outside = [
        year
        for year in values.yearly_targets
        if not values.baseline_year < year <= values.target_year
    ]
    if outside:
        errors["yearly_targets"] = _(
            "Yearly targets must fall between the baseline and target years."
        )
    return errors


def save_indicator(
    *, actor: User, goal: Goal, values: IndicatorValues, indicator: Indicator | None = None
) -> Indicator:
    _check(actor)
    errors = indicator_errors(values)
    others = Indicator.objects.filter(code=values.code)
    if indicator is not None:
        others = others.exclude(pk=indicator.pk)
    if others.exists():
        errors["code"] = _("Another indicator already has the code %(code)s.") % {
            "code": values.code
        }
    if errors:
        raise ValidationError(errors)
    indicator = indicator or Indicator(goal=goal, position=goal.indicators.count())
    for name in (
        "code", "name", "unit", "polarity", "baseline_value", "baseline_year", "target_value",
        "target_year", "source", "source_url", "frequency",
    ):  # fmt: skip
        setattr(indicator, name, getattr(values, name))
    indicator.yearly_targets = {
        str(year): str(value) for year, value in sorted(values.yearly_targets.items())
    }
    indicator.save()
    strategy_changed()
    return indicator


# --- Measurements ---------------------------------------------------------------------------


def record_measurement(
    *,
    actor: User,
    indicator: Indicator,
    year: int,
    value: Decimal,
    status: str = Measurement.Status.FINAL,
    source_url: str = "",
    note: str = "",
) -> tuple[Measurement, bool]:
    """Save the value of a year (a second entry of the same year and status corrects it).

    A final value is stored beside the provisional one of its year, which stays for the
    record; progress counts the final one (stages.strategy.progress).
    """
    _check(actor)
    if year < indicator.baseline_year:
        raise ValidationError(
            _("The year is before the indicator's baseline year (%(year)s).")
            % {"year": indicator.baseline_year}
        )
    measurement, created = Measurement.objects.update_or_create(
        indicator=indicator,
        year=year,
        status=status,
        defaults={
            "value": value,
            "source_url": source_url,
            "note": note,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    strategy_changed()
    return measurement, created


# Verdicts on the rows of a measurements file (English msgids, translated when shown).
UNKNOWN_INDICATOR = gettext_noop("unknown indicator “%(value)s”")
BAD_YEAR = gettext_noop("the year “%(value)s” is not a year (write it as 2024)")
YEAR_BEFORE_BASELINE = gettext_noop("the year %(year)s is before the baseline year %(baseline)s")
NO_VALUE = gettext_noop("no value")
DECIMAL_COMMA = gettext_noop(
    "the value “%(value)s” has a decimal comma in a text cell: write it with a dot (12.5) or "
    "make the cell a number"
)
BAD_VALUE = gettext_noop("the value “%(value)s” is not a number")
BAD_STATUS = gettext_noop("unknown status “%(value)s” (final or provisional)")
REPEATED_ROW = gettext_noop("repeats row %(row)s (same indicator, year and status)")
MEASUREMENTS = Columns(
    ("indicator", "year", "value"),
    ("status", "source_url", "note"),
    max_rows=20_000,
    no_rows=gettext_noop("The file has a header row but no measurements below it."),
)
STATUS_WORDS = {
    "": Measurement.Status.FINAL,
    "final": Measurement.Status.FINAL,
    "ostateczna": Measurement.Status.FINAL,
    "ostateczny": Measurement.Status.FINAL,
    "provisional": Measurement.Status.PROVISIONAL,
    "wstępna": Measurement.Status.PROVISIONAL,
    "wstępny": Measurement.Status.PROVISIONAL,
}


@dataclass
class RowVerdict:
    number: int
    cells: dict[str, str]
    reasons: list[Message] = field(default_factory=list)
    indicator: Indicator | None = None
    year: int = 0
    value: Decimal | None = None
    status: str = Measurement.Status.FINAL
    # After saving: "created", "updated" (a corrected value) or "unchanged".
    outcome: str = ""

    @property
    def accepted(self) -> bool:
        return not self.reasons

    @property
    def reason_texts(self) -> list[str]:
        return [render_message(reason) for reason in self.reasons]


@dataclass
class MeasurementImport:
    rows: list[RowVerdict]
    saved: bool

    @property
    def rejected(self) -> list[RowVerdict]:
        return [row for row in self.rows if not row.accepted]


def _text(cell: object) -> str:
    return cell.isoformat() if isinstance(cell, dt.date) else str(cell).strip()


def _check_row(raw: RawRow, indicators: dict[str, Indicator]) -> RowVerdict:
    cells = {column: _text(value) for column, value in raw.values.items()}
    row = RowVerdict(number=raw.number, cells=cells)
    row.indicator = indicators.get(cells["indicator"])
    if row.indicator is None:
        row.reasons.append(message(UNKNOWN_INDICATOR, value=cells["indicator"][:80]))
    if cells["year"].isdigit() and 1000 <= int(cells["year"]) <= 2200:
        row.year = int(cells["year"])
        if row.indicator and row.year < row.indicator.baseline_year:
            row.reasons.append(
                message(YEAR_BEFORE_BASELINE, year=row.year, baseline=row.indicator.baseline_year)
            )
    else:
        row.reasons.append(message(BAD_YEAR, value=cells["year"][:20]))
    row.value = _value(cells["value"], row.reasons)
    status = STATUS_WORDS.get(cells.get("status", "").casefold())
    if status is None:
        row.reasons.append(message(BAD_STATUS, value=cells["status"][:40]))
    else:
        row.status = status
    return row


def _value(text: str, reasons: list[Message]) -> Decimal | None:
    compact = text.replace(" ", "").replace("\u00a0", "")
    if not compact:
        reasons.append(message(NO_VALUE))
        return None
    if "," in compact:
        reasons.append(message(DECIMAL_COMMA, value=text[:40]))
        return None
    try:
        value = Decimal(compact)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal(10) ** 14:
        reasons.append(message(BAD_VALUE, value=text[:40]))
        return None
    return value.quantize(Decimal("0.0001"))


def check_measurement_rows(rows: Sequence[RawRow]) -> list[RowVerdict]:
    """A verdict for every row; nothing is written."""
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
    verdicts = [_check_row(raw, indicators) for raw in rows]
    seen: dict[tuple[int, int, str], int] = {}
    for row in verdicts:
        if not row.accepted or row.indicator is None:
            continue
        key = (row.indicator.pk, row.year, row.status)
        if key in seen:
            row.reasons.append(message(REPEATED_ROW, row=seen[key]))
        else:
            seen[key] = row.number
    return verdicts


def import_measurements(
    *, actor: User, upload: UploadedFile, dry_run: bool = False
) -> MeasurementImport:
    """Measurements from a CSV or XLSX file: all rows saved, or none when any is rejected.

    Raises core.tabular.FileRefused for a file that cannot be read at all.
    """
    _check(actor)
    table = read_table(upload.read(), upload.name or "", MEASUREMENTS)
    verdicts = check_measurement_rows(table.rows)
    if dry_run or any(not row.accepted for row in verdicts):
        return MeasurementImport(rows=verdicts, saved=False)
    with transaction.atomic():
        for row in verdicts:
            assert row.indicator is not None and row.value is not None
            existing = Measurement.objects.filter(
                indicator=row.indicator, year=row.year, status=row.status
            ).first()
            if existing is not None and existing.value == row.value:
                row.outcome = "unchanged"
                continue
            record_measurement(
                actor=actor,
                indicator=row.indicator,
                year=row.year,
                value=row.value,
                status=row.status,
                source_url=row.cells.get("source_url", "")[:200],
                note=row.cells.get("note", "")[:500],
            )
            row.outcome = "updated" if existing else "created"
    return MeasurementImport(rows=verdicts, saved=True)


# --- Implementation (stage IX) --------------------------------------------------------------


def add_task(
    *,
    actor: User,
    direction: Direction,
    code: str,
    title: str,
    responsible_unit: str,
    status: str = Task.Status.PLANNED,
    budget: Decimal | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    districts: Sequence[District] = (),
    description: str = "",
) -> Task:
    _check(actor)
    if starts_on and ends_on and starts_on > ends_on:
        raise ValidationError(_("The task cannot end before it starts."))
    if Task.objects.filter(code=code).exists():
        raise ValidationError(_("Another task already has the code %(code)s.") % {"code": code})
    task = Task.objects.create(
        direction=direction,
        code=code,
        title=title,
        description=description,
        responsible_unit=responsible_unit,
        status=status,
        budget=budget,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    task.districts.set(districts)
    strategy_changed()
    return task


def set_task_status(*, actor: User, task: Task, status: str) -> Task:
    _check(actor)
    task.status = status
    task.save(update_fields=["status"])
    strategy_changed()
    return task


def add_implementation_update(
    *,
    actor: User,
    task: Task,
    published_on: dt.date,
    text: str,
    images: Sequence[tuple[UploadedFile, str]] = (),
) -> ImplementationUpdate:
    """A dated note on a task; updates are only ever added. Images need a text alternative."""
    _check(actor)
    if not text.strip():
        raise ValidationError(_("Write what happened."))
    if any(not alt.strip() for _image, alt in images):
        raise ValidationError(_("Describe every image for people who cannot see it."))
    with transaction.atomic():
        update = ImplementationUpdate.objects.create(
            task=task, published_on=published_on, text=text.strip(), author=actor
        )
        for image, alt in images:
            UpdateImage.objects.create(update=update, image=image, alt_text=alt.strip())
    return update


def add_document(
    *,
    actor: User,
    goal: Goal,
    kind: str,
    title: str,
    url: str = "",
    file: UploadedFile | None = None,
    adopted_on: dt.date | None = None,
) -> StrategyDocument:
    """A sector strategy or programme that implements the goal (a link or a file)."""
    _check(actor)
    if not url and file is None:
        raise ValidationError(_("Give a link to the document or upload its file."))
    document = StrategyDocument.objects.create(
        strategy=goal.area.strategy,
        kind=kind,
        title=title,
        url=url,
        adopted_on=adopted_on,
        **({"file": file} if file is not None else {}),
    )
    document.goals.add(goal)
    return document
