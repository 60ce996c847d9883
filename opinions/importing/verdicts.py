"""A verdict for every row of a file (accepted, normalised, rejected, duplicate) and the
reasons; `dry_run` checks a file without writing anything."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone, translation

from opinions.cleaning import clean_text
from opinions.importing.characters import find_mojibake, first_control_character
from opinions.importing.messages import (
    AGE_BAND_READ_AS,
    ALREADY_IMPORTED,
    AREA_READ_AS,
    CHANNEL_READ_AS,
    CONTROL_IN_COLUMN,
    CONTROL_IN_TEXT,
    DATE_BEFORE_OPENING,
    DATE_READ_AS,
    DISTRICT_READ_AS,
    EMPTY_TEXT,
    EXTRA_CELLS,
    FUTURE_DATE,
    MOJIBAKE_IN_COLUMN,
    MOJIBAKE_IN_TEXT,
    NO_CHANNEL,
    NO_DATE,
    NO_SECTIONS,
    NO_VALUE_READ,
    REPEATS_ROW,
    TEXT_TIDIED,
    TEXT_TOO_LONG,
    TEXT_TOO_SHORT,
    UNKNOWN_AGE_BAND,
    UNKNOWN_AREA,
    UNKNOWN_CHANNEL,
    UNKNOWN_DISTRICT,
    UNKNOWN_SECTION,
    UNREADABLE_DATE,
    Message,
    message,
)
from opinions.importing.reading import Cell, RawRow, read_table
from opinions.models import (
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    AgeBand,
    Channel,
    Event,
    ImportRow,
    Opinion,
)
from stages.models import Consultation, District, ThematicArea

if TYPE_CHECKING:
    pass


logger = logging.getLogger(__name__)


# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.
CHUNK_SIZE = 1_000
ACCEPTED_VERDICTS = (ImportRow.Verdict.ACCEPTED, ImportRow.Verdict.NORMALISED)


# --- Checking rows --------------------------------------------------------------------------


@dataclass
class CheckedRow:
    number: int
    verdict: str
    reasons: list[Message]
    data: dict[str, Any]
    fingerprint: str = ""

    @property
    def is_accepted(self) -> bool:
        return self.verdict in ACCEPTED_VERDICTS


def fingerprint(
    *, text: str, collected_on: dt.date, channel: str, district: str, area: str, section: str = ""
) -> str:
    """The same card imported twice has the same fingerprint (Opinion.fingerprint is unique).

    The section joins the key only when there is one, so earlier fingerprints still match.
    """
    parts = [text, collected_on.isoformat(), channel, district, area]
    key = "\x1f".join([*parts, section] if section else parts)
    return hashlib.sha256(key.encode()).hexdigest()


_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015]+")
_NO_VALUE = {"", "nie-wiem", "brak"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def fold(value: str) -> str:
    """A loose key: case, Polish diacritics, spaces, hyphens and dashes do not matter."""
    value = unicodedata.normalize("NFKD", value.casefold().replace("ł", "l"))
    value = "".join(char for char in value if not unicodedata.combining(char))
    return _SEPARATORS.sub("-", value).strip("-")


def _labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Folded values and labels (English and Polish) of a set of choices → value."""
    lookup: dict[str, str] = {}
    for language in ("en", "pl"):
        with translation.override(language):
            for value, label in choices:
                lookup.setdefault(fold(value), value)
                lookup.setdefault(fold(str(label)), value)
    return lookup


class RowChecker:
    """Checks rows against the areas, districts and choices of the process (read once)."""

    def __init__(
        self,
        *,
        event: Event | None,
        today: dt.date | None = None,
        consultation: Consultation | None = None,
    ) -> None:
        self.event = event
        self.today = today or timezone.localdate()
        self.opens_on = timezone.localdate(consultation.opens_at) if consultation else None
        # The section's id and version are kept with the row: the commit saves the comment
        # on the section checked, even if a new version is published in between.
        self.section_version, self.sections = (
            latest_sections(consultation) if consultation else (None, {})
        )
        self.area_slugs: set[str] = set()
        self.area_exact: dict[str, str] = {}
        self.areas: dict[str, str] = {}
        for area in ThematicArea.objects.all():
            # Its slug and its names as written are exact: no note that they were read.
            self.area_slugs.update(key for key in (area.slug, area.name, area.name_en) if key)
            self.area_exact.update({key: area.slug for key in (area.name, area.name_en) if key})
            for key in (area.slug, area.name, area.name_en):
                if key:
                    self.areas.setdefault(fold(key), area.slug)
        self.district_exact: dict[str, str] = {}
        self.districts: dict[str, tuple[str, str]] = {}
        for district in District.objects.all():
            self.district_exact[district.slug] = district.slug
            self.district_exact[district.name] = district.slug
            for key in (district.slug, district.name):
                self.districts.setdefault(fold(key), (district.slug, district.name))
        self.channel_values = set(Channel.values)
        self.channels = _labels(Channel.choices)
        self.age_band_values = set(AgeBand.values)
        self.age_bands = {**_labels(AgeBand.choices), "75+": "75-plus", "<18": "under-18"}

    def check(self, row: RawRow) -> CheckedRow:
        problems: list[Message] = []
        notes: list[Message] = []
        raw = {column: _as_text(value) for column, value in row.values.items()}
        if row.extra_cells:
            # The cells are shifted: any other complaint would be about the wrong column.
            return CheckedRow(row.number, ImportRow.Verdict.REJECTED, [message(EXTRA_CELLS)], raw)
        damaged = _damaged_cells(raw)
        if damaged:
            # A damaged or garbled cell cannot be trusted: any other complaint about it would
            # be about the damage. The rest of the file is checked as usual.
            return CheckedRow(row.number, ImportRow.Verdict.REJECTED, damaged, raw)

        text = clean_text(raw["text"])
        if not text:
            problems.append(message(EMPTY_TEXT))
        elif len(text) < TEXT_MIN_LENGTH:
            problems.append(message(TEXT_TOO_SHORT, min=TEXT_MIN_LENGTH))
        elif len(text) > TEXT_MAX_LENGTH:
            problems.append(message(TEXT_TOO_LONG, max=TEXT_MAX_LENGTH, length=len(text)))
        elif text != raw["text"]:
            notes.append(message(TEXT_TIDIED))

        area = self._area(raw["area"], problems, notes)
        district = self._district(raw["district"], problems, notes)
        channel = self._channel(raw["channel"], problems, notes)
        age_band = self._age_band(raw["age_band"], problems, notes)
        collected_on = self._date(row.values["collected_on"], problems, notes)
        section = self._section(raw.get("section", ""), problems)
        organisation = clean_text(raw.get("organisation", ""))[:200]

        if problems or collected_on is None:
            return CheckedRow(row.number, ImportRow.Verdict.REJECTED, problems, raw)
        data = {
            "text": text,
            "area": area,
            "district": district,
            "channel": channel,
            "age_band": age_band,
            "collected_on": collected_on.isoformat(),
            "section": section,
            "section_id": self.sections.get(section) if section else None,
            "section_version_id": self.section_version if section else None,
            "organisation": organisation,
        }
        verdict = ImportRow.Verdict.NORMALISED if notes else ImportRow.Verdict.ACCEPTED
        row_print = fingerprint(
            text=text,
            collected_on=collected_on,
            channel=channel,
            district=district,
            area=area,
            section=section,
        )
        return CheckedRow(row.number, verdict, notes, data, row_print)

    def _section(self, raw: str, problems: list[Message]) -> str:
        number = raw.strip().lstrip("§").strip().rstrip(".")
        if not number:
            return ""
        if not self.sections:
            problems.append(message(NO_SECTIONS, value=_shown(raw)))
        elif number not in self.sections:
            problems.append(message(UNKNOWN_SECTION, value=_shown(raw)))
        return number

    def _area(self, raw: str, problems: list[Message], notes: list[Message]) -> str:
        if raw in self.area_slugs or not raw.strip():
            return self.area_exact.get(raw, raw.strip())
        key = fold(raw)
        if key in _NO_VALUE:
            notes.append(message(NO_VALUE_READ, column="area", value=_shown(raw)))
            return ""
        if key in self.areas:
            notes.append(message(AREA_READ_AS, value=_shown(raw), slug=self.areas[key]))
            return self.areas[key]
        problems.append(message(UNKNOWN_AREA, value=_shown(raw)))
        return ""

    def _district(self, raw: str, problems: list[Message], notes: list[Message]) -> str:
        if not raw.strip():
            return ""
        if raw in self.district_exact:
            return self.district_exact[raw]
        key = fold(raw)
        if key in _NO_VALUE:
            notes.append(message(NO_VALUE_READ, column="district", value=_shown(raw)))
            return ""
        if key in self.districts:
            slug, name = self.districts[key]
            notes.append(message(DISTRICT_READ_AS, value=_shown(raw), name=name))
            return slug
        problems.append(message(UNKNOWN_DISTRICT, value=_shown(raw)))
        return ""

    def _channel(self, raw: str, problems: list[Message], notes: list[Message]) -> str:
        if raw in self.channel_values:
            return raw
        key = fold(raw)
        if not key:
            if self.event is not None:
                return self.event.channel
            problems.append(message(NO_CHANNEL))
            return ""
        if key in self.channels:
            notes.append(message(CHANNEL_READ_AS, value=_shown(raw), slug=self.channels[key]))
            return self.channels[key]
        problems.append(message(UNKNOWN_CHANNEL, value=_shown(raw)))
        return ""

    def _age_band(self, raw: str, problems: list[Message], notes: list[Message]) -> str:
        if not raw or raw in self.age_band_values:
            return raw
        key = fold(raw)
        if not key:
            return ""
        if key in self.age_bands:
            notes.append(message(AGE_BAND_READ_AS, value=_shown(raw), slug=self.age_bands[key]))
            return self.age_bands[key]
        problems.append(message(UNKNOWN_AGE_BAND, value=_shown(raw)))
        return ""

    def _date(self, value: Cell, problems: list[Message], notes: list[Message]) -> dt.date | None:
        if isinstance(value, dt.date):
            date: dt.date | None = value  # a real date cell of a workbook
        else:
            date = self._parse_date(value, problems, notes)
        if date is not None and date > self.today:
            problems.append(message(FUTURE_DATE, date=date.isoformat()))
        elif date is not None and self.opens_on is not None and date < self.opens_on:
            problems.append(
                message(DATE_BEFORE_OPENING, date=date.isoformat(), opens=self.opens_on.isoformat())
            )
        return date

    def _parse_date(
        self, raw: str, problems: list[Message], notes: list[Message]
    ) -> dt.date | None:
        value = raw.strip()
        if not value:
            if self.event is not None:
                return self.event.held_on
            problems.append(message(NO_DATE))
            return None
        try:
            if _ISO_DATE.fullmatch(value):
                date = dt.date.fromisoformat(value)
            elif match := _ISO_MIDNIGHT.fullmatch(value):
                date = dt.date.fromisoformat(match[1])
            elif match := _DOTTED_DATE.fullmatch(value):
                date = dt.date(int(match[3]), int(match[2]), int(match[1]))
            else:
                raise ValueError(value)
        except ValueError:
            problems.append(message(UNREADABLE_DATE, value=_shown(raw)))
            return None
        if value != raw or not _ISO_DATE.fullmatch(value):
            notes.append(message(DATE_READ_AS, value=_shown(raw), date=date.isoformat()))
        return date


def _damaged_cells(raw: dict[str, str]) -> list[Message]:
    """A reason for each cell holding a control character or text garbled by an encoding."""
    reasons: list[Message] = []
    for column, value in raw.items():
        in_text = column == "text"
        if char := first_control_character(value):
            if in_text:
                reasons.append(message(CONTROL_IN_TEXT, char=char))
            else:
                reasons.append(message(CONTROL_IN_COLUMN, char=char, column=column))
        elif garbled := find_mojibake(value):
            shown = {"value": _shown(garbled.garbled), "fixed": _shown(garbled.repaired)}
            if in_text:
                reasons.append(message(MOJIBAKE_IN_TEXT, **shown))
            else:
                reasons.append(message(MOJIBAKE_IN_COLUMN, column=column, **shown))
    return reasons


def _as_text(value: Cell) -> str:
    return value.isoformat() if isinstance(value, dt.date) else value


def _shown(value: str) -> str:
    """A cell's value as quoted in a reason: one line, not too long."""
    value = " ".join(value.split())
    return value if len(value) <= 60 else value[:59] + "…"


def latest_sections(consultation: Consultation) -> tuple[int | None, dict[str, int]]:
    """The consultation's latest published document version (its id) and its sections
    (number → id); (None, {}) without one."""
    version = consultation.document_versions.published().order_by("-number").first()
    if version is None:
        return None, {}
    return version.pk, dict(version.sections.values_list("number", "pk"))


def check_rows(
    rows: Sequence[RawRow],
    *,
    event: Event | None,
    today: dt.date | None = None,
    consultation: Consultation | None = None,
) -> Iterator[list[CheckedRow]]:
    """Verdicts in chunks; duplicates are rows already saved or repeated earlier in the file.

    With a consultation, a row collected before it opened is rejected.
    """
    checker = RowChecker(event=event, today=today, consultation=consultation)
    first_seen: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK_SIZE):
        checked = [checker.check(row) for row in rows[start : start + CHUNK_SIZE]]
        prints = [row.fingerprint for row in checked if row.fingerprint]
        saved = set(
            Opinion.objects.filter(fingerprint__in=prints).values_list("fingerprint", flat=True)
        )
        for row in checked:
            if not row.fingerprint:
                continue
            if row.fingerprint in saved:
                row.verdict, row.reasons = ImportRow.Verdict.DUPLICATE, [message(ALREADY_IMPORTED)]
            elif row.fingerprint in first_seen:
                row.verdict = ImportRow.Verdict.DUPLICATE
                row.reasons = [message(REPEATS_ROW, row=first_seen[row.fingerprint])]
            else:
                first_seen[row.fingerprint] = row.number
        yield checked


# --- Checking without saving (the command's --dry-run) --------------------------------------


@dataclass
class DryRun:
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[CheckedRow] = field(default_factory=list)


def dry_run(
    *,
    content: bytes,
    name: str,
    event: Event | None,
    consultation: Consultation | None = None,
    keep_rejected: int = 20,
) -> DryRun:
    """The verdicts a file would get, writing nothing at all. Raises FileRefused."""
    table = read_table(content, name)
    result = DryRun()
    for checked in check_rows(table.rows, event=event, consultation=consultation):
        for row in checked:
            result.counts[str(row.verdict)] += 1
            if row.verdict == ImportRow.Verdict.REJECTED and len(result.rejected) < keep_rejected:
                result.rejected.append(row)
    return result
