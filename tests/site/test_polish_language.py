"""Polish text on English pages is marked lang="pl" (WCAG 3.1.2): district names always,
area names when they have no English version, opinions' text and events' titles; Polish
pages carry no such marks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.language import lang_attribute, polish_span, shows_polish
from stages.models import Consultation, District, ThematicArea
from tests.factories import OpinionFactory
from tests.roles import client_for

pytestmark = pytest.mark.django_db


def english() -> Client:
    return client_for("anonymous", english=True)[0]


def test_what_counts_as_polish_text() -> None:
    named = ThematicArea(name="Miasto zielone", name_en="Green city")
    unnamed = ThematicArea(name="Sport i rekreacja", name_en="")
    district = District(name="Śródmieście")
    with translation.override("pl"):
        assert not shows_polish()
        assert not shows_polish(unnamed)
        assert lang_attribute(district) == ""
        assert polish_span("Śródmieście", district) == "Śródmieście"
    with translation.override("en"):
        assert shows_polish()
        assert not shows_polish(named)
        assert shows_polish(unnamed)
        assert shows_polish(district)
        assert lang_attribute(district) == ' lang="pl"'
        assert polish_span("A & B", district) == '<span lang="pl">A &amp; B</span>'


def test_an_opinion_on_an_english_page_marks_its_polish_parts(lublin_process: None) -> None:
    green = ThematicArea.objects.get(slug="miasto-zielone")
    district = District.objects.get(slug="czuby-polnocne")
    opinion = OpinionFactory(
        consultation=Consultation.objects.first(), area=green, district=district
    )
    html = english().get(opinion.get_absolute_url()).content.decode()
    assert '<html lang="en">' in html
    assert f'<span lang="pl">{district.name}</span>' in html
    # The area has an English name, shown unmarked.
    assert f"<span>{green.name_en}</span>" in html
    assert 'class="opinion-text" lang="pl"' in html

    green.name_en = ""
    green.save(update_fields=["name_en"])
    html = english().get(opinion.get_absolute_url()).content.decode()
    assert f'<span lang="pl">{green.name}</span>' in html

    polish_page = Client().get(opinion.get_absolute_url()).content.decode()
    assert '<html lang="pl">' in polish_page
    assert 'lang="pl">' not in polish_page.split("<main", 1)[1]


def test_the_list_of_opinions_marks_district_names(lublin_process: None) -> None:
    district = District.objects.get(slug="czuby-polnocne")
    OpinionFactory(
        consultation=Consultation.objects.first(),
        district=district,
        area=ThematicArea.objects.get(slug="sport"),
    )
    html = english().get(reverse("opinions:list")).content.decode()
    assert f'<span lang="pl">{district.name}</span>' in html


def test_a_district_page_of_the_strategy_names_it_in_polish(lublin_process: None) -> None:
    district = District.objects.get(slug="czuby-polnocne")
    url = reverse("stages:strategy_district", args=[district.slug])
    html = english().get(url).content.decode()
    assert f'<span lang="pl">{district.name}</span></h1>' in html
    assert f'aria-current="page" lang="pl">{district.name}</a>' in html


def test_recommendations_and_their_evidence_are_marked_polish_on_english_pages(
    lublin_process: None,
) -> None:
    from django.template.loader import render_to_string

    version = {
        "vision": "Zielone miasto.",
        "diagnosis": "Brakuje drzew.",
        "goals": "Więcej parków.",
        "directions": [
            {
                "text": "Sadzić drzewa.",
                "indicator": "liczba drzew",
                "responsible_unit": "Wydział Zieleni",
            }
        ],
    }
    with translation.override("en"):
        html = render_to_string(
            "workgroups/recommendations/partials/text.html", {"version": version}
        )
    assert '<div class="prose" lang="pl"><p>Zielone miasto.</p></div>' in html
    assert '<p lang="pl">Sadzić drzewa.</p>' in html
    assert '<dd lang="pl">Wydział Zieleni</dd>' in html
    with translation.override("pl"):
        html = render_to_string(
            "workgroups/recommendations/partials/text.html", {"version": version}
        )
    assert 'lang="pl"' not in html
