"""Print how well the area classifier does on a labelled CSV (the sample by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opinions.analysis.classifier import area_examples, evaluate_on_sample

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"


class Command(BaseCommand):
    help = (
        "Train the area classifier on a stratified 80% of a labelled CSV "
        "(text,area,… with area slugs) and print its accuracy on the other 20%."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, default=SAMPLE, help=f"default: {SAMPLE}")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            # The areas' descriptions and the strategy's sentences are learned from too, as
            # in the nightly training.
            figures = evaluate_on_sample(path, area_examples())
        except ValueError as error:
            raise CommandError(str(error)) from error
        accuracy = figures["accuracy"]
        self.stdout.write(
            f"{figures['rows']} labelled rows, {figures['areas']} areas: "
            f"learned from {figures['train']}, tested on {figures['test']}"
        )
        self.stdout.write(
            f"accuracy: {_percent(accuracy)} "
            f"(always guessing the commonest area: {_percent(figures['baseline'])})"
        )
        width = max((len(area) for area in figures["per_area"]), default=0)
        for area, result in figures["per_area"].items():
            self.stdout.write(
                f"  {area:<{width}}  {result['correct']:>3}/{result['total']:<3}"
                f"  {_percent(result['accuracy'])}"
            )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
