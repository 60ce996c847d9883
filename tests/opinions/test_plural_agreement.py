"""Polish plural agreement of counts built into sentences: the report's Polish method note
(noun and participle agree with the number) and the screen-reader text of a report's counts,
which go through ngettext so that Polish gets its own forms."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

pytestmark = pytest.mark.django_db


def method_note(opinion_count: int) -> str:
    report = SimpleNamespace(
        consultation=None, cutoff_at=timezone.make_aware(dt.datetime(2026, 5, 1, 12))
    )
    content = {
        "scope": {"opinion_count": opinion_count, "area_name": "Miasto zielone"},
        "method": {"lemmatizer": "simplemma", "stopwords": 22, "min_count": 1, "k_range": [3, 12]},
    }
    with translation.override("en"):
        return render_to_string(
            "opinions/reports/partials/method_note.html", {"report": report, "content": content}
        )


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "opinię opublikowaną po moderacji i przypisaną"),
        (2, "opinie opublikowane po moderacji i przypisane"),
        (4, "opinie opublikowane po moderacji i przypisane"),
        (5, "opinii opublikowanych po moderacji i przypisanych"),
        (12, "opinii opublikowanych po moderacji i przypisanych"),
        (22, "opinie opublikowane po moderacji i przypisane"),
        (25, "opinii opublikowanych po moderacji i przypisanych"),
        (1772, "opinie opublikowane po moderacji i przypisane"),
        (0, "opinii opublikowanych po moderacji i przypisanych"),
    ],
)
def test_the_method_note_agrees_with_the_number_whatever_the_page_language(
    count: int, words: str
) -> None:
    html = method_note(count)
    assert f"Raport obejmuje {count} {words} do obszaru" in html
    if count:
        assert "pominięto 22 słowa funkcyjne" in html
        assert "w co najmniej 1 opinii;" in html


@pytest.mark.parametrize(
    ("count", "polish", "english"),
    [
        (1, "1 opinia: zobacz ją", "1 opinion: see it"),
        (3, "3 opinie: zobacz wszystkie", "3 opinions: see them all"),
        (5, "5 opinii: zobacz wszystkie", "5 opinions: see them all"),
        (1772, "1772 opinie: zobacz wszystkie", "1772 opinions: see them all"),
    ],
)
def test_a_reports_count_is_read_out_with_its_plural(count: int, polish: str, english: str) -> None:
    for language, expected in (("pl", polish), ("en", english)):
        with translation.override(language):
            said = ngettext(
                "%(counter)s opinion: see it", "%(counter)s opinions: see them all", count
            ) % {"counter": count}
        assert said == expected
