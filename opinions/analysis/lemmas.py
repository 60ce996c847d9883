"""The lemma of one Polish word: Morfeusz 2's analyses, one chosen by a domain rule.

Morfeusz 2 (the `morfeusz2` package, with the SGJP dictionary inside its library; BSD
2-clause) lists every reading of a word form: „parkach” is the locative plural of „park” and
of „parka”, „osiedla” a form of „osiedle” and of „osiedlać”, „drogi” of „droga” and of the
adjective „drogi”. One reading is chosen (`_rank`), because search and the reports compare
single lemmas:

1. a known word before an unknown one, and before a reading that only an imperative, a
   proper name or an old, regional or specialised word gives („teatrum” for „teatrów”, the
   fish „lin” for „linie”);
2. not one of `UNLIKELY_LEMMAS`, rare words Morfeusz offers beside a common one („parka”
   for „parkach”, „ścieżek” for „ścieżek”);
3. common words before place names before other names („Czechów”, not the surname
   „Czechow”);
4. function words and pronouns first („tam”, not the noun „tama”; „bez”, not „beza”);
5. the entry with the most readings of the form (the form is more likely one of its own:
   „osiedla” is two readings of „osiedle” and one of „osiedlać”);
6. nouns before adjectives before the rest: residents write about things (the noun
   „zieleń”, not the verb „zielenić”); a plural-only noun after the ordinary one („korek”,
   not „korki”); a lemma equal to the form before another („życie”, not „żyto”); the
   shorter lemma („park”, not „parka”).

`CORRECTIONS` overrides the few forms this rule gets wrong in this domain, mostly Lublin's
districts whose lower-cased forms are also common words („na Tatarach”, „na Czubach”).

Forms typed without Polish letters („sciezek”, „zielen”) that the dictionary does not know,
or knows only as a name or an imperative, get their letters back: the variants with ą, ć,
ę, ł, ń, ó, ś, ź, ż in place of a, c, e, l, n, o, s, z (fewest changes first) are looked up
too, and the best reading of all wins, fewer changes first.

Against the hand-checked forms of evaluation/fixtures/lemmas.tsv (`make eval`) this gets
99.5% where simplemma got 83% and Morfeusz's first reading 81%.

Every lemma returned is lower-case letters and digits (the search code relies on that).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import morfeusz2

_WORD = re.compile(r"[^\W_]+")

# Form → lemma, where the rule above picks the wrong reading for this domain.
CORRECTIONS: dict[str, str] = {
    # Lublin's districts: the lower-cased form is also a common noun.
    "tatary": "tatary",
    "tatarach": "tatary",
    "tatarów": "tatary",
    "czuby": "czuby",
    "czubach": "czuby",
    "czubów": "czuby",
    "rury": "rury",
    "rurach": "rury",
    "rurów": "rury",
    "głusku": "głusk",
    "głuska": "głusk",
    # Districts in -ów: their forms are also those of people („Czechów”: of the Czechs) and
    # villages in -owo („Czechowa”).
    **{
        stem + ending: stem + "ów"
        for stem in ("czech", "wrotk", "konstantyn", "hajd")
        for ending in ("ów", "owa", "owowi", "owem", "owie")
    },
    # „drogą” is also the adjective „drogi” (expensive); on a street it is the road.
    "drogą": "droga",
    # Frequent verb forms that are also forms of rarer nouns or adjectives („muszą”: the
    # adjective „muszy”, „mogli”: „mogel”), and possessives. The rule has no word
    # frequencies to tell these apart.
    "była": "być",
    "były": "być",
    "było": "być",
    "mamy": "mieć",
    "mają": "mieć",
    "byli": "być",
    "mam": "mieć",
    "musi": "musieć",
    "muszą": "musieć",
    "mogli": "móc",
    "mieszka": "mieszkać",
    "działa": "działać",
    "dbali": "dbać",
    "rozumie": "rozumieć",
    "ludzie": "człowiek",
    "kluby": "klub",
    "naszym": "nasz",
    "naszymi": "nasz",
    "moim": "mój",
    "twoim": "twój",
    "swoim": "swój",
    "waszym": "wasz",
    # Readings that this domain means: leaves of trees, not letters; young people; IT.
    "liście": "liść",
    "liściach": "liść",
    "młodzi": "młody",
    "it": "it",
    # Adjectives that are also rare nouns („nowa”: a star; „starszy”: an elder).
    "nowa": "nowy",
    "mała": "mały",
    "szybka": "szybki",
    "starsza": "stary",
    "starszych": "stary",
    "starsi": "stary",
    "starszym": "stary",
    "starszy": "stary",
}

# Lemmas that Morfeusz offers beside a common word and that residents hardly ever mean.
UNLIKELY_LEMMAS = frozenset({"ścieżek", "parka", "korka", "lina", "osiedlać", "teatrum"})
# A form that can be a function word or an adverb almost always is one („tam”, not the
# noun „tama”; „bez”, not „beza”).
_FUNCTION_TAGS = frozenset(
    {"prep", "conj", "comp", "qub", "part", "ppron12", "ppron3", "siebie", "num", "adv", "pred"}
)
# Pronouns that inflect like adjectives, counted as function words too („taki”, not „taka”).
_PRONOUN_LEMMAS = frozenset(
    {"taki", "jaki", "który", "ten", "tamten", "każdy", "wszystek", "sam", "inny", "żaden"}
    | {"nasz", "mój", "twój", "swój", "wasz", "jakiś", "czyj"}
)
_NOUN_TAGS = frozenset({"subst", "depr"})
# SGJP's stylistic labels that do not make a reading unlikely in residents' writing.
_COMMON_LABELS = frozenset({"książk.", "char.", "pot.", "posp.", ""})
_ADJECTIVE_TAGS = frozenset({"adj", "adja", "adjp", "adjc", "ppas", "pact"})
# Readings after which a form typed without Polish letters is tried with them.
_DOUBTFUL_TAGS = frozenset({"ign", "impt"})
# Parts of a form that are no word of their own: the person ending of „zrobiłbym”.
_SKIPPED_TAGS = frozenset({"aglt", "interp", "part"})

_DIACRITICS = {"a": "ą", "c": "ć", "e": "ę", "l": "ł", "n": "ń", "o": "ó", "s": "ś", "z": "źż"}
_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
# At most this many letters are given back to a form, and this many variants looked up: a
# long unknown word (a typo, a foreign name) would otherwise cost thousands of look-ups.
MAX_RESTORED_LETTERS = 3
MAX_VARIANTS = 400

# One analyser per process (about 35 MB; each further one costs 9 MB more), shared by
# gunicorn's threads behind a lock: Morfeusz's objects are not documented as safe to share,
# and a look-up takes 10-30 µs, so the lock is never held for long.
_lock = threading.Lock()
_analysers: list[Any] = []

Reading = tuple[str, str, str, list[str], list[str]]  # form, lemma, tag, names, labels


def _analyser() -> Any:
    # Called with _lock held.
    if not _analysers:
        _analysers.append(morfeusz2.Morfeusz(generate=False, expand_tags=False))
    return _analysers[0]


def _analyse(word: str) -> list[tuple[int, int, Reading]]:
    with _lock:
        return list(_analyser().analyse(word))


def lemmatizer_name() -> str:
    """The lemmatizer as a report's method records it: the library, its version and its
    dictionary („Morfeusz 2 1.99.15, pl.sgjp.sgjp-2026.06.01”), since lemmas, and so terms
    and sub-themes, change with either."""
    with _lock:
        dictionary = _analyser().dict_id()
    return f"Morfeusz 2 {morfeusz2.__version__}, {dictionary}"


def fold_diacritics(text: str) -> str:
    """The text with Polish letters written plain: „zieleń” → „zielen”."""
    return text.translate(_FOLD)


def _lemma_text(reading: Reading) -> str:
    # "drogi:S", "Czech:Sm1~chowie": the part before the colon is the lemma.
    return reading[1].split(":", 1)[0].lower()


def _rank(reading: Reading, count: int, changes: int = 0) -> tuple[int, ...]:
    form, _lemma, tag, names, labels = reading
    lemma = _lemma_text(reading)
    pos = tag.split(":", 1)[0]
    name_rank = 0
    if names and "nazwa_pospolita" not in names:
        name_rank = 1 if "nazwa_geograficzna" in names else 2
    pos_rank = 0 if pos in _NOUN_TAGS else 1 if pos in _ADJECTIVE_TAGS else 2
    return (
        int(pos == "ign"),
        int(_is_doubtful(reading)),
        int(_is_rare(labels)),
        int(lemma in UNLIKELY_LEMMAS),
        name_rank,
        changes,
        int(pos not in _FUNCTION_TAGS and lemma not in _PRONOUN_LEMMAS),
        -count,
        pos_rank,
        int(":pt" in tag),
        int(lemma != form.lower()),
        len(lemma),
    )


def _choose(readings: list[Reading], changes: int = 0) -> tuple[Reading, tuple[int, ...]]:
    """The best reading of one segment, and its rank."""
    # Readings are counted per dictionary entry („drogi:S” and „drogi:A” are two).
    counts = Counter(reading[1] for reading in readings)
    ranked = [(_rank(reading, counts[reading[1]], changes), reading) for reading in readings]
    rank, best = min(ranked, key=lambda pair: pair[0])
    return best, rank


def _segments(word: str) -> list[list[Reading]]:
    """The readings of each segment along one path through Morfeusz's graph of the word
    (most words are one segment; „zrobiłbym” is three)."""
    edges: dict[int, list[tuple[int, Reading]]] = {}
    for start, end, reading in _analyse(word):
        edges.setdefault(start, []).append((end, reading))
    segments: list[list[Reading]] = []
    node = 0
    while node in edges:
        # The longest step first: fewer, whole segments.
        end = max(target for target, _ in edges[node])
        segments.append([reading for target, reading in edges[node] if target == end])
        node = end
    return segments


def _variants(word: str) -> Iterator[tuple[int, str]]:
    """The word with up to MAX_RESTORED_LETTERS Polish letters given back, fewest first."""
    positions = [index for index, letter in enumerate(word) if letter in _DIACRITICS]
    count = 0
    for changes in range(1, MAX_RESTORED_LETTERS + 1):
        for chosen in itertools.combinations(positions, changes):
            for letters in itertools.product(*(_DIACRITICS[word[index]] for index in chosen)):
                variant = list(word)
                for index, letter in zip(chosen, letters, strict=True):
                    variant[index] = letter
                yield changes, "".join(variant)
                count += 1
                if count >= MAX_VARIANTS:
                    return


def _is_rare(labels: list[str]) -> bool:
    # Labels come as "daw.,reg."; any label but a few stylistic ones marks a reading that
    # is old, regional or of a special field („hist.”, „zool.”, „sport.”).
    return any(label not in _COMMON_LABELS for labelled in labels for label in labelled.split(","))


def _is_doubtful(reading: Reading) -> bool:
    _form, _lemma, tag, names, labels = reading
    return (
        tag.split(":", 1)[0] in _DOUBTFUL_TAGS
        or (bool(names) and "nazwa_pospolita" not in names)
        or _is_rare(labels)
    )


def _restored(word: str, best: Reading, best_rank: tuple[int, ...]) -> Reading:
    """The best reading of the word or of a variant of it with Polish letters given back."""
    found_at: int | None = None
    for changes, variant in _variants(word):
        if found_at is not None and changes > found_at:
            break
        segments = _segments(variant)
        if len(segments) != 1 or segments[0][0][2] == "ign":
            continue
        reading, rank = _choose(segments[0], changes)
        if rank < best_rank:
            best, best_rank = reading, rank
        if not _is_doubtful(reading):
            found_at = changes
    return best


def lemmas_of_word(word: str) -> tuple[str, ...]:
    """The lemma(s) of one lower-case word: usually one; a form Morfeusz splits
    („zrobiłbym”) gives one per segment. An unknown word is its own lemma."""
    correction = CORRECTIONS.get(word)
    if correction is not None:
        return (correction,)
    segments = _segments(word)
    if len(segments) == 1:
        best, rank = _choose(segments[0])
        if _is_doubtful(best) and word == fold_diacritics(word):
            best = _restored(word, best, rank)
        lemmas = _WORD.findall(_lemma_text(best))
    else:
        # „zrobiłbym”: the verb, the conditional „by” and the person ending; only the
        # verb is a word of its own.
        lemmas = [
            lemma
            for readings in segments
            if (best := _choose(readings)[0])[2].split(":", 1)[0] not in _SKIPPED_TAGS
            for lemma in _WORD.findall(_lemma_text(best))
        ]
    return tuple(lemmas) or (word,)
