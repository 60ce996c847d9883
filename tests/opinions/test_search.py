"""Search by lemmas: the same tests run on SQLite (FTS5 index) and PostgreSQL (GIN index)."""

from __future__ import annotations

import pytest
from django.db import connection

from opinions.analysis.search import search_opinions, with_all_lemmas, with_any_group
from opinions.analysis.search_index import SEARCH_TABLE, ensure_search_index
from opinions.analysis.text import lemma_string
from opinions.models import Opinion
from stages.models import Consultation
from tests.factories import OpinionFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "parking": "Brakuje miejsc parkingowych przy blokach na Czubach.",
    "districts": "W dzielnicach powinny powstać domy kultury.",
    "green": "Więcej zieleni i drzew, mniej betonu!",
    "park": "Park Ludowy trzeba odnowić; park to nasze miejsce spotkań.",
    "bikes": "Ścieżki rowerowe do Zemborzyc i nad Zalew.",
    "nodiacritics": "wiecej zieleni na Czubach, mniej parkingow",
}


def lemmatized(consultation: Consultation, texts: dict[str, str]) -> dict[str, Opinion]:
    """Published opinions of the texts, with their lemmas stored, by key."""
    return {
        key: OpinionFactory(consultation=consultation, text=text, lemmas=lemma_string(text))
        for key, text in texts.items()
    }


@pytest.fixture
def opinions(consultation: Consultation) -> dict[str, Opinion]:
    return lemmatized(consultation, TEXTS)


def found(query: str, opinions: dict[str, Opinion]) -> set[str]:
    keys = {opinion.pk: key for key, opinion in opinions.items()}
    return {
        keys[pk]
        for pk in search_opinions(Opinion.objects.all(), query).values_list("pk", flat=True)
    }


def test_inflected_query_finds_the_base_form(opinions: dict[str, Opinion]) -> None:
    assert found("dzielnica", opinions) == {"districts"}
    assert found("dzielnicach", opinions) == {"districts"}
    assert found("Dzielnicy", opinions) == {"districts"}


def test_phrase_in_another_case_finds_the_opinion(opinions: dict[str, Opinion]) -> None:
    assert found("miejsca parkingowe", opinions) == {"parking"}


def test_both_words_of_two_must_match_while_some_opinion_holds_both(
    opinions: dict[str, Opinion],
) -> None:
    assert found("zieleń", opinions) == {"green", "nodiacritics"}
    assert found("zieleń drzewa", opinions) == {"green"}


def test_when_no_opinion_holds_all_words_those_with_any_are_found(
    opinions: dict[str, Opinion],
) -> None:
    assert found("miejsca rowerowe", opinions) == {"parking", "park", "bikes"}


def test_of_three_words_two_are_enough(opinions: dict[str, Opinion]) -> None:
    assert found("zieleń drzewo beton", opinions) == {"green"}
    assert found("zieleń drzewo parking", opinions) == {"green", "nodiacritics"}


def test_stop_words_in_the_query_are_ignored(opinions: dict[str, Opinion]) -> None:
    assert found("i w zieleni na", opinions) == {"green", "nodiacritics"}


def test_words_match_whole_not_as_prefixes(opinions: dict[str, Opinion]) -> None:
    assert found("park", opinions) == {"park"}
    assert found("par", opinions) == set()


def test_a_query_without_content_words_leaves_the_queryset_unchanged(
    opinions: dict[str, Opinion],
) -> None:
    queryset = Opinion.objects.filter(pk__in=[opinions["green"].pk, opinions["park"].pk])
    for query in ["", "   ", "i w na", "a to się", "🙂🌳", "?!"]:
        result = search_opinions(queryset, query)
        assert result is queryset
        assert set(result) == {opinions["green"], opinions["park"]}


GREEN = {"green", "nodiacritics"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("'; DROP TABLE opinions_opinion; --", set()),
        # Two words no opinion holds both of: either will do.
        ("zieleń' | 'park", GREEN | {"park"}),
        ("zieleń & !park", GREEN | {"park"}),
        ("zieleń:*", GREEN),
        ("zieleń <-> drzewo", {"green"}),
        ("(zieleń", GREEN),
        ("zieleń OR 1=1", GREEN),
        # No words at all: nothing to filter by.
        ("\\", set(TEXTS)),
        ("%", set(TEXTS)),
        ("_", set(TEXTS)),
    ],
)
def test_query_syntax_is_never_interpreted(
    opinions: dict[str, Opinion], query: str, expected: set[str]
) -> None:
    # What is left of a query are its words, matched literally.
    assert found(query, opinions) == expected
    assert Opinion.objects.count() == len(TEXTS)


def test_search_keeps_the_querysets_other_filters(
    opinions: dict[str, Opinion], consultation: Consultation
) -> None:
    pending = OpinionFactory(
        consultation=consultation,
        text="Zieleń na każdym osiedlu",
        lemmas=lemma_string("Zieleń na każdym osiedlu"),
        status=Opinion.Status.PENDING,
    )
    published = search_opinions(Opinion.objects.published(), "zieleń")
    assert pending not in published
    assert set(published) == {opinions["green"], opinions["nodiacritics"]}
    assert pending in search_opinions(Opinion.objects.all(), "zieleń")


def test_unanalysed_opinions_are_not_found(consultation: Consultation) -> None:
    OpinionFactory(consultation=consultation, text="Więcej zieleni", lemmas="")
    assert not search_opinions(Opinion.objects.all(), "zieleń").exists()


def test_search_can_be_applied_twice(opinions: dict[str, Opinion]) -> None:
    twice = search_opinions(search_opinions(Opinion.objects.all(), "zieleń"), "drzewo")
    assert list(twice) == [opinions["green"]]


def test_any_group_matches_all_words_of_one_group(opinions: dict[str, Opinion]) -> None:
    queryset = with_any_group(Opinion.objects.all(), [["zieleń", "drzewo"], ["ścieżka", "zalew"]])
    assert set(queryset) == {opinions["green"], opinions["bikes"]}
    assert not with_any_group(Opinion.objects.all(), []).exists()
    assert set(with_all_lemmas(Opinion.objects.all(), [])) == set(opinions.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_search_uses_the_gin_index(opinions: dict[str, Opinion]) -> None:
    queryset = search_opinions(Opinion.objects.all(), "miejsca parkingowe")
    with connection.cursor() as cursor:
        # A handful of rows is cheaper to scan; forbid that so the planner shows whether the
        # query's expression matches the index's at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "opinion_lemmas_search" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_index_exists() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", ["opinion_lemmas_search"]
        )
        (definition,) = cursor.fetchone()
    assert "gin (search_vector)" in definition


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_sqlite_search_reads_the_fts_index(opinions: dict[str, Opinion]) -> None:
    queryset = search_opinions(Opinion.objects.all(), '"miejsca parkingowe" -drzewa')
    with connection.cursor() as cursor:
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert f"SCAN {SEARCH_TABLE} VIRTUAL TABLE INDEX 0:M" in plan, plan
    assert "REPLACE" not in sql.upper()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_sqlite_index_follows_every_write(consultation: Consultation) -> None:
    opinion = lemmatized(consultation, {"parking": TEXTS["parking"]})["parking"]
    assert found("miejsca parkingowe", {"parking": opinion}) == {"parking"}
    # A bulk update, past the ORM's save(): the trigger still sees it.
    Opinion.objects.filter(pk=opinion.pk).update(lemmas=lemma_string(TEXTS["green"]))
    assert found("miejsca parkingowe", {"parking": opinion}) == set()
    assert found("zielen", {"parking": opinion}) == {"parking"}
    Opinion.objects.filter(pk=opinion.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SEARCH_TABLE} WHERE rowid = %s", [opinion.pk])  # noqa: S608
        assert cursor.fetchone() == (0,)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_sqlite_index_comes_back_after_its_triggers_are_dropped(
    opinions: dict[str, Opinion],
) -> None:
    # As when SQLite's schema editor remakes the opinion table for a later migration.
    with connection.cursor() as cursor:
        for event in ("insert", "update", "delete"):
            cursor.execute(f"DROP TRIGGER {SEARCH_TABLE}_{event}")
        cursor.execute(f"DELETE FROM {SEARCH_TABLE}")  # noqa: S608
    assert found("zieleń", opinions) == set()
    ensure_search_index()
    assert found("zieleń", opinions) == {"green", "nodiacritics"}
    added = lemmatized(opinions["green"].consultation, {"more": "Zieleń przy szkole."})
    assert found("zieleń", opinions | added) == {"green", "nodiacritics", "more"}
