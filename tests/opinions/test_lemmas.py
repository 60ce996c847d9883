"""Polish lemmas (opinions/analysis/lemmas.py) against the hand-checked forms of the eval
fixture, the cases the issue found wrong, forms without Polish letters, and re-lemmatizing
the stored opinions after the lemmatizer changed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from evaluation import lemmas_eval
from opinions.analysis.lemmas import fold_diacritics, lemmas_of_word
from opinions.analysis.runs import relemmatize_all
from opinions.analysis.text import lemma_string, lemmatize
from opinions.models import Opinion
from tests.factories import OpinionFactory


def test_fixture_is_large_and_hand_checked_forms_are_unique() -> None:
    pairs = lemmas_eval.load_fixture()
    forms = [form for form, _lemma in pairs]
    assert len(pairs) >= 300
    assert len(set(forms)) == len(forms)
    assert sum(form == fold_diacritics(form) and lemma != form for form, lemma in pairs) >= 40


def test_lemma_accuracy_meets_the_eval_target() -> None:
    overall, plain, misses = lemmas_eval.accuracies(
        lemmas_eval.load_fixture(), lemmas_eval.OPTIONS[next(reversed(lemmas_eval.OPTIONS))]
    )
    assert overall >= lemmas_eval.TARGET_ACCURACY, misses
    assert plain >= lemmas_eval.TARGET_ACCURACY, misses


def test_portal_lemmatizer_beats_simplemma_on_the_fixture() -> None:
    pairs = lemmas_eval.load_fixture()
    simplemma, *_ = lemmas_eval.accuracies(pairs, lemmas_eval._simplemma)
    portal, *_ = lemmas_eval.accuracies(pairs, lemmas_eval._portal)
    assert portal > simplemma


@pytest.mark.parametrize(
    ("form", "lemma"),
    [
        ("ścieżek", "ścieżka"),
        ("drogi", "droga"),
        ("drogach", "droga"),
        ("osiedla", "osiedle"),
        ("parkach", "park"),
        ("teatrów", "teatr"),
        ("zieleni", "zieleń"),
        ("tatarach", "tatary"),
        ("tam", "tam"),
        ("bez", "bez"),
    ],
)
def test_the_forms_the_issue_found_wrong(form: str, lemma: str) -> None:
    assert lemmas_of_word(form) == (lemma,)


@pytest.mark.parametrize(
    ("form", "lemma"),
    [("sciezek", "ścieżka"), ("zielen", "zieleń"), ("szkol", "szkoła"), ("parkow", "park")],
)
def test_forms_without_polish_letters_get_them_back(form: str, lemma: str) -> None:
    assert lemmas_of_word(form) == (lemma,)


def test_a_word_the_dictionary_does_not_know_is_its_own_lemma() -> None:
    assert lemmas_of_word("xqzw") == ("xqzw",)
    assert lemmas_of_word("2030") == ("2030",)


def test_a_split_verb_form_keeps_only_the_verb() -> None:
    assert lemmatize("chcielibyśmy") == ["chcieć"]


def test_fold_diacritics_writes_polish_letters_plain() -> None:
    assert fold_diacritics("Zażółć gęślą jaźń") == "Zazolc gesla jazn"


@pytest.mark.django_db
def test_relemmatize_stores_new_lemmas_only_where_they_changed(capsys) -> None:
    stale = OpinionFactory(text="Brakuje ścieżek w parkach.", lemmas="brakować ścieżek w parka")
    current = OpinionFactory(text="Więcej zieleni.")
    Opinion.objects.filter(pk=current.pk).update(lemmas=lemma_string(current.text))

    assert relemmatize_all(chunk_size=1) == (2, 1)
    stale.refresh_from_db()
    assert stale.lemmas == "brakować ścieżka w park"

    call_command("relemmatize_opinions")
    assert "2 opinions read, 0 with new lemmas stored." in capsys.readouterr().out
