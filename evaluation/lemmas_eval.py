"""Lemma accuracy on evaluation/fixtures/lemmas.tsv: hand-checked Polish forms of this domain.

Four options side by side: simplemma (the lemmatizer used before), Morfeusz 2's first
reading of each form, Morfeusz 2 with the domain rule (opinions/analysis/lemmas.py) but
without the correction table and without giving Polish letters back, and the lemmatizer the
portal uses (the rule, the corrections and the restored letters). Forms typed without Polish
letters are counted apart too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evaluation.targets import Target

TITLE = "Lemmas (evaluation/fixtures/lemmas.tsv)"
ORDER = 10
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lemmas.tsv"
TARGET_ACCURACY = 0.95


def load_fixture(path: Path = FIXTURE) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            form, lemma = line.split("\t")
            pairs.append((form.strip(), lemma.strip()))
    return pairs


def _simplemma(form: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(form, lang="pl", low_memory=True)).lower()


def _morfeusz_first(form: str) -> str:
    from opinions.analysis import lemmas

    return lemmas._lemma_text(lemmas._segments(form)[0][0])


def _morfeusz_rule(form: str) -> str:
    from opinions.analysis import lemmas

    return lemmas._lemma_text(lemmas._choose(lemmas._segments(form)[0])[0])


def _portal(form: str) -> str:
    from opinions.analysis.text import lemmatize

    return " ".join(lemmatize(form))


OPTIONS: dict[str, Callable[[str], str]] = {
    "simplemma 2 (before)": _simplemma,
    "Morfeusz 2, first reading": _morfeusz_first,
    "Morfeusz 2 + domain rule": _morfeusz_rule,
    "portal: rule + corrections + letters restored": _portal,
}


def accuracies(
    pairs: list[tuple[str, str]], lemmatize: Callable[[str], str]
) -> tuple[float, float, list[str]]:
    """(accuracy on all forms, accuracy on forms without Polish letters, the misses)."""
    from opinions.analysis.lemmas import fold_diacritics

    misses = [
        f"{form} → {got} (expected {lemma})"
        for form, lemma in pairs
        if (got := lemmatize(form)) != lemma
    ]
    missed = {miss.split(" → ")[0] for miss in misses}
    plain = [form for form, _ in pairs if form == fold_diacritics(form)]
    plain_right = sum(form not in missed for form in plain)
    return (
        1 - len(misses) / len(pairs),
        plain_right / len(plain) if plain else 1.0,
        misses,
    )


def evaluate() -> list[Target]:
    pairs = load_fixture()
    print(f"{len(pairs)} forms")
    result = 0.0
    for name, lemmatize in OPTIONS.items():
        overall, plain, misses = accuracies(pairs, lemmatize)
        print(f"{name:<48} {overall:6.1%}  (forms without Polish letters: {plain:6.1%})")
        result = overall
        if lemmatize is _portal and misses:
            print("  misses: " + "; ".join(misses))
    return [Target("lemma accuracy (portal's lemmatizer)", result, TARGET_ACCURACY)]
