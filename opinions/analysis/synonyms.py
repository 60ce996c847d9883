"""The search synonyms staff keep (SearchSynonyms), as lemmas the search index holds."""

from __future__ import annotations

import functools

from opinions import vocabulary
from opinions.analysis.query import folded
from opinions.analysis.text import content_lemmas
from opinions.models import SearchSynonyms

Phrase = tuple[str, ...]


def _phrases(words: list[str]) -> list[Phrase]:
    # „ścieżka rowerowa” is a phrase of two lemmas; a word of stop words only is dropped.
    return [phrase for word in words if (phrase := folded(content_lemmas(word)))]


@functools.lru_cache(maxsize=8)
def _expansions(groups: tuple[str, ...]) -> dict[Phrase, frozenset[Phrase]]:
    found: dict[Phrase, set[Phrase]] = {}
    for words in groups:
        general, specific = SearchSynonyms(words=words).parts()
        for phrase in _phrases(general):
            found.setdefault(phrase, set()).update(_phrases(specific))
    return {
        phrase: frozenset(others - {phrase})
        for phrase, others in found.items()
        if others - {phrase}
    }


def expansions() -> dict[Phrase, frozenset[Phrase]]:
    """For each word or phrase (folded lemmas), the words and phrases a search for it also
    finds. The list comes from the vocabulary cache (no query on most requests);
    lemmatizing it is done once per version of the list."""
    rows = vocabulary.rows_of([SearchSynonyms])[SearchSynonyms]
    return _expansions(tuple(row.words for row in rows))
