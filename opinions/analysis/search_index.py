"""SQLite: a full-text index of the opinions' lemmas, so a search reads the opinions it finds
rather than every opinion.

PostgreSQL has its stored vector and GIN index (migrations 0006 and 0013). SQLite gets an
FTS5 table, `SEARCH_TABLE`, whose row `rowid` holds the lemmas of opinion `rowid` with Polish
letters written plain and a space on each side (" zielen dzielnica "), so the index answers
which opinions hold a lemma or a phrase and the same text scores the few it finds without
folding each opinion's lemmas again. Triggers on the opinion table keep it current for every
write, the ORM's and bulk ones alike.

It is made after every `migrate` rather than by a migration: SQLite's schema editor remakes
a table to alter a column (a new table, the rows copied, the old table dropped), which drops
its triggers with it, so a later migration of Opinion would silently leave the index behind.
`ensure_search_index` puts back whatever is missing and, when a trigger was missing, fills
the index again from the opinions.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction

SEARCH_TABLE = "opinions_opinion_search"
_OPINION_TABLE = "opinions_opinion"
_POLISH_LETTERS = "ąćęłńóśźż"
_PLAIN_LETTERS = "acelnoszz"


def folded_sql(column: str) -> str:
    """SQL of the column's text with the Polish letters written plain and a space on each
    side (as `opinions.analysis.lemmas.fold_diacritics` folds the query's lemmas)."""
    folded = f"coalesce({column}, '')"
    for letter, plain in zip(_POLISH_LETTERS, _PLAIN_LETTERS, strict=True):
        folded = f"replace({folded}, '{letter}', '{plain}')"
    return f"' ' || {folded} || ' '"


# The tokenizer splits on spaces only in effect (lemmas are runs of letters and digits) and
# folds nothing itself: the text and the query are folded the same way, by us.
_CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} "
    "USING fts5(lemmas, tokenize = 'unicode61 remove_diacritics 0')"
)
_TRIGGERS = {
    f"{SEARCH_TABLE}_insert": (
        f"AFTER INSERT ON {_OPINION_TABLE} BEGIN "  # noqa: S608
        f"INSERT INTO {SEARCH_TABLE}(rowid, lemmas) VALUES (new.id, {folded_sql('new.lemmas')}); "
        "END"
    ),
    f"{SEARCH_TABLE}_update": (
        f"AFTER UPDATE OF lemmas ON {_OPINION_TABLE} BEGIN "  # noqa: S608
        f"UPDATE {SEARCH_TABLE} SET lemmas = {folded_sql('new.lemmas')} WHERE rowid = new.id; "
        "END"
    ),
    f"{SEARCH_TABLE}_delete": (
        f"AFTER DELETE ON {_OPINION_TABLE} BEGIN "  # noqa: S608
        f"DELETE FROM {SEARCH_TABLE} WHERE rowid = old.id; END"
    ),
}


def ensure_search_index(*, using: str = "default", **_: Any) -> None:
    """Make the SQLite index and its triggers where they are missing (a post_migrate
    receiver); nothing on PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            [f"{SEARCH_TABLE}%"],
        )
        existing = {row[0] for row in cursor.fetchall()}
        tables = connection.introspection.table_names(cursor)
        if _OPINION_TABLE not in tables:
            return
        missing = [name for name in _TRIGGERS if name not in existing]
        if SEARCH_TABLE in existing and not missing:
            return
        # The index and the triggers change together, so no write falls between them.
        with transaction.atomic(using=using):
            cursor.execute(_CREATE_TABLE)
            for name in missing:
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {_TRIGGERS[name]}")
            cursor.execute(f"DELETE FROM {SEARCH_TABLE}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {SEARCH_TABLE}(rowid, lemmas) "  # noqa: S608
                f"SELECT id, {folded_sql('lemmas')} FROM {_OPINION_TABLE}"
            )
