"""Finding opinions by the lemmas of their words, ranked by relevance.

`Opinion.lemmas` holds the text's lemmas joined by spaces (see `opinions.analysis.text`). A
query is parsed (`opinions.analysis.query`: words, "phrases", -exclusions), lemmatized the
same way, and each word is widened by the synonyms staff keep (`SearchSynonyms`), so
„dzielnicach” finds „dzielnica” and „basen” finds „pływalnia”. Polish letters do not matter:
lemmas are compared with them written plain („zielen” finds „zieleń”).

An opinion is found when it holds every phrase, no excluded word, and enough of the query's
words (`required_words`: all of one or two, two thirds of more). When that finds nothing
for a query of several words, an opinion with any one of them is found. `rank_by_relevance`
then orders the results: the most query words held first, then by score, then newest.

PostgreSQL matches with full-text search against the stored vector of migrations 0006 and
0013: a generated column, `SEARCH_VECTOR_COLUMN`, of the lemmas with Polish letters written
plain, that the ORM does not know, with a GIN index. The score is `ts_rank_cd`. SQLite matches
with an FTS5 table of the same folded lemmas (`opinions.analysis.search_index`), and scores
the opinions it found on that table's row, by counting occurrences of each lemma as a whole
word, normalised by length the same way. (Folding and scanning every opinion's lemmas in SQL
took 300 ms to 1 s a search at 20,000 opinions.)

User input never reaches SQL or tsquery syntax: queries are reduced to lemmas (runs of
letters and digits), passed as parameters, and quoted as tsquery lexemes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add, and_, or_
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Length, Ln, Replace
from django.db.models.lookups import Contains

from opinions.analysis.lemmas import fold_diacritics, lemmas_of_word
from opinions.analysis.query import ParsedQuery, folded, parse_query, required_words
from opinions.analysis.search_index import SEARCH_TABLE
from opinions.models import Opinion

# PostgreSQL: to_tsvector('simple', translate(lemmas, Polish letters, plain ones)), stored by
# the database (migrations 0006 and 0013).
SEARCH_VECTOR_COLUMN = "search_vector"
# ts_rank_cd's weights of the labels {D, C, B, A}. The stored vector labels nothing, so every
# lemma counts as D, in full; a synonym's match counts SYNONYM_WEIGHT as much as a word typed.
RANK_WEIGHTS = "{1.0, 0.4, 0.2, 0.1}"
SYNONYM_WEIGHT = 0.5
# ts_rank_cd's normalisation 1: the score is divided by 1 + log(number of lemmas), so a long
# opinion does not win only by being long.
RANK_NORMALIZATION = 1


class _VectorFunc(Func):
    """PostgreSQL: an expression over the opinion's stored vector and a tsquery parameter."""

    sql_template = ""

    def __init__(self, query: str, *, tsquery_function: str = "to_tsquery") -> None:
        if tsquery_function not in {"plainto_tsquery", "to_tsquery"}:
            raise ValueError(tsquery_function)
        self.tsquery_function = tsquery_function
        super().__init__(F("lemmas"), Value(query))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        lemmas, query = self.get_source_expressions()
        query_sql, query_params = compiler.compile(query)
        # The lemmas' column resolved to the opinion table under this query's alias; the
        # stored vector is the same row's column beside it.
        table = compiler.quote_name_unless_alias(lemmas.alias)
        vector = f"{table}.{connection.ops.quote_name(SEARCH_VECTOR_COLUMN)}"
        tsquery = f"{self.tsquery_function}('simple'::regconfig, {query_sql})"
        sql = self.sql_template.replace("{vector}", vector).replace("{tsquery}", tsquery)
        return sql, tuple(query_params)


class LemmasMatch(_VectorFunc):
    """PostgreSQL: the opinion's stored lemma vector matches a tsquery (for `filter`)."""

    output_field = BooleanField()
    sql_template = "{vector} @@ {tsquery}"

    def __init__(self, query: str, *, function: str = "plainto_tsquery") -> None:
        super().__init__(query, tsquery_function=function)


class VectorRank(_VectorFunc):
    """PostgreSQL: ts_rank_cd of the stored vector for a tsquery."""

    output_field = FloatField()
    sql_template = (
        f"ts_rank_cd('{RANK_WEIGHTS}'::float4[], {{vector}}, {{tsquery}}, {RANK_NORMALIZATION})"
    )
    # (The doubled braces are the f-string's; the template keeps {vector} and {tsquery}.)


def _is_postgresql(queryset: QuerySet[Opinion]) -> bool:
    return connections[queryset.db].vendor == "postgresql"


class _IndexedLemmas(Expression):
    """SQLite: the lemmas as the search index holds them, Polish letters written plain and a
    space on each side; only inside `_FromIndex`, which reads the opinion's row of the index."""

    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        table = connection.ops.quote_name(SEARCH_TABLE)
        return f"{table}.{connection.ops.quote_name('lemmas')}", ()


class _FromIndex(Func):
    """SQLite: an expression over `_IndexedLemmas`, computed on the opinion's row of the
    search index: one lookup by rowid for the whole expression, however often it names the
    lemmas (the index already folded them)."""

    def __init__(self, expression: Expression, output_field: Any) -> None:
        super().__init__(expression, F("pk"), output_field=output_field)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        expression, pk = self.get_source_expressions()
        expression_sql, expression_params = compiler.compile(expression)
        pk_sql, pk_params = compiler.compile(pk)
        table = connection.ops.quote_name(SEARCH_TABLE)
        sql = f"(SELECT {expression_sql} FROM {table} WHERE {table}.rowid = {pk_sql})"  # noqa: S608
        return sql, (*expression_params, *pk_params)


class _IndexMatch(RawSQL):
    """SQLite: the ids of the opinions whose indexed lemmas match an FTS5 query (for
    `pk__in`)."""

    def __init__(self, query: str) -> None:
        super().__init__(
            f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s",  # noqa: S608
            (query,),
        )


def _padded(*, fold: bool) -> Expression:
    if fold:
        return _IndexedLemmas()  # SQLite, inside _FromIndex
    return Concat(Value(" "), F("lemmas"), Value(" "), output_field=TextField())


def _has_word(lemma: str, *, fold: bool = False) -> Contains:
    # Lemmas contain no spaces, so " lemma " inside the padded string is a whole word.
    # Django's `contains` escapes LIKE's wildcards.
    return Contains(_padded(fold=fold), f" {lemma} ")


def _tsquery_lexeme(lemma: str) -> str:
    # Lemmas are letters and digits only; quoting anyway keeps any stray character a
    # literal rather than an operator. The index holds lemmas without Polish letters.
    lemma = fold_diacritics(lemma)
    return "'" + lemma.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_of_groups(groups: Sequence[Sequence[str]]) -> str:
    """tsquery text matching all lemmas of at least one group: ('a' & 'b') | ('c')."""
    return " | ".join(
        "(" + " & ".join(_tsquery_lexeme(lemma) for lemma in group) + ")"
        for group in groups
        if group
    )


def with_all_lemmas(queryset: QuerySet[Opinion], lemmas: Sequence[str]) -> QuerySet[Opinion]:
    """Opinions whose stored lemmas contain every one of `lemmas` (all of them, any order)."""
    if not lemmas:
        return queryset
    if _is_postgresql(queryset):
        return queryset.filter(LemmasMatch(tsquery_of_groups([lemmas]), function="to_tsquery"))
    return queryset.filter(*[_has_word(lemma) for lemma in lemmas])


def with_any_group(
    queryset: QuerySet[Opinion], groups: Sequence[Sequence[str]]
) -> QuerySet[Opinion]:
    """Opinions whose lemmas contain all lemmas of at least one group: (a ∧ b) ∨ (c ∧ d)."""
    groups = [group for group in groups if group]
    if not groups:
        return queryset.none()
    if _is_postgresql(queryset):
        return queryset.filter(LemmasMatch(tsquery_of_groups(groups), function="to_tsquery"))
    condition = reduce(
        or_, (reduce(and_, (Q(_has_word(lemma)) for lemma in group)) for group in groups)
    )
    return queryset.filter(condition)


# --- A query typed into a search box ---------------------------------------------------------


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class SearchPlan:
    """A parsed query as the index holds it (Polish letters written plain). Each term is a
    word or a phrase of the query that a synonym list names („ścieżka rowerowa”), as its
    alternatives: first the lemmas typed, then its synonyms'. Then the phrases, the
    excluded lemmas, and how many of the terms an opinion must hold."""

    terms: tuple[tuple[Phrase, ...], ...]
    phrases: tuple[Phrase, ...]
    excluded: tuple[str, ...]
    required: int

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.phrases or self.excluded)

    def relaxed(self) -> SearchPlan:
        return SearchPlan(self.terms, self.phrases, self.excluded, 1)


def _terms(
    words: tuple[str, ...], synonyms: dict[Phrase, frozenset[Phrase]]
) -> list[tuple[Phrase, ...]]:
    """The query's words as terms: a run of words that a synonym list holds as a phrase is
    one term („komunikacja miejska”), the longest run first."""
    longest = max((len(phrase) for phrase in synonyms), default=1)
    terms = []
    start = 0
    while start < len(words):
        for size in range(min(longest, len(words) - start), 0, -1):
            phrase = words[start : start + size]
            if size == 1 or phrase in synonyms:
                break
        terms.append((phrase, *sorted(synonyms.get(phrase, frozenset()) - {phrase})))
        start += size
    return terms


def plan_search(parsed: ParsedQuery) -> SearchPlan:
    from opinions.analysis.synonyms import expansions

    terms = _terms(folded(parsed.words), expansions() if parsed.words else {})
    return SearchPlan(
        terms=tuple(terms),
        phrases=tuple(folded(phrase) for phrase in parsed.phrases),
        excluded=folded(parsed.excluded),
        required=required_words(len(terms)),
    )


def _phrase_tsquery(phrase: Phrase) -> str:
    return "(" + " <-> ".join(_tsquery_lexeme(lemma) for lemma in phrase) + ")"


def _term_tsquery(term: Sequence[Phrase]) -> str:
    return "(" + " | ".join(_phrase_tsquery(phrase) for phrase in term) + ")"


def _enough_terms(
    plan: SearchPlan, term_text: Callable[[Sequence[Phrase]], str], *, both: str, either: str
) -> str:
    """The plan's terms joined so that `plan.required` of them (at least one) must match:
    each choice of that many joined by `both`, the choices by `either` (tsquery's & and |,
    FTS5's AND and OR)."""
    combinations = itertools.combinations(plan.terms, max(plan.required, 1))
    return (
        "("
        + f" {either} ".join(
            "(" + f" {both} ".join(term_text(term) for term in chosen) + ")"
            for chosen in combinations
        )
        + ")"
    )


def _match_tsquery(plan: SearchPlan) -> str:
    parts = []
    if plan.terms:
        parts.append(_enough_terms(plan, _term_tsquery, both="&", either="|"))
    parts.extend(_phrase_tsquery(phrase) for phrase in plan.phrases)
    parts.extend(f"!{_tsquery_lexeme(lemma)}" for lemma in plan.excluded)
    return " & ".join(parts)


def _term_q(term: Sequence[Phrase]) -> Q:
    return reduce(or_, (Q(_has_word(" ".join(phrase), fold=True)) for phrase in term))


def _held_words(plan: SearchPlan, *, postgresql: bool) -> Expression:
    """How many of the plan's words (each with its synonyms) the opinion holds."""
    held = [
        Case(
            When(
                LemmasMatch(_term_tsquery(term), function="to_tsquery")
                if postgresql
                else _term_q(term),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        for term in plan.terms
    ]
    if not held:
        return Value(0, output_field=IntegerField())
    # (On SQLite it names the index's lemmas: rank_by_relevance reads them in `_FromIndex`.)
    return reduce(add, held)


def _fts_phrase(phrase: Phrase) -> str:
    # An FTS5 string: its lemmas one after another. Lemmas are letters and digits only;
    # doubling a quote anyway keeps any stray character inside the string.
    return '"' + " ".join(phrase).replace('"', '""') + '"'


def _fts_term(term: Sequence[Phrase]) -> str:
    return "(" + " OR ".join(_fts_phrase(phrase) for phrase in term) + ")"


def _fts_query(plan: SearchPlan) -> str:
    """The FTS5 query of the plan's terms (enough of them) and phrases, as `_match_tsquery`;
    the excluded lemmas apart (FTS5 has no NOT on its own)."""
    parts = []
    if plan.terms:
        parts.append(_enough_terms(plan, _fts_term, both="AND", either="OR"))
    parts.extend(_fts_phrase(phrase) for phrase in plan.phrases)
    return " AND ".join(parts)


def _filtered(queryset: QuerySet[Opinion], plan: SearchPlan) -> QuerySet[Opinion]:
    if _is_postgresql(queryset):
        return queryset.filter(LemmasMatch(_match_tsquery(plan), function="to_tsquery"))
    # SQLite: the index finds the matches (search_index.py), so only they are read.
    wanted = _fts_query(plan)
    if wanted:
        queryset = queryset.filter(pk__in=_IndexMatch(wanted))
    if plan.excluded:
        excluded = " OR ".join(_fts_phrase((lemma,)) for lemma in plan.excluded)
        queryset = queryset.exclude(pk__in=_IndexMatch(excluded))
    return queryset


def search_opinions(queryset: QuerySet[Opinion], query: str) -> QuerySet[Opinion]:
    """Opinions of the queryset that the query finds (see the module's docstring).

    A query of stop words only („i w na”), punctuation or emoji leaves the queryset as it is.
    A query of several words that finds nothing with enough of them finds the opinions with
    any of them (one more query, to learn that).
    """
    plan = plan_search(parse_query(query))
    if plan.is_empty:
        return queryset
    found = _filtered(queryset, plan)
    if plan.required > 1 and not found.exists():
        found = _filtered(queryset, plan.relaxed())
    return found


def _occurrences(lemma: str) -> Expression:
    padded = _padded(fold=True)
    # Replacing " lemma " by " " shortens the padded lemmas by len(lemma) + 1 each time.
    removed = Length(padded) - Length(Replace(padded, Value(f" {lemma} "), Value(" ")))
    return Cast(removed, FloatField()) / Value(float(len(lemma) + 1))


# A score is at most the occurrences of the query's words (and synonyms) in the opinion,
# so far below this: see rank_by_relevance.
HELD_WORD_STEP = 1_000_000.0


def _score(plan: SearchPlan, *, postgresql: bool) -> Expression:
    typed = [term[0] for term in plan.terms] + list(plan.phrases)
    synonyms = [phrase for term in plan.terms for phrase in term[1:]]
    if not typed:
        return Value(0.0, output_field=FloatField())
    if postgresql:
        score: Expression = VectorRank(" | ".join(_phrase_tsquery(phrase) for phrase in typed))
        if synonyms:
            score = score + Value(SYNONYM_WEIGHT) * VectorRank(
                " | ".join(_phrase_tsquery(phrase) for phrase in synonyms)
            )
        return score
    counted: list[Expression] = [_occurrences(" ".join(phrase)) for phrase in typed]
    counted += [Value(SYNONYM_WEIGHT) * _occurrences(" ".join(phrase)) for phrase in synonyms]
    # The indexed lemmas have a space on each side: one space fewer than their words.
    padded = _padded(fold=True)
    words = Length(padded) - Length(Replace(padded, Value(" "), Value(""))) - 1
    # (Inside `_FromIndex`, as the held words: rank_by_relevance.)
    return reduce(add, counted) / (Value(1.0) + Ln(Cast(words, FloatField()) + Value(1.0)))


def rank_by_relevance(queryset: QuerySet[Opinion], query: str) -> QuerySet[Opinion]:
    """The (already searched) opinions ordered by relevance to the query: those holding the
    most of its words first, then by score (`ts_rank_cd` on PostgreSQL, occurrences
    normalised by length on SQLite), then the newest."""
    plan = plan_search(parse_query(query))
    if plan.is_empty:
        return queryset.order_by("-created_at", "-pk")
    if _is_postgresql(queryset):
        return queryset.alias(
            search_held=_held_words(plan, postgresql=True),
            search_score=_score(plan, postgresql=True),
        ).order_by("-search_held", "-search_score", "-created_at", "-pk")
    # SQLite: both in one look-up of the opinion's row of the index (two sub-selects per
    # match were a third of a ranked page's query). Each held word counts HELD_WORD_STEP,
    # more than any score reaches, so the sum orders by the held words, then the score.
    held = Cast(_held_words(plan, postgresql=False), FloatField())
    rank = held * Value(HELD_WORD_STEP) + _score(plan, postgresql=False)
    return queryset.alias(search_rank=_FromIndex(rank, output_field=FloatField())).order_by(
        "-search_rank", "-created_at", "-pk"
    )


def highlighted_lemmas(query: str) -> list[str]:
    """The lemmas a result's text is highlighted for: the query's words and phrases and their
    synonyms (without the excluded words)."""
    parsed = parse_query(query)
    plan = plan_search(parsed)
    synonyms = [lemma for term in plan.terms for phrase in term for lemma in phrase]
    return list(dict.fromkeys([*parsed.wanted, *synonyms]))


# --- "Did you mean" --------------------------------------------------------------------------

# The lemmas a suggestion is chosen from: those of this many of the newest opinions searched.
SUGGESTION_SAMPLE = 3000
# How alike a typed word and a known lemma must be (difflib's ratio, without Polish letters).
SUGGESTION_CUTOFF = 0.75


def _known_lemmas(queryset: QuerySet[Opinion]) -> dict[str, str]:
    """Folded lemma → lemma, of the newest opinions searched and, on PostgreSQL, of the 1,000
    most common lexemes of the index (its statistics; restored to Polish letters)."""
    newest = queryset.order_by("-created_at", "-pk").values_list("lemmas", flat=True)
    known: dict[str, str] = {}
    # Each distinct lemma folded once, in the order first seen (folding all 60,000 of 3,000
    # opinions one by one took most of a "did you mean"; there are about 1,400 distinct).
    for lemma in dict.fromkeys(" ".join(newest[:SUGGESTION_SAMPLE]).split()):
        known.setdefault(fold_diacritics(lemma), lemma)
    if _is_postgresql(queryset):
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[] FROM pg_stats WHERE schemaname = "
                "current_schema() AND tablename = %s AND attname = %s",
                [Opinion._meta.db_table, SEARCH_VECTOR_COLUMN],
            )
            row = cursor.fetchone()
        for lexeme in (row[0] or []) if row else []:
            if lexeme not in known:
                known[lexeme] = lemmas_of_word(lexeme)[0]
    return known


def did_you_mean(queryset: QuerySet[Opinion], query: str) -> str | None:
    """For a query that found nothing: the same query with each word that no opinion holds
    replaced by the most alike known lemma („parkingg” → „parking”), if that finds
    something; else None. A few queries, run only when a search found nothing."""
    import difflib

    from opinions.analysis.query import word_spans

    spans = word_spans(query)
    if not spans:
        return None
    known = _known_lemmas(queryset)
    if not known:
        return None
    suggestion = query
    for start, end, lemma in reversed(spans):
        if fold_diacritics(lemma) in known:
            continue
        close = difflib.get_close_matches(
            fold_diacritics(lemma), list(known), n=1, cutoff=SUGGESTION_CUTOFF
        )
        if close:
            suggestion = suggestion[:start] + known[close[0]] + suggestion[end:]
    if suggestion == query or not search_opinions(queryset, suggestion).exists():
        return None
    return suggestion
