"""Polish text for search and analysis: word tokens, lemmas, stop words, highlighting.

Lemmas make inflected forms meet: „w dzielnicach” and „dzielnica”, „miejsca parkingowe” and
„brakuje miejsc parkingowych”. Every lemma is a run of letters and digits (never a space,
quote or operator), which the search code relies on when it builds queries from them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from opinions.analysis.lemmas import fold_diacritics, lemmas_of_word

# Letters and digits of any script, so „żółw” and „2030” are words; underscores,
# punctuation and emoji separate words and are dropped.
_WORD = re.compile(r"[^\W_]+")

# Function words, as the lemmas `lemmatize` gives for them (Morfeusz maps „jest” to
# „być”, „której” to „który”, „ma” to „mój”…), plus a few words that
# appear in nearly every opinion about the city's future and carry no topic („więcej”,
# „chcieć”, „trzeba”). Content words like „miasto” or „Lublin” are deliberately kept:
# people search for them.
_STOPWORD_LIST = """
    a aby ach acz aczkolwiek aj albo ale ależ ani aż
    bardzo bez bo bowiem by byle być
    chcieć co cokolwiek coś czy czyli
    dla dlaczego dlatego do dość dużo
    gdy gdyby gdyż gdzie gdziekolwiek gdzieś
    i ile im inny iż
    ja jak jaki jakiś jakby jakiż jakkolwiek jako jakoś jeden jednak jednakże jeszcze
    jeśli jeżeli już
    każdy kiedy kilka kto ktokolwiek ktoś który ku
    lecz lub
    mieć mimo między mniej może można mój móc musieć my
    na nad nasz natomiast nawet nic nie niech nigdy nikt niż no
    o obok od około on oraz oto owszem
    po pod podczas pomimo ponad ponieważ powinien poza prawie przecież przed przez przy
    również
    sam się siebie skąd swój
    tak taki także tam temu ten teraz też to toteż trzeba tu tutaj tylko ty twój
    u
    w wasz wiele więc więcej wszyscy wszystek wszystko wtedy wy właśnie
    z za zawsze ze zostać znowu znów
    żaden że żeby
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_LIST.split())


def tokenize(text: str) -> list[str]:
    """Lower-cased words: letters (Polish ones kept) and digits; punctuation and emoji dropped."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


@functools.lru_cache(maxsize=262_144)
def _lemma(token: str) -> tuple[str, ...]:
    # The demo generator lemmatizes a million opinions; their vocabulary is a few tens of
    # thousands of words, so nearly every call is a cache hit.
    return lemmas_of_word(token)


def warm_up() -> None:
    """Open the Polish dictionary now, once per process, rather than on the first request or
    task that needs a lemma."""
    _lemma("dzielnicach")


def lemmatize(text: str) -> list[str]:
    """The lemma of every word of the text, in order (stop words included)."""
    return [lemma for token in tokenize(text) for lemma in _lemma(token)]


def lemma_string(text: str) -> str:
    """The lemmas joined by single spaces: what `Opinion.lemmas` stores and search matches."""
    return " ".join(lemmatize(text))


def content_lemmas(text: str) -> list[str]:
    """Lemmas without stop words, in order: what the classifier and near-duplicates compare."""
    return [lemma for lemma in lemmatize(text) if lemma not in STOPWORDS]


def content_of_lemma_string(lemmas: str) -> list[str]:
    """Content lemmas of an already lemmatized text (a stored `Opinion.lemmas`)."""
    return [lemma for lemma in lemmas.split() if lemma not in STOPWORDS]


# A word with a leading minus: excluded from a search (opinions.analysis.query), so never
# highlighted.
_EXCLUDED_WORD = re.compile(r"(?<!\S)-\S+")


def query_lemmas(query: str) -> list[str]:
    """Lemmas of a search query: stop words and -excluded words removed, each once, in the
    order typed."""
    return list(dict.fromkeys(content_lemmas(_EXCLUDED_WORD.sub(" ", query))))


def highlight(text: str, query: str, *, lemmas: Iterable[str] | None = None) -> SafeString:
    """The text, HTML-escaped, with every word whose lemma the query asks for in <mark>.

    Inflected forms are marked too: the query „dzielnica” marks „dzielnicach”, and „zielen”
    marks „zieleni” (Polish letters do not matter, as in search). `lemmas`, when given,
    replaces the query's own (a search adds its synonyms).
    """
    text = unicodedata.normalize("NFC", text)
    wanted = {
        fold_diacritics(lemma) for lemma in (query_lemmas(query) if lemmas is None else lemmas)
    }
    parts: list[str] = []
    position = 0
    for match in _WORD.finditer(text) if wanted else ():
        word = match.group()
        if wanted.isdisjoint(fold_diacritics(lemma) for lemma in _lemma(word.lower())):
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(word)}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>\n")
    return mark_safe(html)  # noqa: S308 - every piece of the text went through escape()


# As many characters of an opinion as a list shows (templates/opinions/partials/opinion_list.html
# cuts an unmarked text as long).
EXCERPT_CHARS = 600


def highlighted_excerpt(
    text: str, query: str, *, lemmas: Iterable[str] | None = None
) -> SafeString:
    """`highlight` of the list's excerpt of the text: cut first, then marked (cutting the
    marked HTML meant parsing it again, row by row: a millisecond per page of 20). Most
    opinions are shorter than the excerpt: those are not cut, and not measured character by
    character either (combining marks only make a text count shorter than its length)."""
    excerpt = text if len(text) <= EXCERPT_CHARS else Truncator(text).chars(EXCERPT_CHARS)
    return highlight(excerpt, query, lemmas=lemmas)
