"""Lemmatize every stored opinion again: run once after the lemmatizer changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from opinions.analysis.runs import relemmatize_all


class Command(BaseCommand):
    help = (
        "Recompute Opinion.lemmas of every opinion with the current lemmatizer (after an "
        "upgrade that changed it; search, near-duplicates and reports read these lemmas). "
        "Writes only the opinions whose lemmas change, a chunk per transaction; safe to "
        "re-run and to interrupt."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        read, changed = relemmatize_all()
        self.stdout.write(f"{read} opinions read, {changed} with new lemmas stored.")
