"""Start new versions of the thematic reports (what the staff page's "build" button does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opinions.models import ThematicReport
from opinions.reports.building import build_report, create_report_versions, start_reports
from stages.models import Consultation, ThematicArea


class Command(BaseCommand):
    help = (
        "Start a new version of the thematic report of each area (or of one area): by "
        "default queued for the Celery workers (the report ids are printed); with --sync "
        "built here, one after another, printing the progress. Safe to re-run: each run "
        "adds versions and never changes a built one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", help="slug of the thematic area (default: all areas)")
        parser.add_argument(
            "--consultation",
            help="slug of the consultation whose opinions count (default: all consultations)",
        )
        parser.add_argument(
            "--sync", action="store_true", help="build in this process instead of the workers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        areas = None
        if options["area"]:
            areas = list(ThematicArea.objects.filter(slug=options["area"]))
            if not areas:
                known = ", ".join(ThematicArea.objects.values_list("slug", flat=True))
                raise CommandError(f"No area {options['area']!r}. Areas: {known}")
        consultation = None
        if options["consultation"]:
            consultation = Consultation.objects.filter(slug=options["consultation"]).first()
            if consultation is None:
                raise CommandError(f"No consultation {options['consultation']!r}.")
        if not options["sync"]:
            reports = start_reports(areas=areas, consultation=consultation)
            for report in reports:
                self.stdout.write(f"{report.pk}\t{report.area.slug}\tv{report.version}\tqueued")
            return
        failed = 0
        for report in create_report_versions(areas=areas, consultation=consultation):
            label = f"{report.area.slug} v{report.version} (report {report.pk})"

            def show(percent: int, note: str, label: str = label) -> None:
                self.stdout.write(f"{label}: {percent:3d}% {note}")

            built = build_report(report_id=report.pk, on_progress=show)
            if built.status == ThematicReport.Status.BUILT:
                self.stdout.write(
                    self.style.SUCCESS(f"{label}: built from {built.opinion_count} opinions")
                )
            else:
                failed += 1
                self.stdout.write(self.style.ERROR(f"{label}: {built.status} {built.error}"))
        if failed:
            raise CommandError(f"{failed} report(s) failed.")
