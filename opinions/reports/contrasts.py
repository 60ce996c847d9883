"""Contrasting views on one subject: opinions that want more of a key term's thing against
opinions that want less of it („więcej parkingów”, „brakuje parkingów” against „zieleń
zamiast parkingów”, „mniej parkingów”).

Only what the words say plainly is read, so a contrast shown is one a reader can check in
the quotes. A sentence takes a side on a subject (a key term of the report, one word or two
side by side) when a cue is the word right before the subject („więcej parkingów”; not
„mniej wycinek drzew”, where the „mniej” is about the felling):

* more: „więcej”, „nowy”, „dodatkowy”, „brak”, „brakować”, „budowa”, „za mało”, „zbyt mało”,
  or the subject right before „zamiast” (the thing wanted instead);
* less: „mniej”, „zamiast”, „likwidacja”, „ograniczenie”, „usunąć”, „za dużo”, „zbyt dużo”,
  „za wiele”.

A sentence with „nie” up to `NEGATION_REACH` words before the cue takes no side (the negation
may turn it), and an opinion whose sentences take both sides is counted on neither. A subject
is shown only when each side has at least `MIN_SIDE` opinions; each side is quoted with
sentences of opinions the report quotes nowhere else (no opinion is quoted twice in a report),
each sentence once however many people sent it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from opinions.analysis.text import lemmatize, tokenize
from opinions.reports.subthemes import split_sentences

NEGATION_REACH = 2
MIN_SIDE = 3
MAX_CONTRASTS = 3
QUOTES_A_SIDE = 2
# Key terms looked at: the report's most typical ones.
SUBJECTS = 30
MORE = "more"
LESS = "less"
_MORE_CUES = frozenset(
    [
        "więcej",
        "nowy",
        "dodatkowy",
        "brak",
        "brakować",
        "budowa",
        "wybudować",
        "zbudować",
        "potrzeba",
    ]
)
_LESS_CUES = frozenset(
    [
        "mniej",
        "zamiast",
        "likwidacja",
        "zlikwidować",
        "ograniczenie",
        "ograniczyć",
        "usunąć",
        "usunięcie",
    ]
)
# „za”/„zbyt” before these: too little (wants more) or too much (wants less).
_TOO = frozenset({"za", "zbyt"})
_TOO_LITTLE = frozenset({"mało"})
_TOO_MUCH = frozenset({"dużo", "wiele"})
_NEGATION = "nie"
# Cheap test before any lemma is looked up: most sentences have no cue at all (a build
# reads up to 150,000 opinions an area, whose sentences the sub-themes lemmatized already).
_ANY_CUE = re.compile(
    r"więcej|mniej|zamiast|brak|now|dodatkow|budow|potrzeb|likwid|ogranicz|usun|mało|dużo|wiele",
    re.IGNORECASE,
)


def _lemma_rows(sentence: str) -> list[set[str]]:
    """Each word of the sentence as the set of its lemmas (Morfeusz may give several)."""
    return [set(lemmatize(token)) | {token.lower()} for token in tokenize(sentence)]


def _cue(word: set[str], previous: set[str]) -> str | None:
    """The side a word before the subject speaks for (`previous` is the word before it)."""
    if previous & _TOO and word & _TOO_LITTLE:
        return MORE
    if previous & _TOO and word & _TOO_MUCH:
        return LESS
    if word & _MORE_CUES:
        return MORE
    if word & _LESS_CUES:
        return LESS
    return None


def _side(words: Sequence[set[str]], start: int, end: int) -> str | None:
    """The side the word right before the subject (words `start` to `end`) takes on it, or
    „zamiast” right after it. Only the word right before: in „mniej wycinek drzew” the
    „mniej” is about the felling, not the trees."""
    # „nie trzeba więcej parkingów”: a negation a little ahead of the cue turns it.
    if any(_NEGATION in word for word in words[max(0, start - 1 - NEGATION_REACH) : start]):
        return None
    sides = set()
    if start >= 1:
        sides.add(_cue(words[start - 1], words[start - 2] if start >= 2 else set()))
    if end < len(words) and "zamiast" in words[end]:
        sides.add(MORE)
    sides.discard(None)
    return sides.pop() if len(sides) == 1 else None


def _places(words: Sequence[set[str]], parts: Sequence[str]) -> Iterable[int]:
    """Where the subject's lemmas stand side by side in the sentence."""
    for start in range(len(words) - len(parts) + 1):
        if all(part in words[start + i] for i, part in enumerate(parts)):
            yield start


def sentence_sides(sentence: str, subjects: Iterable[str]) -> dict[str, str]:
    """{subject: side} for each subject (its lemmas, space-separated: „parking”, „miejsce
    parkingowy”) the sentence takes one side on."""
    words = _lemma_rows(sentence)
    found: dict[str, set[str]] = {}
    for subject in subjects:
        parts = subject.split()
        for start in _places(words, parts):
            side = _side(words, start, start + len(parts))
            if side is not None:
                found.setdefault(subject, set()).add(side)
    return {subject: sides.pop() for subject, sides in found.items() if len(sides) == 1}


Sides = dict[str, dict[str, dict[int, str]]]


def _opinion_sides(text: str, subjects: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{subject: (side, the first sentence taking it)} of one opinion; a subject its
    sentences take both sides on is left out."""
    taken: dict[str, dict[str, str]] = {}
    for sentence in split_sentences(text):
        if _ANY_CUE.search(sentence):
            for subject, side in sentence_sides(sentence, subjects).items():
                taken.setdefault(subject, {}).setdefault(side, sentence)
    return {
        subject: next(iter(by_side.items()))
        for subject, by_side in taken.items()
        if len(by_side) == 1
    }


def _tally(texts: Sequence[tuple[int, str]], subjects: Iterable[str]) -> Sides:
    """{subject: {side: {opinion id: its sentence on that side}}}."""
    subjects = set(subjects)
    sides: Sides = {}
    for opinion_id, text in texts:
        if not _ANY_CUE.search(text):
            continue
        for subject, (side, sentence) in _opinion_sides(text, subjects).items():
            sides.setdefault(subject, {MORE: {}, LESS: {}})[side][opinion_id] = sentence
    return sides


def _quotes(opinions: dict[int, str], used: set[int]) -> list[dict[str, Any]]:
    """Sentences of opinions not quoted yet, each written differently (the same sentence
    sent by several people is quoted once)."""
    quotes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for opinion_id in sorted(opinions):
        said = " ".join(opinions[opinion_id].lower().split())
        if opinion_id in used or said in seen:
            continue
        used.add(opinion_id)
        seen.add(said)
        quotes.append({"opinion_id": opinion_id, "text": opinions[opinion_id]})
        if len(quotes) == QUOTES_A_SIDE:
            break
    return quotes


def find_contrasts(
    texts: Sequence[tuple[int, str]],
    terms: Sequence[dict[str, Any]],
    *,
    quoted: Iterable[int] = (),
) -> list[dict[str, Any]]:
    """Subjects with opinions on both sides, most evenly argued first, with quotes.

    `texts` are (opinion id, text) by id; `terms` the report's key terms (building.py);
    `quoted` the opinions the report quotes already.
    """
    shown = {" ".join(term["lemmas"]): term["term"] for term in terms[:SUBJECTS] if term["lemmas"]}
    if not shown:
        return []
    sides = _tally(texts, shown)
    even = {subject: min(len(found[MORE]), len(found[LESS])) for subject, found in sides.items()}
    ranked = sorted(
        (subject for subject, count in even.items() if count >= MIN_SIDE),
        key=lambda subject: (-even[subject], subject),
    )
    used = set(quoted)
    return [
        {
            "term": shown[subject],
            "lemma": subject,
            **{
                side: {
                    "count": len(sides[subject][side]),
                    "quotes": _quotes(sides[subject][side], used),
                }
                for side in (MORE, LESS)
            },
        }
        for subject in ranked[:MAX_CONTRASTS]
    ]
