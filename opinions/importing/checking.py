"""Checking an uploaded batch (a Celery task): every row gets its verdict, kept as the preview."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from opinions.importing.messages import CHECK_FAILED, FileRefused, message
from opinions.importing.reading import Table, read_table
from opinions.importing.verdicts import check_rows
from opinions.models import (
    ImportBatch,
    ImportRow,
)

if TYPE_CHECKING:
    pass


logger = logging.getLogger(__name__)


# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.


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
    batch = ImportBatch.objects.select_related("event", "consultation").get(pk=batch_id)
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
    for checked in check_rows(
        table.rows, event=batch.event, today=today, consultation=batch.consultation
    ):
        processed += len(checked)
        with transaction.atomic():
            ImportRow.objects.bulk_create(
                [
                    ImportRow(
                        batch=batch,
                        row_number=row.number,
                        verdict=row.verdict,
                        reasons=storable(row.reasons),
                        data=storable(row.data),
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


def storable(value: Any) -> Any:
    """The value with NUL characters shown as U+FFFD: PostgreSQL's jsonb cannot hold U+0000,
    and a row rejected for one is still kept, with its cells, for the import's report."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value
