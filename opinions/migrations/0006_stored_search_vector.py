"""Search reads a stored tsvector instead of computing it from the lemmas (PostgreSQL only).

Migration 0002 indexed the expression to_tsvector('simple', lemmas). The index finds the
matching rows, but every row a query then looks at again (the list's page walking the
newest opinions, a count's heap visits, the near-duplicate look-ups) computed the vector
anew: at a million opinions, most of a search's 45 ms. A generated column keeps it, kept
up to date by PostgreSQL whenever the lemmas change, and the GIN index moves to it under
the same name. The ORM does not know the column (SQLite has no tsvector); opinions.search
and opinions.analysis name it in SQL as `SEARCH_VECTOR_COLUMN`.

Deploying it: the new code searches the column, so migrate before it serves (compose's
one-off `migrate` service runs first). Adding the column rewrites the table under an
exclusive lock, and the index is built in the same transaction: about a minute per million
opinions during which the table cannot be written; a few seconds at Lublin's 12,000.
"""

from django.db import migrations

INDEX_NAME = "opinion_lemmas_search"
COLUMN = "search_vector"

FORWARD = [
    f"ALTER TABLE opinions_opinion ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, lemmas)) STORED",
    f"DROP INDEX IF EXISTS {INDEX_NAME}",
    f"CREATE INDEX {INDEX_NAME} ON opinions_opinion USING gin ({COLUMN})",
    "ANALYZE opinions_opinion",
]
BACKWARD = [
    f"DROP INDEX IF EXISTS {INDEX_NAME}",
    f"ALTER TABLE opinions_opinion DROP COLUMN IF EXISTS {COLUMN}",
    f"CREATE INDEX {INDEX_NAME} ON opinions_opinion "
    "USING gin (to_tsvector('simple'::regconfig, lemmas))",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("opinions", "0005_thematic_reports"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
