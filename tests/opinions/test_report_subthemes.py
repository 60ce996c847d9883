"""Sub-themes of a report, sentence by sentence (opinions.reports.subthemes): splitting,
near-duplicates as weights, the choice of k (and "no clear sub-themes"), distinct quotes,
labels."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from django.conf import settings

from opinions.analysis.text import lemmatize
from opinions.reports.subthemes import (
    LABEL_SEPARATOR,
    LABEL_STOPWORDS,
    Result,
    find_subthemes,
    sentence_units,
    split_sentences,
)
from tests.opinions.test_reports_terms import sample_rows

# Three subjects, each with its own words; a sentence draws from one subject only.
TOPICS = {
    "zieleń": [
        "Więcej drzew w parku przy Zana.",
        "Posadzić drzewa i krzewy w parku na Czechowie.",
        "Park potrzebuje nowych drzew i cienia.",
        "Zielone skwery i drzewa zamiast betonu.",
        "Łąki kwietne i drzewa w każdym parku.",
        "Drzewa przy ulicach dają cień latem.",
    ],
    "autobusy": [
        "Autobusy powinny jeździć częściej wieczorem.",
        "Częstsze kursy autobusów na Felin.",
        "Autobus nocny do Węglina co pół godziny.",
        "Buspasy, żeby autobusy nie stały w korkach.",
        "Nowe przystanki autobusowe z wiatami.",
        "Więcej linii autobusowych na nowe osiedla.",
    ],
    "szkoły": [
        "Szkoły potrzebują nowych pracowni i sal.",
        "Mniejsze klasy w szkołach podstawowych.",
        "Nauczyciele w szkołach powinni lepiej zarabiać.",
        "Remont sali gimnastycznej w szkole na Kalinie.",
        "Zajęcia dodatkowe w szkołach po lekcjach.",
        "Szkoła z pracownią komputerową dla uczniów.",
    ],
}


def three_subjects(count: int = 90) -> list[tuple[int, str]]:
    rng = random.Random(7)
    documents = []
    for pk in range(1, count + 1):
        subjects = rng.sample(sorted(TOPICS), rng.choice([1, 1, 2]))
        text = " ".join(rng.choice(TOPICS[subject]) for subject in subjects)
        documents.append((pk, text))
    return documents


def quoted_opinions(found: Result) -> list[int]:
    return [
        pk
        for theme in found.subthemes
        for pk in [theme.summary_opinion, *(pk for _text, pk in theme.quotes)]
    ]


def test_a_multi_point_opinion_is_split_into_its_sentences_and_points() -> None:
    text = (
        "Mam trzy uwagi:\n- więcej zieleni\n- mniej aut.\n"
        "2) Lepsze oświetlenie! Druga sprawa: Tańsze bilety."
    )

    assert split_sentences(text) == [
        "Mam trzy uwagi:",
        "więcej zieleni",
        "mniej aut.",
        "Lepsze oświetlenie!",
        "Druga sprawa:",
        "Tańsze bilety.",
    ]


def test_sentences_typed_without_capitals_are_split_but_not_at_abbreviations() -> None:
    text = (
        "gorki musza zostac parkiem. to pluca miasta! np. basen na ul. Zana i im. J. Kochanowskiego"
    )

    assert split_sentences(text) == [
        "gorki musza zostac parkiem.",
        "to pluca miasta!",
        "np. basen na ul. Zana i im. J. Kochanowskiego",
    ]


def test_near_duplicate_sentences_become_one_unit_weighted_by_their_count() -> None:
    documents = [
        (1, "Więcej drzew w parku. Tańsze bilety MPK."),
        (2, "więcej drzew w parku!!"),
        (3, "W parku więcej drzew."),
        (4, "Więcej drzew w parku."),
        (4 + 1, "Tańsze bilety MPK dla studentów."),
    ]

    units, sentences = sentence_units(documents)

    assert sentences == 6
    by_text = {unit.text: unit for unit in units}
    trees = by_text["Więcej drzew w parku."]
    assert trees.weight == 4
    assert trees.opinions == [1, 2, 3, 4]
    assert by_text["Tańsze bilety MPK."].weight == 1
    assert len(units) == 3


def test_three_subjects_give_three_sub_themes_with_their_own_labels() -> None:
    found = find_subthemes(three_subjects())

    assert found.note == ""
    assert found.k == 3
    labels = [theme.label for theme in found.subthemes]
    assert any("drzew" in label for label in labels), labels
    assert any("autobus" in label for label in labels), labels
    assert any("szkoł" in label for label in labels), labels
    for theme in found.subthemes:
        assert theme.summary
        assert len(theme.supporters) >= 3


def test_three_subjects_stay_three_when_more_sub_themes_are_allowed() -> None:
    """18 distinct sentences allow 3 sub-themes at most: the k found sits at the limit, and
    the evaluation's drift check (the limit raised) must find the same 3, not follow it."""
    documents = three_subjects()
    found = find_subthemes(documents)
    assert found.k == found.k_range[1] == 3

    widened = find_subthemes(documents, widen_k=4)

    assert widened.k_range[1] == 7
    assert widened.k == 3


def test_random_words_give_no_clear_sub_themes() -> None:
    words = sorted(
        {word for sentences in TOPICS.values() for text in sentences for word in text.split()}
    )
    rng = random.Random(11)
    noise = [
        (pk, " ".join(rng.sample(words, 5)) + ". " + " ".join(rng.sample(words, 5)) + ".")
        for pk in range(1, 91)
    ]

    found = find_subthemes(noise)

    assert (found.subthemes, found.note, found.k) == ([], "no-clear-subthemes", None)
    assert found.stability_by_k
    assert len(found.left_out) == 90


def test_the_same_sentence_copied_many_times_does_not_fill_the_quotes() -> None:
    documents = three_subjects()
    copied = "Więcej drzew w parku przy Zana."
    documents += [(1000 + pk, copied) for pk in range(40)]

    found = find_subthemes(documents)

    quoted = quoted_opinions(found)
    assert len(quoted) == len(set(quoted)), "an opinion quoted twice"
    texts = [
        text
        for theme in found.subthemes
        for text in [theme.summary, *(text for text, _pk in theme.quotes)]
    ]
    assert len(texts) == len(set(texts))
    assert sum(pk >= 1000 for pk in quoted) <= 1


def test_quotes_are_sentences_of_the_opinion_they_name() -> None:
    documents = three_subjects()
    text_of = dict(documents)

    found = find_subthemes(documents)

    for theme in found.subthemes:
        assert theme.summary in text_of[theme.summary_opinion]
        assert theme.quotes
        for text, pk in theme.quotes:
            assert text in text_of[pk]
            assert pk in theme.supporters


def test_labels_have_no_generic_word_and_no_word_twice() -> None:
    rng = random.Random(3)
    generic = ["Lublin to miasto.", "Tylko misja miasta Lublin.", "Miasto Lublin, tylko tyle."]
    documents = [(pk, text + " " + rng.choice(generic)) for pk, text in three_subjects()]

    found = find_subthemes(documents)

    assert found.subthemes
    for theme in found.subthemes:
        words = [word for term in theme.label.split(LABEL_SEPARATOR) for word in term.split()]
        assert len(words) == len(set(words)), theme.label
        for term in theme.label.split(LABEL_SEPARATOR):
            lemmas = lemmatize(term)
            assert lemmas[0] not in LABEL_STOPWORDS and lemmas[-1] not in LABEL_STOPWORDS


def test_a_term_is_shown_as_people_write_it() -> None:
    playgrounds = [
        "Nowy plac zabaw na Czubach.",
        "Plac zabaw przy szkole jest zniszczony.",
        "Brakuje placu zabaw dla starszych dzieci.",
        "Plac zabaw z cieniem i ławkami.",
    ]
    rng = random.Random(5)
    documents = three_subjects(60) + [(100 + pk, rng.choice(playgrounds)) for pk in range(30)]

    found = find_subthemes(documents)

    terms = [term for theme in found.subthemes for term in theme.top_terms]
    assert "plac zabaw" in terms, terms
    assert "plac zabawa" not in terms


def test_sub_themes_do_not_depend_on_the_process_or_its_hash_seed() -> None:
    documents = three_subjects()
    script = (
        "import json, sys\n"
        "from opinions.reports.subthemes import find_subthemes\n"
        "found = find_subthemes([tuple(d) for d in json.load(sys.stdin)])\n"
        "print(json.dumps([[t.label, t.summary, t.quotes, t.supporters] for t in found.subthemes],"
        " ensure_ascii=False))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    here = find_subthemes(documents)
    expected = json.dumps(
        [[t.label, t.summary, [list(q) for q in t.quotes], t.supporters] for t in here.subthemes],
        ensure_ascii=False,
    )

    assert done.stdout.strip() == expected


@pytest.mark.parametrize(
    ("documents", "note"),
    [
        ([], "too-few-opinions"),
        ([(pk, "i w na 🙂 " * (pk % 3 + 1)) for pk in range(1, 30)], "no-content-words"),
        ([(pk, "Więcej drzew w parku.") for pk in range(1, 30)], "too-few-opinions"),
    ],
)
def test_too_little_to_group_says_why(documents: list[tuple[int, str]], note: str) -> None:
    found = find_subthemes(documents)

    assert (found.subthemes, found.note) == ([], note)


def test_the_sample_alone_is_mostly_too_small_for_sub_themes() -> None:
    by_area: dict[str, list[tuple[int, str]]] = {}
    for pk, row in enumerate(sample_rows(), start=1):
        by_area.setdefault(row["area"], []).append((pk, row["text"]))

    found = [find_subthemes(documents) for documents in by_area.values()]

    # 20 opinions an area: a few areas hold together, most are told apart by chance.
    assert sum(bool(result.subthemes) for result in found) <= len(found) // 2
    for result in found:
        assert result.k is None or result.k < result.k_range[1] or result.k_range[1] == 2
