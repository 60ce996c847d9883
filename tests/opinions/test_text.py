"""Polish words, lemmas and highlighting (opinions.text)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinions.analysis.text import (
    STOPWORDS,
    content_lemmas,
    highlight,
    lemma_string,
    lemmatize,
    query_lemmas,
    tokenize,
)

pytestmark = pytest.mark.django_db


def test_tokens_are_lowercase_words_with_polish_letters_and_digits() -> None:
    assert tokenize("Więcej ZIELENI, drzew i ławek – do 2030 roku! 🌳🌳") == [
        "więcej",
        "zieleni",
        "drzew",
        "i",
        "ławek",
        "do",
        "2030",
        "roku",
    ]


def test_text_without_diacritics_still_tokenizes() -> None:
    text = "chodniki na Felinie to tragedia, dziury i bloto, z wozkiem nie da sie przejsc"
    assert tokenize(text) == [
        "chodniki",
        "na",
        "felinie",
        "to",
        "tragedia",
        "dziury",
        "i",
        "bloto",
        "z",
        "wozkiem",
        "nie",
        "da",
        "sie",
        "przejsc",
    ]
    assert "chodnik" in lemmatize(text)


def test_decomposed_letters_are_one_word() -> None:
    # „zieleń” typed with a combining acute accent (as some phones send it).
    assert tokenize("ziele\u0144 i ziele\u006e\u0301") == ["zieleń", "i", "zieleń"]


@pytest.mark.parametrize(
    ("text", "lemmas"),
    [
        ("w dzielnicach", ["w", "dzielnica"]),
        ("Brakuje miejsc parkingowych", ["brakować", "miejsce", "parkingowy"]),
        ("miejsca parkingowe", ["miejsce", "parkingowy"]),
        ("Więcej drzew w Lublinie", ["więcej", "drzewo", "w", "lublin"]),
        ("autobusów", ["autobus"]),
    ],
)
def test_inflected_forms_meet_in_one_lemma(text: str, lemmas: list[str]) -> None:
    assert lemmatize(text) == lemmas


def test_lemma_string_joins_lemmas_with_single_spaces() -> None:
    assert lemma_string("  W dzielnicach,\n\nbrakuje   parkingów!  ") == (
        "w dzielnica brakować parking"
    )
    assert lemma_string("") == ""
    assert lemma_string("🙂 !!! …") == ""


def test_content_lemmas_leave_out_stop_words() -> None:
    assert content_lemmas("Chciałbym, żeby w mojej dzielnicy było więcej zieleni.") == [
        "dzielnica",
        "zieleń",
    ]


def test_query_lemmas_are_content_words_once_each_in_order() -> None:
    assert query_lemmas("Miejsca parkingowe, miejsc parkingowych") == ["miejsce", "parkingowy"]
    assert query_lemmas("dzielnicach") == ["dzielnica"]


@pytest.mark.parametrize("query", ["", "   ", "i w na", "a to się nie", "🙂🌳", "!!! ???", "&|!"])
def test_queries_without_content_words_have_no_lemmas(query: str) -> None:
    assert query_lemmas(query) == []


def test_every_form_of_a_stop_word_lemmatizes_to_a_stop_word() -> None:
    # Stop words are lemmas, so typing any of them in a query (or a text) drops them.
    for word in STOPWORDS:
        assert set(lemmatize(word)) <= STOPWORDS, word


def test_highlight_marks_inflected_forms_of_the_query_words() -> None:
    text = "W dzielnicach brakuje miejsc parkingowych. Dzielnica Czuby też."
    assert highlight(text, "dzielnica miejsce parkingowe") == (
        "W <mark>dzielnicach</mark> brakuje <mark>miejsc</mark> "
        "<mark>parkingowych</mark>. <mark>Dzielnica</mark> Czuby też."
    )


def test_highlight_escapes_html_and_keeps_it_as_text() -> None:
    text = '<script>alert("zieleń")</script> & więcej zieleni <b>teraz</b>'
    result = highlight(text, "zieleń")
    assert "<script>" not in result
    assert "<b>" not in result
    assert result == (
        "&lt;script&gt;alert(&quot;<mark>zieleń</mark>&quot;)&lt;/script&gt; &amp; "
        "więcej <mark>zieleni</mark> &lt;b&gt;teraz&lt;/b&gt;"
    )


def test_highlight_turns_line_breaks_into_br() -> None:
    assert highlight("Pierwsza linia\nDruga o zieleni", "zieleń") == (
        "Pierwsza linia<br>\nDruga o <mark>zieleni</mark>"
    )


@pytest.mark.parametrize("query", ["", "i w", "🙂"])
def test_highlight_without_query_words_only_escapes(query: str) -> None:
    assert highlight("Ławki <i> zieleń", query) == "Ławki &lt;i&gt; zieleń"


def test_highlight_of_emoji_only_text() -> None:
    assert highlight("🌳🌳🌳", "drzewo") == "🌳🌳🌳"


@given(text=st.text(max_size=200), query=st.text(max_size=30))
def test_highlight_is_the_escaped_text_plus_marks(text: str, query: str) -> None:
    result = str(highlight(text, query))
    plain = re.sub(r"</?mark>", "", result).replace("<br>\n", "\n")
    assert "<" not in plain
    assert html.unescape(plain) == _normalised(text)


@given(text=st.text(max_size=200))
def test_lemmas_are_always_plain_words(text: str) -> None:
    for lemma in lemmatize(text):
        assert re.fullmatch(r"[^\W_]+", lemma), lemma


def _normalised(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")


def test_a_list_excerpt_cuts_only_a_long_text_and_marks_after_cutting() -> None:
    from django.utils.text import Truncator

    from opinions.analysis.text import EXCERPT_CHARS, highlighted_excerpt

    short = "Więcej zieleni w dzielnicy & mniej betonu."
    assert highlighted_excerpt(short, "zieleń") == (
        "Więcej <mark>zieleni</mark> w dzielnicy &amp; mniej betonu."
    )
    long = "Zieleń w dzielnicy. " * 60
    excerpt = highlighted_excerpt(long, "zieleń")
    assert excerpt.replace("<mark>", "").replace("</mark>", "") == (
        Truncator(long).chars(EXCERPT_CHARS)
    )
    assert excerpt.endswith("…") and excerpt.count("<mark>") == 30
    # Exactly as long as the excerpt: kept whole.
    exact = "a" * EXCERPT_CHARS
    assert highlighted_excerpt(exact, "zieleń") == exact
