"""Lemmatize the stored opinions again: the lemmatizer moved from simplemma to Morfeusz 2.

Search, near-duplicates and the reports read `Opinion.lemmas`; opinions stored before keep
simplemma's lemmas („ścieżek”, „parka”) until this runs, and a query would no longer meet
them. It writes only the opinions whose lemmas change, a chunk per transaction (on
PostgreSQL the stored search vector follows by itself). About a minute per 100,000 opinions;
`manage.py relemmatize_opinions` does the same by hand and can be re-run.
"""

from django.db import migrations


def relemmatize(apps, schema_editor):
    # The current lemmatizer, not a historical copy: the point is to match what the code
    # now computes for new opinions.
    from opinions.analysis.runs import relemmatize_all

    relemmatize_all()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("opinions", "0011_opinion_trace_digest"),
    ]

    operations = [
        migrations.RunPython(relemmatize, migrations.RunPython.noop, elidable=True),
    ]
