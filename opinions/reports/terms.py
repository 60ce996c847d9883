"""What people talk about in one area: key terms and sub-themes of a thematic report.

Pure computation over the lemmas stored with each opinion (`Opinion.lemmas`, computed once
at submission): nothing here touches the database or lemmatizes again.

A *term* is a content lemma („drzewo”) or two content lemmas next to each other once stop
words are left out („ścieżka rowerowy” for „ścieżki dla rowerów”). Counts are document
frequencies: the number of opinions containing the term.

Key terms are ranked by the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008, „Fightin' Words”) of this area's opinions against the opinions of
all other areas, the prior being the pooled counts scaled by TERM_PRIOR; the score is the
z-score of the log-odds (so a term must be both frequent and distinctive to rank high).

Sub-themes are found sentence by sentence in `opinions.reports.subthemes`.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from opinions.analysis.text import STOPWORDS

TERM_PRIOR = 0.01
MIN_COUNT = 3
TOP_TERMS = 30
# Lemmas are runs of letters and digits (see opinions.analysis.text); anything else is no term.
_LEMMA = re.compile(r"[^\W_]+")


def _without_polish_letters(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("ł", "l"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# The shared stop words, and the same typed without Polish letters (as paper cards are often
# typed in, and phones write): „wiecej”, „jakis”, „juz” would otherwise lead the key terms
# and label sub-themes. „moc” stays a word: it is also a noun („moc”, power).
REPORT_STOPWORDS: frozenset[str] = STOPWORDS | (
    frozenset(_without_polish_letters(word) for word in STOPWORDS) - {"moc"}
)


def warm_up() -> None:
    """Import scikit-learn now (seconds, once per process) rather than in the first build;
    a worker's main process calling this before forking spares every pool child."""
    import sklearn.cluster
    import sklearn.decomposition
    import sklearn.feature_extraction.text
    import sklearn.metrics  # noqa: F401


def content_lemmas(lemmas: str) -> list[str]:
    """The content lemmas of a stored lemma string, in order (report stop words left out)."""
    return [lemma for lemma in lemmas.split() if lemma not in REPORT_STOPWORDS]


def content_terms(lemmas: str) -> set[str]:
    """The terms of one opinion: its content lemmas and its pairs of neighbouring ones."""
    content = content_lemmas(lemmas)
    terms = set(content)
    terms.update([f"{first} {second}" for first, second in itertools.pairwise(content)])
    return terms


def is_phrase(term: str) -> bool:
    return " " in term


@dataclass
class TermCounts:
    """Document frequencies of terms over a set of opinions."""

    counts: Counter[str] = field(default_factory=Counter)
    # Sums of the document frequencies of all words and of all phrases (before any
    # pruning): the sizes of the two multinomials the log-odds compare.
    word_total: int = 0
    phrase_total: int = 0
    documents: int = 0

    def add(self, lemmas: str) -> None:
        # The hot loop of a build (a million opinions for the counts of all areas): the
        # same terms as `content_terms`, with the pairs joined by C code.
        content = [lemma for lemma in lemmas.split() if lemma not in REPORT_STOPWORDS]
        words = set(content)
        phrases = set(map(" ".join, itertools.pairwise(content)))
        self.counts.update(words)
        self.counts.update(phrases)
        self.word_total += len(words)
        self.phrase_total += len(phrases)
        self.documents += 1

    def pruned(self, min_count: int = MIN_COUNT) -> TermCounts:
        """The same totals with only the terms seen in at least `min_count` opinions."""
        kept = Counter({term: count for term, count in self.counts.items() if count >= min_count})
        return TermCounts(kept, self.word_total, self.phrase_total, self.documents)


def count_terms(lemma_strings: Iterable[str]) -> TermCounts:
    counts = TermCounts()
    for lemmas in lemma_strings:
        counts.add(lemmas)
    return counts


def log_odds_z(
    *, in_area: int, in_all: int, area_total: int, all_total: int, prior: float = TERM_PRIOR
) -> float:
    """z-score of the log-odds ratio of a term in the area against the rest (Monroe et al.).

    α_w = prior · (pooled count of w), α_0 = prior · (pooled total). Degenerate cases (no
    other areas, a one-term vocabulary) are kept finite rather than dividing by zero.
    """
    in_rest = max(in_all - in_area, 0)
    rest_total = max(all_total - area_total, 0)
    alpha_w = prior * max(in_all, in_area)
    alpha_0 = prior * max(all_total, area_total)
    tiny = 1e-9
    delta = math.log(
        (in_area + alpha_w) / max(area_total + alpha_0 - in_area - alpha_w, tiny)
    ) - math.log(max(in_rest + alpha_w, tiny) / max(rest_total + alpha_0 - in_rest - alpha_w, tiny))
    variance = 1 / (in_area + alpha_w) + 1 / max(in_rest + alpha_w, tiny)
    return delta / math.sqrt(variance)


def distinctive_terms(
    area: TermCounts,
    everything: TermCounts,
    *,
    prior: float = TERM_PRIOR,
    min_count: int = MIN_COUNT,
    top: int = TOP_TERMS,
) -> list[dict[str, Any]]:
    """The area's most distinctive terms against all areas (`everything` includes the area).

    Words and phrases are scored each against their own totals and ranked together.
    """
    scored: list[tuple[float, str, int]] = []
    for term, count in area.counts.items():
        if count < min_count:
            continue
        phrase = is_phrase(term)
        z = log_odds_z(
            in_area=count,
            in_all=max(everything.counts.get(term, 0), count),
            area_total=area.phrase_total if phrase else area.word_total,
            all_total=everything.phrase_total if phrase else everything.word_total,
            prior=prior,
        )
        # With no other area to compare with, every z is 0 up to rounding: nothing is
        # distinctive, and float noise must not pick terms.
        if round(z, 9) > 0:
            scored.append((z, term, count))
    scored.sort(key=lambda item: (-item[0], -item[2], item[1]))
    return [
        {"term": term, "lemmas": term.split(" "), "count": count, "score": round(z, 2)}
        for z, term, count in scored[:top]
    ]


def term_pattern(term: str) -> str | None:
    """A regular expression matching a stored lemma string exactly when `content_terms` of it
    contains the term: the term's lemmas in order, with only stop words between them.

    The same text works in Python's `re`, SQLite's REGEXP (Django implements it with `re`)
    and PostgreSQL's `~`. None for text that cannot be a term.
    """
    lemmas = term.split()
    if not lemmas or any(not _LEMMA.fullmatch(lemma) for lemma in lemmas):
        return None
    if any(lemma in REPORT_STOPWORDS for lemma in lemmas):
        return None
    stop = "|".join(sorted(REPORT_STOPWORDS))
    between = rf"(\s+({stop}))*\s+"
    return r"(^|\s)" + between.join(lemmas) + r"(\s|$)"


def written_form(content: dict[str, Any], term: str) -> str:
    """How the report shows a term (its lemmas): the most common written form the build
    found („plac zabaw” for „plac zabawa”), from the key terms, else from the changes since
    the previous version; the lemmas themselves when the report never showed the term."""
    changes = content.get("changes") or {}
    for row in [
        *content.get("terms", []),
        *changes.get("rising", []),
        *changes.get("falling", []),
    ]:
        if row.get("term") == term and row.get("form"):
            return str(row["form"])
    return term
