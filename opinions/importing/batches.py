"""Paper input from files: read a CSV or XLSX, give every row a verdict, save the accepted ones.

The flow: `start_import` (the upload) → `check_batch` (a Celery task: parse, check every row,
keep a preview) → `request_commit` (the moderator's button) → `commit_batch` (a Celery task:
all accepted rows in one transaction). The management command `import_opinions` runs the
same steps synchronously, and `dry_run` checks a file without writing anything.

Messages shown to people (row reasons, refusals) are stored as English message ids with
their parameters and translated when shown, so a report reads in the reader's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
import unicodedata
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from opinions.cleaning import clean_text
from opinions.models import (
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    AgeBand,
    Channel,
    Event,
    ImportBatch,
    ImportRow,
    Opinion,
)
from opinions.services import enqueue_after_commit
from stages.models import Consultation, District, ThematicArea

if TYPE_CHECKING:
    from lublin2030.models import User

logger = logging.getLogger(__name__)

COLUMNS = ("text", "area", "district", "channel", "age_band", "collected_on")
MAX_ROWS = 200_000
# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.
CHUNK_SIZE = 1_000
ANALYSIS_CHUNK = 1_000
PROGRESS_TTL = 6 * 3600
XLSX_SUFFIXES = {".xlsx"}
CSV_SUFFIXES = {".csv", ".txt"}
ACCEPTED_VERDICTS = (ImportRow.Verdict.ACCEPTED, ImportRow.Verdict.NORMALISED)
RUNNING_STATUSES = (
    ImportBatch.Status.QUEUED,
    ImportBatch.Status.PARSING,
    ImportBatch.Status.COMMITTING,
)

# --- Messages (English msgids, translated when shown) ----------------------------------------

# Refusals of a whole file.
FILE_EMPTY = gettext_noop("The file is empty.")
FILE_NO_ROWS = gettext_noop("The file has a header row but no opinions below it.")
FILE_NOT_CSV_OR_XLSX = gettext_noop(
    "Only CSV and XLSX files can be imported (this one is “%(name)s”)."
)
FILE_NOT_UTF8 = gettext_noop(
    "The file is not saved as UTF-8. Polish Excel often saves CSV files as Windows-1250: "
    "in Excel choose “Save as” → “CSV UTF-8 (comma delimited)” and upload the new file."
)
FILE_NOT_TEXT = gettext_noop(
    "This does not look like a CSV text file. Save it from your spreadsheet as "
    "“CSV UTF-8 (comma delimited)” or as an Excel workbook (.xlsx)."
)
FILE_BAD_CSV = gettext_noop("The CSV file could not be read near row %(row)s: %(problem)s.")
FILE_BAD_XLSX = gettext_noop(
    "The file could not be read as an Excel workbook (.xlsx). Open it in Excel and save it "
    "again as “Excel Workbook (.xlsx)” or as “CSV UTF-8 (comma delimited)”."
)
FILE_MISSING_COLUMNS = gettext_noop(
    "Missing columns: %(columns)s. The first row must name the columns %(expected)s."
)
FILE_UNKNOWN_COLUMNS = gettext_noop(
    "Unknown columns: %(columns)s. The first row must name only the columns %(expected)s."
)
FILE_WRONG_COLUMNS = gettext_noop(
    "Missing columns: %(missing)s; unknown columns: %(unknown)s. The first row must name "
    "the columns %(expected)s."
)
FILE_REPEATED_COLUMNS = gettext_noop("Columns named more than once: %(columns)s.")
FILE_TOO_MANY_ROWS = gettext_noop(
    "The file has more than %(max)s rows; split it into smaller files and import each one."
)

# Rejected rows.
EMPTY_TEXT = gettext_noop("empty text")
TEXT_TOO_SHORT = gettext_noop("text shorter than %(min)s characters")
TEXT_TOO_LONG = gettext_noop("text longer than %(max)s characters (it has %(length)s)")
UNKNOWN_AREA = gettext_noop("unknown area “%(value)s”")
UNKNOWN_DISTRICT = gettext_noop("unknown district “%(value)s”")
UNKNOWN_CHANNEL = gettext_noop("unknown channel “%(value)s”")
NO_CHANNEL = gettext_noop("no channel, and no event to take it from")
UNKNOWN_AGE_BAND = gettext_noop("unknown age band “%(value)s”")
UNREADABLE_DATE = gettext_noop("unreadable date “%(value)s” (write it as YYYY-MM-DD)")
NO_DATE = gettext_noop("no date, and no event to take it from")
FUTURE_DATE = gettext_noop("date in the future (%(date)s)")
EXTRA_CELLS = gettext_noop("more cells than columns (a comma or semicolon outside quotes?)")

# What was normalised in an accepted row.
TEXT_TIDIED = gettext_noop("spaces or line breaks in the text tidied")
AREA_READ_AS = gettext_noop("area “%(value)s” read as %(slug)s")
NO_VALUE_READ = gettext_noop("%(column)s “%(value)s” read as empty")
DISTRICT_READ_AS = gettext_noop("district “%(value)s” read as %(name)s")
CHANNEL_READ_AS = gettext_noop("channel “%(value)s” read as %(slug)s")
AGE_BAND_READ_AS = gettext_noop("age band “%(value)s” read as %(slug)s")
DATE_READ_AS = gettext_noop("date “%(value)s” read as %(date)s")

# Duplicates.
ALREADY_IMPORTED = gettext_noop("already imported (the same row is saved)")
REPEATS_ROW = gettext_noop("repeats row %(row)s of this file")
IMPORTED_MEANWHILE = gettext_noop("imported meanwhile from another file")

# Failures of the background work.
CHECK_FAILED = gettext_noop("Checking the file failed unexpectedly; nothing was saved.")
COMMIT_FAILED = gettext_noop(
    "Saving failed unexpectedly and was undone; nothing was saved. You can try again."
)

Message = dict[str, Any]


def message(msgid: str, **params: object) -> Message:
    return {"msg": msgid, "params": params}


def render_message(value: Message | str) -> str:
    """A stored message in the active language."""
    if isinstance(value, str):
        return value
    text = gettext(value["msg"])
    params = value.get("params") or {}
    return text % params if params else text


def render_batch_error(batch: ImportBatch) -> str:
    if not batch.error:
        return ""
    try:
        stored = json.loads(batch.error)
    except ValueError:
        return batch.error
    return render_message(stored) if isinstance(stored, dict) and "msg" in stored else batch.error


def render_reasons(row: ImportRow) -> list[str]:
    return [render_message(reason) for reason in row.reasons]


class FileRefused(Exception):
    """The whole file is refused; nothing of it is saved."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.message = message(msgid, **params)
        with translation.override("en"):
            super().__init__(render_message(self.message))

    def __str__(self) -> str:
        return render_message(self.message)


# --- Reading files --------------------------------------------------------------------------

Cell = str | dt.date


@dataclass(frozen=True)
class RawRow:
    number: int  # the row as a spreadsheet shows it: the header is row 1
    values: dict[str, Cell]
    extra_cells: bool = False


@dataclass
class Table:
    rows: list[RawRow]


def read_table(content: bytes, name: str, *, first_row_only: bool = False) -> Table:
    """Every non-blank row of a CSV or XLSX file in the paper-input format.

    Raises FileRefused for a file that cannot be imported at all. With `first_row_only`,
    an XLSX workbook is read only up to its first row of data (a quick check at upload;
    a CSV is always read whole, since its encoding is a property of every byte).
    """
    suffix = PurePath(name).suffix.lower()
    if suffix not in XLSX_SUFFIXES | CSV_SUFFIXES:
        raise FileRefused(FILE_NOT_CSV_OR_XLSX, name=PurePath(name).name[:100])
    if not content.strip():
        raise FileRefused(FILE_EMPTY)
    if suffix in XLSX_SUFFIXES:
        records = _xlsx_records(content)
        limit = 1 if first_row_only else MAX_ROWS
    else:
        records = _csv_records(content)
        limit = MAX_ROWS
    return _table(records, limit=limit, stop_at_limit=first_row_only and suffix in XLSX_SUFFIXES)


def _table(records: Iterator[tuple[int, list[Cell]]], *, limit: int, stop_at_limit: bool) -> Table:
    header: list[str] | None = None
    positions: dict[str, int] = {}
    rows: list[RawRow] = []
    for number, cells in records:
        if header is None:
            if all(_is_blank(cell) for cell in cells):
                continue
            header = _header(cells)
            positions = {column: header.index(column) for column in COLUMNS}
            continue
        if all(_is_blank(cell) for cell in cells):
            continue
        if len(rows) == limit:
            if stop_at_limit:
                break
            raise FileRefused(FILE_TOO_MANY_ROWS, max=f"{MAX_ROWS:,}".replace(",", " "))
        width = len(header)
        values = {
            column: cells[index] if index < len(cells) else ""
            for column, index in positions.items()
        }
        extra = any(not _is_blank(cell) for cell in cells[width:])
        rows.append(RawRow(number, values, extra))
    if header is None:
        raise FileRefused(FILE_EMPTY)
    if not rows:
        raise FileRefused(FILE_NO_ROWS)
    return Table(rows)


def _is_blank(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


def _header(cells: Sequence[Cell]) -> list[str]:
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()  # spreadsheets often leave empty cells after the last column
    expected = ", ".join(COLUMNS)
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name or "(empty)" for name in names if name not in COLUMNS]
    if unknown and missing:
        raise FileRefused(
            FILE_WRONG_COLUMNS,
            missing=", ".join(missing),
            unknown=", ".join(unknown)[:300],
            expected=expected,
        )
    if unknown:
        raise FileRefused(FILE_UNKNOWN_COLUMNS, columns=", ".join(unknown)[:300], expected=expected)
    if missing:
        raise FileRefused(FILE_MISSING_COLUMNS, columns=", ".join(missing), expected=expected)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FileRefused(FILE_REPEATED_COLUMNS, columns=", ".join(repeated))
    return names


def _column_name(cell: Cell) -> str:
    text = cell.isoformat() if isinstance(cell, dt.date) else cell
    return re.sub(r"[\s-]+", "_", text.replace("\ufeff", "").strip().casefold())


def _csv_records(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    if content.startswith(b"PK\x03\x04"):
        raise FileRefused(FILE_NOT_TEXT)  # a workbook renamed to .csv
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(FILE_NOT_UTF8)  # UTF-16 ("Unicode text" in Excel)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(FILE_NOT_UTF8) from None
    if "\x00" in text:
        raise FileRefused(FILE_NOT_TEXT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as error:
        raise FileRefused(FILE_BAD_CSV, row=number + 1, problem=str(error)[:200]) from None


def _sniff_delimiter(text: str) -> str:
    """Comma or semicolon (Polish Excel's CSV uses semicolons), judged by the header row."""
    first_line = text.split("\n", 1)[0]
    commas, semicolons = first_line.count(","), first_line.count(";")
    if commas != semicolons:
        return "," if commas > semicolons else ";"
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;").delimiter
    except csv.Error:
        return ","


# What openpyxl raises on a damaged workbook; SyntaxError covers the XML parser's ParseError.
UNREADABLE_XLSX = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    TypeError,
    SyntaxError,
    EOFError,
    NotImplementedError,
)


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    if not content.startswith(b"PK\x03\x04"):
        raise FileRefused(FILE_BAD_XLSX)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except UNREADABLE_XLSX as error:
        logger.info("unreadable workbook: %s", error)
        raise FileRefused(FILE_BAD_XLSX) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileRefused(FILE_EMPTY)
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_xlsx_cell(value) for value in row]
        except UNREADABLE_XLSX as error:
            logger.info("unreadable worksheet: %s", error)
            raise FileRefused(FILE_BAD_XLSX) from None
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- Checking rows --------------------------------------------------------------------------


@dataclass
class CheckedRow:
    number: int
    verdict: str
    reasons: list[Message]
    data: dict[str, str]
    fingerprint: str = ""

    @property
    def is_accepted(self) -> bool:
        return self.verdict in ACCEPTED_VERDICTS


def fingerprint(*, text: str, collected_on: dt.date, channel: str, district: str, area: str) -> str:
    """The same card imported twice has the same fingerprint (Opinion.fingerprint is unique)."""
    key = "\x1f".join([text, collected_on.isoformat(), channel, district, area])
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

    def __init__(self, *, event: Event | None, today: dt.date | None = None) -> None:
        self.event = event
        self.today = today or timezone.localdate()
        self.area_slugs: set[str] = set()
        self.areas: dict[str, str] = {}
        for area in ThematicArea.objects.all():
            self.area_slugs.add(area.slug)
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

        if problems or collected_on is None:
            return CheckedRow(row.number, ImportRow.Verdict.REJECTED, problems, raw)
        data = {
            "text": text,
            "area": area,
            "district": district,
            "channel": channel,
            "age_band": age_band,
            "collected_on": collected_on.isoformat(),
        }
        verdict = ImportRow.Verdict.NORMALISED if notes else ImportRow.Verdict.ACCEPTED
        row_print = fingerprint(
            text=text, collected_on=collected_on, channel=channel, district=district, area=area
        )
        return CheckedRow(row.number, verdict, notes, data, row_print)

    def _area(self, raw: str, problems: list[Message], notes: list[Message]) -> str:
        if raw in self.area_slugs or not raw.strip():
            return raw.strip()
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


def _as_text(value: Cell) -> str:
    return value.isoformat() if isinstance(value, dt.date) else value


def _shown(value: str) -> str:
    """A cell's value as quoted in a reason: one line, not too long."""
    value = " ".join(value.split())
    return value if len(value) <= 60 else value[:59] + "…"


def check_rows(
    rows: Sequence[RawRow], *, event: Event | None, today: dt.date | None = None
) -> Iterator[list[CheckedRow]]:
    """Verdicts in chunks; duplicates are rows already saved or repeated earlier in the file."""
    checker = RowChecker(event=event, today=today)
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


# --- Starting an import ---------------------------------------------------------------------


def default_consultation(now: dt.datetime | None = None) -> Consultation | None:
    """Paper input goes to the open question: the first one open now."""
    return (
        Consultation.objects.open_at(now)
        .filter(kind=Consultation.Kind.OPEN_QUESTION)
        .order_by("opens_at", "pk")
        .first()
    )


def create_batch(
    *,
    content: bytes,
    original_name: str,
    consultation: Consultation,
    event: Event | None,
    uploaded_by: User | None,
) -> ImportBatch:
    """Keep the file (Django storage) and a queued batch for it; nothing is checked yet."""
    suffix = PurePath(original_name).suffix.lower()
    batch = ImportBatch(
        consultation=consultation,
        event=event,
        uploaded_by=uploaded_by,
        original_name=PurePath(original_name).name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
    )
    # The stored name is ours, not the uploader's: no paths or odd characters on disk.
    batch.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(content), save=False)
    batch.save()
    return batch


def start_import(
    *,
    content: bytes,
    original_name: str,
    consultation: Consultation,
    event: Event | None,
    uploaded_by: User | None,
) -> ImportBatch:
    """The upload: store the batch, then check its rows in the background."""
    with transaction.atomic():
        batch = create_batch(
            content=content,
            original_name=original_name,
            consultation=consultation,
            event=event,
            uploaded_by=uploaded_by,
        )
        enqueue_after_commit("opinions.tasks.check_import", batch.pk)
    return batch


def earlier_upload_of_same_file(batch: ImportBatch) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(sha256=batch.sha256, created_at__lt=batch.created_at)
        .exclude(pk=batch.pk)
        .order_by("-created_at")
        .first()
    )


# --- Checking a batch (task) ----------------------------------------------------------------


def check_batch(*, batch_id: int, today: dt.date | None = None) -> None:
    """Parse the batch's file and keep a verdict per row; safe to run again.

    Progress (rows_processed) is written once per chunk, outside any long transaction, so
    the page polling it sees it move. A run cut short (the worker died) leaves the batch
    in PARSING; the redelivered task starts the rows over.
    """
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.QUEUED, ImportBatch.Status.PARSING]
    ).update(status=ImportBatch.Status.PARSING, rows_processed=0, error="")
    if not claimed:
        return
    batch = ImportBatch.objects.select_related("event").get(pk=batch_id)
    try:
        with batch.file.open("rb") as stored:
            content = stored.read()
        table = read_table(content, batch.original_name)
        _store_checked_rows(batch, table, today=today)
    except FileRefused as refusal:
        _refuse(batch, refusal)
    except Exception:
        logger.exception("checking import batch %s failed", batch_id)
        ImportRow.objects.filter(batch_id=batch_id).delete()
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED,
            error=json.dumps(message(CHECK_FAILED)),
            finished_at=timezone.now(),
        )
        raise


def _store_checked_rows(batch: ImportBatch, table: Table, *, today: dt.date | None) -> None:
    ImportRow.objects.filter(batch=batch).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=len(table.rows))
    processed = 0
    for checked in check_rows(table.rows, event=batch.event, today=today):
        processed += len(checked)
        with transaction.atomic():
            ImportRow.objects.bulk_create(
                [
                    ImportRow(
                        batch=batch,
                        row_number=row.number,
                        verdict=row.verdict,
                        reasons=row.reasons,
                        data=row.data,
                        fingerprint=row.fingerprint,
                    )
                    for row in checked
                ]
            )
            ImportBatch.objects.filter(pk=batch.pk).update(rows_processed=processed)
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PARSING).update(
        status=ImportBatch.Status.PREVIEW, **verdict_counts(batch.pk)
    )


def _refuse(batch: ImportBatch, refusal: FileRefused) -> None:
    """A refused file keeps nothing: no rows, and the stored file is removed."""
    ImportRow.objects.filter(batch=batch).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.REFUSED,
        error=json.dumps(refusal.message),
        file="",
        rows_total=0,
        rows_processed=0,
        finished_at=timezone.now(),
    )
    if batch.file:
        batch.file.delete(save=False)


def verdict_counts(batch_id: int) -> dict[str, int]:
    counts = dict(
        ImportRow.objects.filter(batch_id=batch_id)
        .order_by()
        .values("verdict")
        .annotate(count=Count("pk"))
        .values_list("verdict", "count")
    )
    return {
        "accepted_count": counts.get(ImportRow.Verdict.ACCEPTED, 0),
        "normalised_count": counts.get(ImportRow.Verdict.NORMALISED, 0),
        "rejected_count": counts.get(ImportRow.Verdict.REJECTED, 0),
        "duplicate_count": counts.get(ImportRow.Verdict.DUPLICATE, 0),
    }


# --- Committing a batch (task) --------------------------------------------------------------


def progress_key(batch_id: int) -> str:
    return f"opinions:import-commit-progress:{batch_id}"


def commit_progress(batch: ImportBatch) -> int:
    """Rows saved so far by a running commit.

    The commit is one transaction, so its progress cannot be read from the database by
    another connection until it is over; the worker reports it through the cache instead.
    """
    value = cache.get(progress_key(batch.pk))
    return int(value) if value else 0


def claim_commit(*, batch_id: int) -> bool:
    """The moderator's "save" (or the command's): PREVIEW → COMMITTING, once."""
    return bool(
        ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.PREVIEW).update(
            status=ImportBatch.Status.COMMITTING, error=""
        )
    )


def request_commit(*, batch_id: int) -> bool:
    """Claim the batch for saving and save it in the background; False if already claimed."""
    with transaction.atomic():
        claimed = claim_commit(batch_id=batch_id)
        if claimed:
            cache.set(progress_key(batch_id), 0, PROGRESS_TTL)
            enqueue_after_commit("opinions.tasks.commit_import", batch_id)
    return claimed


def commit_batch(*, batch_id: int, now: dt.datetime | None = None) -> int:
    """Save the accepted rows of a claimed batch as pending opinions, in one transaction.

    Safe to run twice: the batch is claimed again inside the transaction with a
    conditional UPDATE, which on PostgreSQL locks its row, so a second run waits and then
    finds it DONE; a run killed halfway is rolled back whole and leaves the batch in
    COMMITTING for the redelivered task. The unique fingerprint is the last guard: rows
    saved meanwhile by another batch are skipped (ON CONFLICT DO NOTHING) and marked as
    duplicates. Returns the number of opinions created.
    """
    now = now or timezone.now()
    claimed = False
    try:
        with transaction.atomic():
            claimed = bool(
                ImportBatch.objects.filter(
                    pk=batch_id, status=ImportBatch.Status.COMMITTING
                ).update(finished_at=None)
            )
            if not claimed:
                return 0
            batch = ImportBatch.objects.get(pk=batch_id)
            created = _save_opinions(batch, now=now)
            ImportBatch.objects.filter(pk=batch_id).update(
                status=ImportBatch.Status.DONE,
                created_count=created,
                rows_processed=batch.rows_total,
                finished_at=now,
                **verdict_counts(batch_id),
            )
    except Exception:
        if not claimed:
            raise
        logger.exception("committing import batch %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.COMMITTING).update(
            status=ImportBatch.Status.PREVIEW, error=json.dumps(message(COMMIT_FAILED))
        )
        raise
    finally:
        if claimed:
            cache.delete(progress_key(batch_id))
    return created


def _save_opinions(batch: ImportBatch, *, now: dt.datetime) -> int:
    areas = dict(ThematicArea.objects.values_list("slug", "pk"))
    districts = dict(District.objects.values_list("slug", "pk"))
    accepted = ImportRow.objects.filter(batch=batch, verdict__in=ACCEPTED_VERDICTS)
    last_row, saved = 0, 0
    while True:
        # Keyset pages over the unique (batch, row_number) index: memory stays flat.
        chunk = list(
            accepted.filter(row_number__gt=last_row)
            .order_by("row_number")
            .values_list("row_number", "data", "fingerprint")[:CHUNK_SIZE]
        )
        if not chunk:
            break
        last_row = chunk[-1][0]
        Opinion.objects.bulk_create(
            [
                Opinion(
                    consultation_id=batch.consultation_id,
                    text=data["text"],
                    area_id=areas.get(data["area"]),
                    district_id=districts.get(data["district"]),
                    channel=data["channel"],
                    event_id=batch.event_id,
                    age_band=data["age_band"],
                    collected_on=dt.date.fromisoformat(data["collected_on"]),
                    created_at=now,
                    status=Opinion.Status.PENDING,
                    fingerprint=row_print,
                    import_batch_id=batch.pk,
                )
                for _number, data, row_print in chunk
            ],
            ignore_conflicts=True,
        )
        saved += len(chunk)
        cache.set(progress_key(batch.pk), saved, PROGRESS_TTL)
    # Link each row to the opinion it created. One read of this batch's opinions and
    # bulk updates: a correlated subquery per row made this quadratic on PostgreSQL.
    created = dict(
        Opinion.objects.filter(import_batch_id=batch.pk).values_list("fingerprint", "pk")
    )
    linked: list[ImportRow] = []
    for row_pk, row_print in accepted.values_list("pk", "fingerprint").iterator(chunk_size=5000):
        opinion_pk = created.get(row_print)
        if opinion_pk is not None:
            linked.append(ImportRow(pk=row_pk, opinion_id=opinion_pk))
    ImportRow.objects.bulk_update(linked, ["opinion"], batch_size=CHUNK_SIZE)
    accepted.filter(opinion__isnull=True).update(
        verdict=ImportRow.Verdict.DUPLICATE, reasons=[message(IMPORTED_MEANWHILE)]
    )
    ids = sorted(created.values())
    for start in range(0, len(ids), ANALYSIS_CHUNK):
        enqueue_after_commit("opinions.tasks.analyse_batch", ids[start : start + ANALYSIS_CHUNK])
    return len(ids)


# --- Checking without saving (the command's --dry-run) --------------------------------------


@dataclass
class DryRun:
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[CheckedRow] = field(default_factory=list)


def dry_run(*, content: bytes, name: str, event: Event | None, keep_rejected: int = 20) -> DryRun:
    """The verdicts a file would get, writing nothing at all. Raises FileRefused."""
    table = read_table(content, name)
    result = DryRun()
    for checked in check_rows(table.rows, event=event):
        for row in checked:
            result.counts[str(row.verdict)] += 1
            if row.verdict == ImportRow.Verdict.REJECTED and len(result.rejected) < keep_rejected:
                result.rejected.append(row)
    return result
