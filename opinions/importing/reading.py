"""Reading an uploaded CSV or XLSX file into rows of cells (no checking yet)."""

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
from typing import TYPE_CHECKING

from opinions.importing.characters import CONTROL_CHARACTER, first_control_character
from opinions.importing.messages import (
    FILE_BAD_CSV,
    FILE_BAD_XLSX,
    FILE_CONTROL_IN_HEADER,
    FILE_EMPTY,
    FILE_MISSING_COLUMNS,
    FILE_NO_ROWS,
    FILE_NOT_CSV_OR_XLSX,
    FILE_NOT_TEXT,
    FILE_NOT_UTF8,
    FILE_REPEATED_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FILE_UNKNOWN_COLUMNS,
    FILE_WRONG_COLUMNS,
    FileRefused,
)

if TYPE_CHECKING:
    pass


logger = logging.getLogger(__name__)


COLUMNS = ("text", "area", "district", "channel", "age_band", "collected_on")
# Columns a file may add: the section a consultation comment is about (its number in the
# document's latest version) and the organisation or body that sent it.
OPTIONAL_COLUMNS = ("section", "organisation")
MAX_ROWS = 200_000
# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.
XLSX_SUFFIXES = {".xlsx"}
CSV_SUFFIXES = {".csv", ".txt"}
# Past this share of control characters a "CSV" is binary (UTF-16 without its mark is one
# half NULs) and is refused whole; below it, each row holding one is rejected alone.
BINARY_CONTROL_SHARE = 0.1


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
            positions = {
                column: header.index(column)
                for column in (*COLUMNS, *OPTIONAL_COLUMNS)
                if column in header
            }
            continue
        if all(_is_blank(cell) for cell in cells):
            continue
        if len(rows) == limit:
            if stop_at_limit:
                break
            raise FileRefused(FILE_TOO_MANY_ROWS, max=f"{MAX_ROWS:,}".replace(",", " "))
        width = len(header)
        values: dict[str, Cell] = dict.fromkeys(OPTIONAL_COLUMNS, "")
        values.update(
            (column, cells[index] if index < len(cells) else "")
            for column, index in positions.items()
        )
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
    for cell in cells:
        # Unlike a row, the header cannot be rejected alone: without it no row can be read.
        if isinstance(cell, str) and (char := first_control_character(cell)):
            raise FileRefused(FILE_CONTROL_IN_HEADER, char=char)
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()  # spreadsheets often leave empty cells after the last column
    expected = ", ".join(COLUMNS)
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name or "(empty)" for name in names if name not in (*COLUMNS, *OPTIONAL_COLUMNS)]
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
    if _control_share(text) > BINARY_CONTROL_SHARE:
        raise FileRefused(FILE_NOT_TEXT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as error:
        raise FileRefused(FILE_BAD_CSV, row=number + 1, problem=str(error)[:200]) from None


def _control_share(text: str) -> float:
    # A copy without them rather than a list of matches: a 50 MB file of NULs stays 50 MB.
    return (len(text) - len(CONTROL_CHARACTER.sub("", text))) / max(len(text), 1)


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
