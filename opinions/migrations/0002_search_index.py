"""A GIN index for full-text search over `Opinion.lemmas` (PostgreSQL only).

The expression had to stay identical to the one search used, or the planner would not use
the index. SQLite has no equivalent; there search falls back to LIKE. Migration 0006 moved
the index to a stored column.
"""

from django.db import migrations

INDEX_NAME = "opinion_lemmas_search"

CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON opinions_opinion "
    "USING gin (to_tsvector('simple'::regconfig, lemmas))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("opinions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
