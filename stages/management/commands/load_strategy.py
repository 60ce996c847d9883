from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stages.strategy.loader import StrategyFileError, load_strategy


class Command(BaseCommand):
    help = (
        "Load a strategy (development areas, goals, directions of action, indicators, tasks, "
        "measurements) from a TOML file. The file is checked completely before anything is "
        "written; safe to re-run: the same file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the strategy file, e.g. data/strategy/lublin-2030.toml")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_strategy(Path(options["file"]))
        except StrategyFileError as exc:
            raise CommandError(str(exc)) from exc
        verdict = "loaded" if report.changed else "already up to date"
        self.stdout.write(self.style.SUCCESS(f"Strategy {verdict}: {report.summary()}"))
