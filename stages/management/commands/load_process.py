from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stages.process_loader import ProcessFileError, load_process


class Command(BaseCommand):
    help = (
        "Load a strategy process (stages, thematic areas, districts) from a TOML file. "
        "Safe to re-run: the same file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=str(settings.PROCESS_FILE),
            help="the process file (default: the Lublin 2030 process shipped in data/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_process(Path(options["file"]))
        except ProcessFileError as exc:
            raise CommandError(str(exc)) from exc
        verdict = "loaded" if report.changed else "already up to date"
        self.stdout.write(self.style.SUCCESS(f"Process {verdict}: {report.summary()}"))
