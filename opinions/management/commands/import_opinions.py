from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opinions.importing import batches, checking, commit, messages, reading, verdicts
from opinions.models import Event, ImportBatch, ImportRow
from stages.models import Consultation

VERDICTS = [verdict.value for verdict in ImportRow.Verdict]
SHOWN_REJECTED = 20


class Command(BaseCommand):
    help = (
        "Import paper input from a CSV or XLSX file (text, area, district, channel, age_band, "
        "collected_on), with the rules of the import page. Safe to re-run: rows already "
        "imported are recognised as duplicates and not saved again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV (UTF-8) or XLSX file")
        parser.add_argument("--event", type=int, help="id of the event the cards come from")
        parser.add_argument(
            "--consultation",
            help="slug of the consultation (default: the first open open-question one)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row and print the verdicts, saving nothing at all",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        event = self._event(options["event"])
        consultation = self._consultation(options["consultation"])
        try:
            if options["dry_run"]:
                result = verdicts.dry_run(
                    content=content, name=path.name, event=event, consultation=consultation
                )
                self._report(result.counts, result.rejected)
                self.stdout.write("Dry run: nothing was saved.")
                return
            # The file as a whole is checked before anything (even the batch) is stored.
            reading.read_table(content, path.name)
        except messages.FileRefused as refusal:
            raise CommandError(f"File refused: {refusal}") from refusal
        batch = batches.create_batch(
            content=content,
            original_name=path.name,
            consultation=consultation,
            event=event,
            uploaded_by=None,
        )
        checking.check_batch(batch_id=batch.pk)
        batch.refresh_from_db()
        if batch.status != ImportBatch.Status.PREVIEW:
            raise CommandError(f"Import {batch.pk}: {messages.render_batch_error(batch)}")
        if commit.claim_commit(batch_id=batch.pk):
            commit.commit_batch(batch_id=batch.pk)
        batch.refresh_from_db()
        counts = Counter(
            dict(
                accepted=batch.accepted_count,
                normalised=batch.normalised_count,
                rejected=batch.rejected_count,
                duplicate=batch.duplicate_count,
            )
        )
        rejected = ImportRow.objects.filter(
            batch=batch, verdict=ImportRow.Verdict.REJECTED
        ).order_by("row_number")[:SHOWN_REJECTED]
        self._report(
            counts,
            [
                verdicts.CheckedRow(row.row_number, row.verdict, row.reasons, row.data)
                for row in rejected
            ],
        )
        self.stdout.write(
            self.style.SUCCESS(f"Import {batch.pk}: {batch.created_count} opinions saved.")
        )

    def _event(self, event_id: int | None) -> Event | None:
        if event_id is None:
            return None
        event = Event.objects.filter(pk=event_id).first()
        if event is None:
            raise CommandError(f"No event with id {event_id}.")
        return event

    def _consultation(self, slug: str | None) -> Consultation:
        if slug:
            consultation = Consultation.objects.filter(slug=slug).first()
            if consultation is None:
                raise CommandError(f"No consultation with slug “{slug}”.")
            return consultation
        default = batches.default_consultation()
        if default is None:
            raise CommandError("No open consultation with an open question; use --consultation.")
        return default

    def _report(self, counts: Counter[str], rejected: list[verdicts.CheckedRow]) -> None:
        total = sum(counts.values())
        self.stdout.write(f"Rows: {total}")
        for verdict in VERDICTS:
            self.stdout.write(f"  {verdict}: {counts.get(verdict, 0)}")
        if rejected:
            self.stdout.write(f"First rejected rows (up to {SHOWN_REJECTED}):")
        for row in rejected:
            reasons = "; ".join(messages.render_message(reason) for reason in row.reasons)
            self.stdout.write(f"  row {row.number}: {reasons}")
