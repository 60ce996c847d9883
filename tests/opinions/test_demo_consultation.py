"""The demo comments on the consulted draft: realistic, partly answered, safe to re-run."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from lublin2030.demo.consultations import seed_consultation_comments
from opinions.answers.models import ConsultationAnswer
from opinions.answers.services import unanswered_comments
from opinions.models import Opinion
from tests.factories import DocumentVersionFactory, SectionFactory, editor, moderator

pytestmark = pytest.mark.django_db


def test_comments_answers_and_counts_and_a_rerun_adds_nothing() -> None:
    version = DocumentVersionFactory()
    for n in range(1, 6):
        SectionFactory(version=version, number=f"1.{n}", key=f"cel-1-{n}")
    consultation = version.consultation

    summary = seed_consultation_comments(
        consultation=consultation, moderator=moderator(), editor=editor(), count=120
    )

    assert summary.comments == 120
    published = Opinion.objects.filter(consultation=consultation, status="published")
    assert version.sections.aggregate(n=Sum("comment_count"))["n"] == published.count()
    assert 0 < summary.published_answers < summary.answers
    # Some comments wait for an answer, and no person is named.
    assert 0 < unanswered_comments(consultation) < published.count()
    assert ConsultationAnswer.objects.filter(comments__isnull=True).count() == 0
    organisations = set(published.exclude(organisation="").values_list("submitter_kind", flat=True))
    assert organisations <= {"organisation", "public-body"}

    again = seed_consultation_comments(
        consultation=consultation, moderator=moderator(), editor=editor(), count=120
    )
    assert again.comments == 0
    assert Opinion.objects.filter(consultation=consultation).count() == 120


def test_the_recommendations_consultation_reads_in_english_too(lublin_process: None) -> None:
    from django.test import Client
    from django.utils import timezone

    from lublin2030.demo.consultations import seed_recommendations_consultation

    consultation = seed_recommendations_consultation(now=timezone.now())
    assert consultation is not None
    english = Client()
    english.cookies["django_language"] = "en"
    html = english.get(f"/consultations/{consultation.slug}/").content.decode()
    assert "The Thematic Working Groups have prepared recommendations" in html
    assert "Comments can be sent through the form" in html
    assert "Tematyczne Grupy Robocze przygotowały" not in html
