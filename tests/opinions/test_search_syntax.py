"""The search box's syntax and ranking: phrases, -exclusion, synonyms staff edit, Polish
letters, relevance order and "did you mean". Runs on SQLite and, with DATABASE_URL, on
PostgreSQL (stored vector, ts_rank_cd)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from evaluation import search_eval
from opinions.analysis.query import parse_query, required_words
from opinions.analysis.search import did_you_mean, rank_by_relevance, search_opinions
from opinions.analysis.text import lemma_string
from opinions.models import Opinion, SearchSynonyms
from stages.models import Consultation
from tests.factories import OpinionFactory
from tests.opinions.test_browse import LIST, listed_ids
from tests.opinions.test_search import found, lemmatized

pytestmark = pytest.mark.django_db

TEXTS = {
    "bike_path": "Ścieżki rowerowe wzdłuż Bystrzycy, żeby jeździć rowerem do pracy.",
    "bike_road": "Drogi rowerowe muszą być oddzielone od chodnika.",
    "walk_path": "Ścieżka spacerowa w parku i rower miejski przy wejściu.",
    "pool": "Pływalnia na Czubach jest za mała.",
    "basen": "Basen w każdej dzielnicy.",
    "seniors": "Emeryci potrzebują ławek i toalet.",
    "playground": "Na placu zabaw nie ma drzew.",
    "play": "Zabawa na placu Litewskim była świetna.",
    "green": "Więcej zieleni na osiedlu, zieleń to zdrowie, zieleń i jeszcze raz zieleń.",
    "green_once": "Trochę zieleni przy szkole, poza tym beton, asfalt, parkingi i bloki bez końca.",
}


@pytest.fixture
def opinions(consultation: Consultation) -> dict[str, Opinion]:
    return lemmatized(consultation, TEXTS)


def ranked(query: str, opinions: dict[str, Opinion]) -> list[str]:
    keys = {opinion.pk: key for key, opinion in opinions.items()}
    searched = search_opinions(Opinion.objects.all(), query)
    return [keys[pk] for pk in rank_by_relevance(searched, query).values_list("pk", flat=True)]


def test_parse_query_reads_words_phrases_and_exclusions() -> None:
    parsed = parse_query('„plac zabaw” ścieżki -parkingów "w parku" i')
    assert parsed.phrases == (("plac", "zabawa"), ("w", "park"))
    assert parsed.words == ("ścieżka",)
    assert parsed.excluded == ("parking",)
    # A hyphen inside a word excludes nothing.
    assert parse_query("Hajdów-Zadębie").excluded == ()


def test_required_words_are_all_of_two_and_two_thirds_of_more() -> None:
    assert [required_words(count) for count in range(1, 7)] == [1, 2, 2, 3, 4, 4]


def test_a_quoted_phrase_needs_its_words_in_a_row(opinions: dict[str, Opinion]) -> None:
    assert found('"placu zabaw"', opinions) == {"playground"}
    assert found("placu zabaw", opinions) == {"playground", "play"}


def test_a_minus_leaves_a_word_out(opinions: dict[str, Opinion]) -> None:
    assert found("zieleń", opinions) == {"green", "green_once"}
    assert found("zieleń -parkingów", opinions) == {"green"}
    # Only exclusions: everything without the word.
    assert found("-zieleni", opinions) == set(TEXTS) - {"green", "green_once"}


def test_polish_letters_do_not_matter(opinions: dict[str, Opinion]) -> None:
    assert found("zielen", opinions) == {"green", "green_once"}
    assert found("sciezki", opinions) == {"bike_path", "walk_path"}
    assert found("PLYWALNIA", opinions) == {"pool", "basen"}


def test_seeded_synonyms_find_each_other(opinions: dict[str, Opinion]) -> None:
    assert found("basenu", opinions) == {"pool", "basen"}
    assert found("pływalni", opinions) == {"pool", "basen"}
    assert found("seniorów", opinions) == {"seniors"}
    # A synonym phrase: „droga rowerowa” for „ścieżka rowerowa”, not every path or road.
    assert found("ścieżek rowerowych", opinions) == {"bike_path", "bike_road"}


def test_synonyms_staff_add_take_effect_at_once(opinions: dict[str, Opinion]) -> None:
    assert found("asfalt", opinions) == {"green_once"}
    SearchSynonyms.objects.create(words="asfalt: beton, parking")
    assert found("asfalt", opinions) == {"green_once"}
    assert found("beton", opinions) == {"green_once"}
    SearchSynonyms.objects.create(words="toaleta: ławka")
    assert found("toalet", opinions) == {"seniors"}
    SearchSynonyms.objects.create(words="drzewo: zieleń")
    # One way only: „zieleń” does not find „drzewo”.
    assert found("drzewa", opinions) == {"playground", "green", "green_once"}
    assert found("zieleń", opinions) == {"green", "green_once"}


def test_synonyms_need_two_words() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SearchSynonyms(words="basen").full_clean()
    SearchSynonyms(words="lodowisko, ślizgawka").full_clean()


def test_opinions_with_all_words_come_first_then_most(consultation: Consultation) -> None:
    texts = {
        "all": "Zieleń, drzewa i ławki.",
        "two": "Zieleń, zieleń i jeszcze raz zieleń, a do tego drzewa i drzewa.",
        "one": "Ławki, ławki, ławki.",
    }
    made = lemmatized(consultation, texts)
    # Three words: two of them are enough; all three first, however often „two” repeats.
    assert ranked("zieleni drzewa ławki", made) == ["all", "two"]


def test_more_occurrences_rank_higher(opinions: dict[str, Opinion]) -> None:
    assert ranked("zieleń", opinions) == ["green", "green_once"]


def test_a_typed_word_ranks_above_its_synonym(consultation: Consultation) -> None:
    synonym = OpinionFactory(
        consultation=consultation, text="Pływalnia.", lemmas=lemma_string("Pływalnia.")
    )
    typed = OpinionFactory(consultation=consultation, text="Basen.", lemmas=lemma_string("Basen."))
    searched = search_opinions(Opinion.objects.all(), "basen")
    assert list(rank_by_relevance(searched, "basen")) == [typed, synonym]


def test_did_you_mean_offers_a_known_word(opinions: dict[str, Opinion]) -> None:
    assert not search_opinions(Opinion.objects.all(), "pływalnja").exists()
    assert did_you_mean(Opinion.objects.all(), "pływalnja") == "pływalnia"
    assert did_you_mean(Opinion.objects.all(), "kosmodrom") is None


def test_the_list_ranks_by_relevance_and_suggests_a_word(
    client: Client, opinions: dict[str, Opinion]
) -> None:
    html = client.get(LIST, {"q": "zieleń"}).content.decode()
    assert listed_ids(html) == [opinions["green"].pk, opinions["green_once"].pk]
    # Newest first when asked (green_once was made last).
    html = client.get(LIST, {"q": "zieleń", "sort": "newest"}).content.decode()
    assert listed_ids(html) == [opinions["green_once"].pk, opinions["green"].pk]
    html = client.get(LIST, {"q": "pływalnja"}).content.decode()
    assert "Czy chodziło Ci o:" in html
    assert "pływalnia" in html


def test_the_search_eval_meets_its_targets(consultation: Consultation) -> None:
    measured = search_eval.measure(
        search_eval.load_queries(), search_eval.load_sample(consultation)
    )
    assert len(measured.rows) >= 30
    assert all(target.met for target in search_eval.targets(measured)), measured


def test_staff_edit_the_synonyms_in_the_admin(client: Client, django_user_model: Any) -> None:
    admin = django_user_model.objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )
    client.force_login(admin)
    page = client.get("/admin/opinions/searchsynonyms/")
    assert page.status_code == 200
    assert "basen, pływalnia" in page.content.decode()
    added = client.post(
        "/admin/opinions/searchsynonyms/add/", {"words": "lodowisko, ślizgawka"}, follow=True
    )
    assert added.status_code == 200
    assert SearchSynonyms.objects.filter(words="lodowisko, ślizgawka").exists()
    refused = client.post("/admin/opinions/searchsynonyms/add/", {"words": "lodowisko"})
    # The form comes back with the error (an accepted one redirects).
    assert refused.status_code == 200
    assert "errornote" in refused.content.decode()
    assert not SearchSynonyms.objects.filter(words="lodowisko").exists()
