"""Polish agreement where one English word served nouns of different genders."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from opinions.models import ImportRow


def test_import_verdicts_agree_with_a_row() -> None:
    with translation.override("pl"):
        labels = [str(verdict.label) for verdict in ImportRow.Verdict]
    assert labels == ["przyjęty", "przyjęty po normalizacji", "odrzucony", "już zaimportowany"]


def test_a_comments_status_agrees_with_a_comment() -> None:
    template = "opinions/moderation/partials/comment_status.html"
    with translation.override("pl"):
        shown = [render_to_string(template, {"status": s}) for s in ("published", "rejected")]
    assert shown == ["opublikowany", "nieopublikowany"]
