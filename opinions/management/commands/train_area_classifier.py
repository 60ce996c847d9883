"""Train the area classifier on the opinions moderators labelled (as the nightly task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from opinions.analysis.classifier import MIN_LABELLED, train_area_classifier


class Command(BaseCommand):
    help = "Train the area-suggestion model on published opinions that have an area."

    def handle(self, *args: Any, **options: Any) -> None:
        model = train_area_classifier()
        if model is None:
            self.stdout.write(
                f"Not trained: it needs at least {MIN_LABELLED} published opinions "
                "with an area, in at least 2 areas."
            )
            return
        accuracy = "n/a" if model.accuracy is None else f"{100 * model.accuracy:.1f}%"
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained on {model.trained_on} opinions in {len(model.labels)} areas; "
                f"held-out accuracy {accuracy}; saved as {model.file.name}"
            )
        )
