"""Contrasting views in a thematic report: which side a sentence takes on a key term, when a
subject is shown (both sides with enough opinions), the quotes (none quoted twice in the
report), a real build, and the page that shows the two sides next to each other."""

from __future__ import annotations

import pytest
from django.test import Client

from opinions.reports.building import publish_report
from opinions.reports.contrasts import MIN_SIDE, find_contrasts, sentence_sides
from opinions.reports.subthemes import split_sentences
from tests.factories import editor
from tests.opinions.test_report_pages import html_of, make_report, polish

SUBJECTS = {"parking", "zieleń", "trawnik"}
PARKING = [{"term": "parking", "lemmas": ["parking"], "count": 9, "score": 2.0}]
WANT_MORE = [
    "Więcej parkingów przy blokach na Czubach.",
    "Brak parkingów przy szkole, rodzice stają na trawnikach.",
    "Za mało parkingów w centrum, nie ma gdzie stanąć.",
    "Nowe parkingi przy dworcu dla dojeżdżających.",
]
WANT_LESS = [
    "Zieleń zamiast parkingów na placu Litewskim.",
    "Mniej parkingów w centrum, więcej miejsca dla pieszych.",
    "Za dużo parkingów w śródmieściu, to zachęca do jazdy autem.",
]


@pytest.mark.parametrize(
    ("sentence", "sides"),
    [
        ("Więcej parkingów przy blokach", {"parking": "more"}),
        ("Za mało parkingów na Czubach", {"parking": "more"}),
        ("Brak parkingów przy szkole", {"parking": "more"}),
        ("Mniej parkingów w centrum", {"parking": "less"}),
        ("Za dużo parkingów w centrum", {"parking": "less"}),
        # The thing wanted instead of another: one side each.
        ("Zieleń zamiast parkingów", {"zieleń": "more", "parking": "less"}),
        ("Parking zamiast trawnika", {"parking": "more", "trawnik": "less"}),
        # A negation may turn the cue: no side.
        ("Nie trzeba więcej parkingów", {}),
        # Both sides in one sentence: none.
        ("Nowe parkingi i likwidacja parkingu", {}),
        # A cue about another word: „less felling of trees” is for the trees, so no side.
        ("Mniej wycinek drzew przy budowach", {}),
        # A subject with no cue before it, or a cue far ahead: none.
        ("Parking przy dworcu jest wygodny", {}),
        ("Więcej ławek, drzew i cienia na dużym parkingu", {}),
        ("Więcej ławek i parkingów", {}),
    ],
)
def test_which_side_a_sentence_takes(sentence: str, sides: dict[str, str]) -> None:
    assert sentence_sides(sentence, SUBJECTS) == sides


def numbered(texts: list[str], start: int = 1) -> list[tuple[int, str]]:
    return list(enumerate(texts, start=start))


def test_a_subject_with_enough_opinions_on_each_side_is_shown() -> None:
    texts = numbered(WANT_MORE + WANT_LESS)
    [contrast] = find_contrasts(texts, PARKING)
    assert contrast["term"] == "parking"
    assert (contrast["more"]["count"], contrast["less"]["count"]) == (4, 3)
    # Quotes are sentences of the opinions, word for word, from the right side.
    sentences = {pk: split_sentences(text) for pk, text in texts}
    for side, ids in (("more", range(1, 5)), ("less", range(5, 8))):
        assert contrast[side]["quotes"]
        for quote in contrast[side]["quotes"]:
            assert quote["opinion_id"] in ids
            assert quote["text"] in sentences[quote["opinion_id"]]


def test_too_few_opinions_on_one_side_show_nothing() -> None:
    assert MIN_SIDE == 3
    assert find_contrasts(numbered(WANT_MORE + WANT_LESS[:2]), PARKING) == []
    # An opinion on both sides counts on neither.
    mixed = [*WANT_LESS[:2], "Mniej parkingów w centrum. Więcej parkingów na osiedlach."]
    assert find_contrasts(numbered(WANT_MORE + mixed), PARKING) == []


def test_a_two_word_term_is_a_subject_where_its_words_stand_together() -> None:
    phrase = [
        {
            "term": "miejsca parkingowe",
            "lemmas": ["miejsce", "parkingowy"],
            "count": 6,
            "score": 1.0,
        }
    ]
    assert sentence_sides("Brakuje miejsc parkingowych", ["miejsce parkingowy"]) == {
        "miejsce parkingowy": "more"
    }
    assert (
        sentence_sides("Więcej miejsc dla rowerów, parkingowych nie", ["miejsce parkingowy"]) == {}
    )
    more = [
        "Brakuje miejsc parkingowych.",
        "Więcej miejsc parkingowych!",
        "Nowe miejsca parkingowe.",
    ]
    less = [
        "Mniej miejsc parkingowych w centrum.",
        "Likwidacja miejsc parkingowych na Krakowskim.",
        "Drzewa zamiast miejsc parkingowych.",
    ]
    [contrast] = find_contrasts(numbered(more + less), phrase)
    assert contrast["term"] == "miejsca parkingowe"
    assert (contrast["more"]["count"], contrast["less"]["count"]) == (3, 3)


def test_no_opinion_the_report_quotes_elsewhere_is_quoted_again() -> None:
    texts = numbered(WANT_MORE + WANT_LESS)
    [contrast] = find_contrasts(texts, PARKING, quoted={1, 2, 5})
    quoted = [q["opinion_id"] for side in ("more", "less") for q in contrast[side]["quotes"]]
    assert not {1, 2, 5} & set(quoted)
    assert len(quoted) == len(set(quoted))
    # The counts are still of every opinion on each side.
    assert (contrast["more"]["count"], contrast["less"]["count"]) == (4, 3)


@pytest.mark.django_db
def test_a_build_finds_the_contrast_and_the_page_shows_both_sides(lublin_process: None) -> None:
    from tests.opinions.test_reports_build import add_opinion, build

    for text in WANT_MORE + WANT_LESS:
        add_opinion(text, in_area="urbanistyka-mobilnosc")
    for text in ["Więcej drzew w parkach.", "Nowe ławki nad Bystrzycą.", "Sadzić drzewa."]:
        add_opinion(text, in_area="miasto-zielone")
    report = build("urbanistyka-mobilnosc")
    assert report.content["method"]["contrasts"] == "cue-words"
    terms = [term["term"] for term in report.content["terms"]]
    assert "parking" in terms, terms
    [contrast] = report.content["contrasts"]
    assert (contrast["term"], contrast["more"]["count"], contrast["less"]["count"]) == (
        "parking",
        4,
        3,
    )
    publish_report(report=report, editor=editor())
    html = html_of(Client().get(report.get_absolute_url()))
    assert 'id="contrasts-title"' in html
    assert html.count('class="contrast__side"') == 2
    assert polish("Different views on the same thing") in html
    assert "Jedne opinie proszą o więcej czegoś" in html
    assert "Więcej tego lub coś nowego: 4 opinie" in html
    assert "Mniej tego lub coś innego w zamian: 3 opinie" in html
    # The method appendix says how the sides were read.
    assert "Różne zdania o tym samym: dla każdego" in html


@pytest.mark.django_db
def test_a_report_without_contrasts_has_no_such_section(lublin_process: None) -> None:
    report = make_report()
    assert "contrasts" not in report.content
    assert 'id="contrasts-title"' not in html_of(Client().get(report.get_absolute_url()))


def test_the_same_sentence_sent_by_several_people_is_quoted_once() -> None:
    same = "Więcej parkingów przy blokach."
    texts = numbered([same, same.lower(), same, *WANT_LESS])
    [contrast] = find_contrasts(texts, PARKING)
    assert contrast["more"]["count"] == 3
    assert [quote["opinion_id"] for quote in contrast["more"]["quotes"]] == [1]
