"""Reading an uploaded CSV or XLSX table into rows of cells, with messages for people.

Shared by every import that takes a spreadsheet and gives each row a verdict (the paper
input in opinions/importing/, the indicator measurements in stages/strategy/): the file's
format, encoding and header are checked here, and a file that cannot be read at all is
refused whole (`FileRefused`) with a message in the reader's language. What a row means is
for the importing app to check.

Messages are English message ids with their parameters (`message()`), stored as they are
and translated when shown (`render_message()`), so a report reads in its reader's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

XLSX_SUFFIXES = {".xlsx"}
CSV_SUFFIXES = {".csv", ".txt"}
# Past this share of control characters a "CSV" is binary (UTF-16 without its mark is one
# half NULs) and is refused whole; below it, each row holding one is rejected alone.
BINARY_CONTROL_SHARE = 0.1
# C0 controls other than tab, LF and CR: no spreadsheet or keyboard puts them in a cell, so
# one is a sign of damage (a NUL from a crashed save, an escape from a terminal).
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# --- Messages -----------------------------------------------------------------------------

FILE_EMPTY = gettext_noop("The file is empty.")
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
FILE_CONTROL_IN_HEADER = gettext_noop(
    "The first row (the column names) holds a control character (%(char)s). Save the file "
    "again from your spreadsheet as “CSV UTF-8 (comma delimited)” or as an Excel workbook "
    "(.xlsx)."
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
FILE_NO_ROWS = gettext_noop("The file has a header row but no rows below it.")

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


class FileRefused(Exception):
    """The whole file is refused; nothing of it is saved."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.message = message(msgid, **params)
        with translation.override("en"):
            super().__init__(render_message(self.message))

    def __str__(self) -> str:
        return render_message(self.message)


def first_control_character(value: str) -> str | None:
    """The first control character of `value` as U+XXXX, or None."""
    match = CONTROL_CHARACTER.search(value)
    return f"U+{ord(match[0]):04X}" if match else None


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


@dataclass(frozen=True)
class Columns:
    """What a table must hold: the required columns, those it may add, and its size."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    max_rows: int = 200_000
    # Said when the header has no rows under it (names what the rows are, e.g. opinions).
    no_rows: str = FILE_NO_ROWS


def read_table(
    content: bytes, name: str, columns: Columns, *, first_row_only: bool = False
) -> Table:
    """Every non-blank row of a CSV or XLSX file, its cells named by the header row.

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
        records = xlsx_records(content)
        limit = 1 if first_row_only else columns.max_rows
    else:
        records = csv_records(content)
        limit = columns.max_rows
    return _table(
        records, columns, limit=limit, stop_at_limit=first_row_only and suffix in XLSX_SUFFIXES
    )


def _table(
    records: Iterator[tuple[int, list[Cell]]], columns: Columns, *, limit: int, stop_at_limit: bool
) -> Table:
    header: list[str] | None = None
    positions: dict[str, int] = {}
    rows: list[RawRow] = []
    for number, cells in records:
        if header is None:
            if all(_is_blank(cell) for cell in cells):
                continue
            header = _header(cells, columns)
            positions = {
                column: header.index(column)
                for column in (*columns.required, *columns.optional)
                if column in header
            }
            continue
        if all(_is_blank(cell) for cell in cells):
            continue
        if len(rows) == limit:
            if stop_at_limit:
                break
            raise FileRefused(FILE_TOO_MANY_ROWS, max=f"{columns.max_rows:,}".replace(",", " "))
        width = len(header)
        values: dict[str, Cell] = dict.fromkeys(columns.optional, "")
        values.update(
            (column, cells[index] if index < len(cells) else "")
            for column, index in positions.items()
        )
        extra = any(not _is_blank(cell) for cell in cells[width:])
        rows.append(RawRow(number, values, extra))
    if header is None:
        raise FileRefused(FILE_EMPTY)
    if not rows:
        raise FileRefused(columns.no_rows)
    return Table(rows)


def _is_blank(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


def _header(cells: Sequence[Cell], columns: Columns) -> list[str]:
    for cell in cells:
        # Unlike a row, the header cannot be rejected alone: without it no row can be read.
        if isinstance(cell, str) and (char := first_control_character(cell)):
            raise FileRefused(FILE_CONTROL_IN_HEADER, char=char)
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()  # spreadsheets often leave empty cells after the last column
    expected = ", ".join(columns.required)
    missing = [column for column in columns.required if column not in names]
    known = (*columns.required, *columns.optional)
    unknown = [name or "(empty)" for name in names if name not in known]
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


def csv_records(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    if content.startswith(b"PK\x03\x04"):
        raise FileRefused(FILE_NOT_TEXT)  # a workbook renamed to .csv
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(FILE_NOT_UTF8)  # UTF-16 ("Unicode text" in Excel)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(FILE_NOT_UTF8) from None
    if _control_share(text) > BINARY_CONTROL_SHARE:
        raise FileRefused(FILE_NOT_TEXT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as error:
        raise FileRefused(FILE_BAD_CSV, row=number + 1, problem=str(error)[:200]) from None


def _control_share(text: str) -> float:
    # A copy without them rather than a list of matches: a 50 MB file of NULs stays 50 MB.
    return (len(text) - len(CONTROL_CHARACTER.sub("", text))) / max(len(text), 1)


def sniff_delimiter(text: str) -> str:
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


def xlsx_records(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
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
                yield number, [xlsx_cell(value) for value in row]
        except UNREADABLE_XLSX as error:
            logger.info("unreadable worksheet: %s", error)
            raise FileRefused(FILE_BAD_XLSX) from None
    finally:
        workbook.close()


def xlsx_cell(value: object) -> Cell:
    """A workbook cell as text or a date: numbers as the text they read as."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
