"""Writing the open-data files, streaming: a row is written as soon as it is read.

Every file goes to a temporary name in the same folder and is renamed over the old one
when complete, so a download never sees half a file and a run killed halfway leaves
yesterday's files in place; a second run writes the same files again (idempotent).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook

from core.printing import cell_value

from .catalogue import catalogue, datapackage
from .datasets import DATASETS, Dataset, Row, iso

# An XLSX sheet holds 1,048,576 rows: the rows go on over several sheets of this many.
ROWS_PER_SHEET = 1_000_000


def open_data_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "open-data"


class _Replacing:
    """A file written under a temporary name and renamed over `path` once closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def commit(self) -> None:
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)


def _text(value: Any, zone: dt.tzinfo) -> Any:
    value = iso(value, zone)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def write_csv(path: Path, header: list[str], rows: Iterable[Row]) -> int:
    target = _Replacing(path)
    zone = timezone.get_current_timezone()
    count = 0
    try:
        with open(target.temporary, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if value is None else _text(value, zone) for value in row])
                count += 1
        target.commit()
    finally:
        target.discard()
    return count


def _json_value(value: Any, zone: dt.tzinfo) -> Any:
    value = iso(value, zone)
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_json(path: Path, header: list[str], rows: Iterable[Row]) -> int:
    """An array of objects, one line each, written as the rows come."""
    target = _Replacing(path)
    zone = timezone.get_current_timezone()
    count = 0
    try:
        with open(target.temporary, "w", encoding="utf-8") as handle:
            handle.write("[")
            for row in rows:
                record = {
                    name: _json_value(value, zone) for name, value in zip(header, row, strict=True)
                }
                handle.write(
                    ("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False)
                )
                count += 1
            handle.write("\n]\n")
        target.commit()
    finally:
        target.discard()
    return count


def _xlsx_value(value: Any, zone: dt.tzinfo) -> Any:
    value = iso(value, zone) if isinstance(value, dt.datetime) else value
    return cell_value(value)


def write_xlsx(path: Path, header: list[str], rows: Iterable[Row], *, title: str) -> int:
    """openpyxl's write-only mode: rows go to a temporary XML file as they come."""
    target = _Replacing(path)
    zone = timezone.get_current_timezone()
    count = 0
    try:
        workbook = Workbook(write_only=True)
        sheet = None
        for row in rows:
            if count % ROWS_PER_SHEET == 0:
                number = count // ROWS_PER_SHEET + 1
                sheet = workbook.create_sheet(title if number == 1 else f"{title} {number}")
                sheet.append(header)
            assert sheet is not None
            sheet.append([_xlsx_value(value, zone) for value in row])
            count += 1
        if sheet is None:
            workbook.create_sheet(title).append(header)
        workbook.save(str(target.temporary))
        target.commit()
    finally:
        target.discard()
    return count


def write_dataset(dataset: Dataset, root: Path) -> dict[str, Any]:
    """The dataset's three files; the number of rows and each file's size."""
    header = [column.name for column in dataset.columns]
    count = write_csv(root / f"{dataset.name}.csv", header, dataset.rows())
    write_json(root / f"{dataset.name}.json", header, dataset.rows())
    write_xlsx(root / f"{dataset.name}.xlsx", header, dataset.rows(), title=dataset.name[:31])
    sizes = {
        ext: (root / f"{dataset.name}.{ext}").stat().st_size for ext in ("csv", "json", "xlsx")
    }
    return {"rows": count, "bytes": sizes}


def _write_text(path: Path, text: str) -> None:
    target = _Replacing(path)
    try:
        target.temporary.write_text(text, encoding="utf-8")
        target.commit()
    finally:
        target.discard()


def write_open_data(
    *, root: Path | None = None, now: dt.datetime | None = None, only: Iterator[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every dataset's files, then datapackage.json and the DCAT-AP catalogue (catalog.jsonld)
    that describe them; returns what each dataset got."""
    root = root or open_data_root()
    root.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    names = set(only) if only is not None else None
    written = {
        dataset.name: write_dataset(dataset, root)
        for dataset in DATASETS
        if names is None or dataset.name in names
    }
    _write_text(
        root / "datapackage.json",
        json.dumps(datapackage(written, now=now), ensure_ascii=False, indent=2),
    )
    _write_text(
        root / "catalog.jsonld",
        json.dumps(catalogue(written, now=now), ensure_ascii=False, indent=2),
    )
    return written


def read_datapackage(root: Path | None = None) -> dict[str, Any] | None:
    """The last night's datapackage.json, or None before the first run."""
    path = (root or open_data_root()) / "datapackage.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
