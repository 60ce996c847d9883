"""What the files of every built report share (the thematic reports, opinions/reports/, the
consultation reports, opinions/answers/report/, the strategy's monitoring reports): storing a
rendered file once, WeasyPrint fetching nothing but the portal's static files, and the cells
of an XLSX sheet.

A built version never changes, so its files are rendered once: each is stored through the
field's storage (Django's default storage) and recorded with a conditional UPDATE, so two
renders at once store one file each and keep the first; the loser deletes its copy.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from weasyprint.document import Document

# Text that starts like a formula would run in a spreadsheet: such a cell gets a quote first.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Make a cell safe for spreadsheets: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# Relative links of a report resolve against the portal's public address when it is
# configured; without one they stay out of the PDF.
PORTAL_URL_SETTING = "PORTAL_URL"
LOCAL_BASE = "https://portal.invalid/"
# PDF/UA: a tagged PDF (headings, tables, reading order) that screen readers can follow.
PDF_VARIANT = "pdf/ua-1"


def store_file(instance: models.Model, field: str, filename: str, data: bytes) -> bool:
    """Store `data` as the instance's still empty file field; False (and nothing kept) when
    another render stored one first (theirs is kept: it is the same immutable version)."""
    file: FieldFile = getattr(instance, field)
    name = file.field.generate_filename(instance, filename)
    stored = file.storage.save(name, ContentFile(data))
    manager = type(instance)._default_manager
    claimed = manager.filter(pk=instance.pk, **{field: ""}).update(**{field: stored}) == 1
    if not claimed:
        file.storage.delete(stored)
    return claimed


# --- PDF ------------------------------------------------------------------------------------


def pdf_document(html: str, base_url: str | None = None) -> Document:
    """HTML laid out on pages by WeasyPrint (its `pages` are the PDF's pages); relative
    links resolve against `base_url`, by default the portal's address."""
    from weasyprint import HTML

    document = HTML(
        string=html, base_url=base_url or pdf_base_url(), url_fetcher=static_only_fetcher
    )
    return document.render(pdf_variant=PDF_VARIANT)


def pdf_base_url() -> str:
    return portal_url() or LOCAL_BASE


def portal_url() -> str:
    value = str(getattr(settings, PORTAL_URL_SETTING, "") or "")
    return value if value.endswith("/") or not value else value + "/"


def static_only_fetcher(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """WeasyPrint fetches nothing from the network: only the portal's own static files."""
    parts = urlsplit(url)
    base = urlsplit(urljoin(portal_url() or LOCAL_BASE, settings.STATIC_URL))
    if parts.scheme in {"http", "https"} and parts.netloc == base.netloc:
        relative = unquote(parts.path).removeprefix(base.path)
        if relative != unquote(parts.path) and ".." not in Path(relative).parts:
            found = finders.find(relative) or _collected(relative)
            if found:
                path = Path(found)
                return {
                    "string": path.read_bytes(),
                    "mime_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                    "redirected_url": url,
                }
    raise ValueError(f"not fetched while rendering a report: {url}")


def _collected(relative: str) -> str | None:
    root = Path(settings.STATIC_ROOT)
    candidate = (root / relative).resolve()
    if candidate.is_file() and root.resolve() in candidate.parents:
        return str(candidate)
    return None


# --- XLSX -----------------------------------------------------------------------------------


def cell_value(value: object) -> object:
    """A value safe in a cell: no characters XLSX cannot hold, no formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise_formula(value)


def sheet_with_columns(workbook: Workbook, title: str, columns: list[tuple[str, int]]) -> Any:
    """A write-only sheet with its columns' widths and the first row frozen."""
    sheet = workbook.create_sheet(title)
    for index, (_name, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def bold_cells(sheet: Any, values: list[object]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=cell_value(value))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells
