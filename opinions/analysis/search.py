"""Finding opinions by the lemmas of their words.

`Opinion.lemmas` holds the text's lemmas joined by spaces (see `opinions.analysis.text`). A query is
lemmatized the same way, so „dzielnicach” finds „dzielnica”.

PostgreSQL matches with full-text search over the lemmas with the 'simple' configuration
(the words are already lemmas, so no stemming), against the stored vector of migration
0006_stored_search_vector: a generated column, `SEARCH_VECTOR_COLUMN`, that the ORM does not
know, with a GIN index. SQLite has no such index; it matches each lemma as a whole word
inside " " + lemmas + " ".

User input never reaches SQL or tsquery syntax: queries are reduced to lemmas (runs of
letters and digits), passed as parameters, and quoted as tsquery lexemes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.db.models.lookups import Contains

from opinions.analysis.text import query_lemmas
from opinions.models import Opinion

# PostgreSQL: to_tsvector('simple', lemmas), stored by the database (migration 0006).
SEARCH_VECTOR_COLUMN = "search_vector"


class LemmasMatch(Func):
    """PostgreSQL: the opinion's stored lemma vector matches a tsquery (for `filter`)."""

    output_field = BooleanField()

    def __init__(self, query: str, *, function: str = "plainto_tsquery") -> None:
        if function not in {"plainto_tsquery", "to_tsquery"}:
            raise ValueError(function)
        self.tsquery_function = function
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
        sql = f"{vector} @@ {self.tsquery_function}('simple'::regconfig, {query_sql})"
        return sql, tuple(query_params)


def _is_postgresql(queryset: QuerySet[Opinion]) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _has_word(lemma: str) -> Contains:
    # Lemmas contain no spaces, so " lemma " inside the padded string is a whole word.
    # Django's `contains` escapes LIKE's wildcards.
    padded = Concat(Value(" "), F("lemmas"), Value(" "), output_field=TextField())
    return Contains(padded, f" {lemma} ")


def _tsquery_lexeme(lemma: str) -> str:
    # Lemmas are letters and digits only; quoting anyway keeps any stray character a
    # literal rather than an operator.
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
        return queryset.filter(LemmasMatch(" ".join(lemmas)))
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


def search_opinions(queryset: QuerySet[Opinion], query: str) -> QuerySet[Opinion]:
    """Opinions of the queryset that contain every content word of the query, in any form.

    A query of stop words only („i w na”), punctuation or emoji leaves the queryset as it is.
    """
    return with_all_lemmas(queryset, query_lemmas(query))
