"""Polish agreement where one English word served nouns of different genders."""

from __future__ import annotations

import pytest
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


@pytest.mark.django_db
def test_residents_polish_text_is_marked_on_english_pages(lublin_process: None) -> None:
    from django.test import Client

    from stages.models import Consultation
    from tests.factories import OpinionFactory

    opinion = OpinionFactory(consultation=Consultation.objects.first())
    english = Client()
    english.cookies["django_language"] = "en"
    polish = Client()

    assert (
        'class="opinion-text" lang="pl"' in english.get(opinion.get_absolute_url()).content.decode()
    )
    assert 'class="opinion-text" lang="pl"' in english.get("/opinions/").content.decode()
    assert (
        'lang="pl"' not in polish.get(opinion.get_absolute_url()).content.decode().split("<main")[1]
    )
