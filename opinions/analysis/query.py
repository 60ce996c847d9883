"""A search query as people type it into a search box, reduced to lemmas.

The syntax is the one of web search engines:

- words: an opinion is found when it holds enough of them, in any form („ścieżki rowerowe”
  finds „ścieżek rowerowych”); Polish letters do not matter („zielen” finds „zieleń”);
- "a quoted phrase" (or „one in Polish quotes”): these words one after another, in any form;
- -word: opinions with this word (in any form) are left out.

Everything is reduced to lemmas (runs of letters and digits), so nothing a person types
reaches SQL or tsquery syntax as it was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opinions.analysis.lemmas import fold_diacritics
from opinions.analysis.text import STOPWORDS, lemmatize

# A query's words beyond this many are ignored: the least-matched-words rule combines them,
# and a search box query is rarely longer.
MAX_WORDS = 8

# A quoted phrase ("…", „…”, “…”; an unclosed quote runs to the end), a word with a leading
# minus, or any other run of characters between spaces.
_QUOTES = '"„”“«»'
_PART = re.compile(
    rf"[{_QUOTES}](?P<phrase>[^{_QUOTES}]*)[{_QUOTES}]?"
    rf"|(?<!\S)-(?P<excluded>[^\s{_QUOTES}]+)"
    rf"|(?P<words>[^\s{_QUOTES}]+)"
)


@dataclass(frozen=True)
class ParsedQuery:
    """A query's lemmas: `words` (content words, each once, in the order typed), `phrases`
    (the lemmas of each quoted phrase, stop words included, as they must follow each other)
    and `excluded` (content lemmas of the -words)."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.excluded)

    @property
    def wanted(self) -> tuple[str, ...]:
        """Every lemma the query looks for (words and phrases' content words), each once."""
        phrase_words = [lemma for phrase in self.phrases for lemma in phrase]
        return tuple(dict.fromkeys([*self.words, *(w for w in phrase_words if w not in STOPWORDS)]))


def _content(text: str) -> list[str]:
    return [lemma for lemma in lemmatize(text) if lemma not in STOPWORDS]


def parse_query(query: str) -> ParsedQuery:
    """The query's words, phrases and exclusions as lemmas (see the module's docstring)."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    for match in _PART.finditer(query):
        if match.group("phrase") is not None:
            phrase = tuple(lemmatize(match.group("phrase")))
            if len(phrase) > 1:
                phrases.append(phrase)
            else:
                # A quoted single word is simply a word.
                words.extend(lemma for lemma in phrase if lemma not in STOPWORDS)
        elif match.group("excluded") is not None:
            excluded.extend(_content(match.group("excluded")))
        else:
            words.extend(_content(match.group("words")))
    unique_words = tuple(dict.fromkeys(words))[:MAX_WORDS]
    return ParsedQuery(
        words=unique_words,
        phrases=tuple(dict.fromkeys(phrases)),
        excluded=tuple(lemma for lemma in dict.fromkeys(excluded) if lemma not in unique_words),
    )


def folded(lemmas: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Lemmas as the search index holds them: Polish letters written plain."""
    return tuple(fold_diacritics(lemma) for lemma in lemmas)


def required_words(count: int) -> int:
    """How many of a query's `count` words an opinion must hold: all of one or two words,
    two thirds (rounded up) of more, so a long query still finds opinions that miss one."""
    return count if count <= 2 else -(-2 * count // 3)


def word_spans(query: str) -> list[tuple[int, int, str]]:
    """(start, end, lemma) of each plain content word of the query (not in a phrase, not
    excluded): the words a "did you mean" may replace."""
    spans = []
    for match in _PART.finditer(query):
        if match.group("words") is None:
            continue
        lemmas = _content(match.group("words"))
        if len(lemmas) == 1:
            spans.append((match.start(), match.end(), lemmas[0]))
    return spans
