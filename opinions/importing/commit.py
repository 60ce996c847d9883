"""Saving a checked batch's accepted rows as pending opinions (a Celery task), in one
transaction, with its progress reported through the cache."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.tasks import send_after_commit
from opinions.analysis.tasks import analyse_batch
from opinions.importing.checking import verdict_counts
from opinions.importing.messages import (
    COMMIT_FAILED,
    IMPORTED_MEANWHILE,
    SECTION_GONE,
    SECTION_IN_OLDER_VERSION,
    message,
)
from opinions.importing.verdicts import ACCEPTED_VERDICTS, CHUNK_SIZE, latest_sections
from opinions.models import (
    ImportBatch,
    ImportRow,
    Opinion,
    SubmitterKind,
)
from stages.models import District, Section, ThematicArea

if TYPE_CHECKING:
    from core.tabular import Message


logger = logging.getLogger(__name__)


# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.
ANALYSIS_CHUNK = 1_000
PROGRESS_TTL = 6 * 3600


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


class _Sections:
    """The section of each row: the one checked (its id and version kept with the row),
    or, for rows checked before those were kept, the number looked up now. A row whose
    section changed since the check is saved all the same, and says what happened."""

    def __init__(self, batch: ImportBatch) -> None:
        self.latest_version, self.by_number = latest_sections(batch.consultation)
        self.existing = set(
            Section.objects.filter(version__consultation=batch.consultation).values_list(
                "pk", flat=True
            )
        )
        self.notes: dict[int, Message] = {}

    def resolve(self, row_number: int, data: dict[str, Any]) -> int | None:
        number = data.get("section") or ""
        if "section_id" not in data:
            return self.by_number.get(number)
        section_id: int | None = data["section_id"]
        if section_id is None:
            return None
        if section_id not in self.existing:
            self.notes[row_number] = message(SECTION_GONE, value=number)
            return None
        if data.get("section_version_id") != self.latest_version:
            self.notes[row_number] = message(SECTION_IN_OLDER_VERSION, value=number)
        return section_id

    def note_changes(self, saved: QuerySet[ImportRow]) -> None:
        """Each saved row whose section changed gets its note after its own."""
        changed = list(
            saved.filter(row_number__in=list(self.notes)).only("pk", "row_number", "reasons")
        )
        for row in changed:
            row.reasons = [*(row.reasons or []), self.notes[row.row_number]]
        ImportRow.objects.bulk_update(changed, ["reasons"], batch_size=CHUNK_SIZE)


def _save_opinions(batch: ImportBatch, *, now: dt.datetime) -> int:
    areas = dict(ThematicArea.objects.values_list("slug", "pk"))
    districts = dict(District.objects.values_list("slug", "pk"))
    sections = _Sections(batch)
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
        section_ids = {number: sections.resolve(number, data) for number, data, _p in chunk}
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
                    section_id=section_ids[number],
                    organisation=data.get("organisation", ""),
                    submitter_kind=(
                        SubmitterKind.ORGANISATION
                        if data.get("organisation")
                        else SubmitterKind.PERSON
                    ),
                )
                for number, data, row_print in chunk
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
    sections.note_changes(accepted.filter(opinion__isnull=False))
    ids = sorted(created.values())
    for start in range(0, len(ids), ANALYSIS_CHUNK):
        send_after_commit(
            analyse_batch,
            ids[start : start + ANALYSIS_CHUNK],
            fallback="the catch-up job will do it",
        )
    return len(ids)
