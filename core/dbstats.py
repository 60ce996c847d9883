"""The query planner's statistics on SQLite, refreshed after large writes and every night.

SQLite keeps no statistics until ANALYZE runs, and nothing runs it on its own: without them
the planner guesses how selective each index is, and on the bench's 20,000 opinions a
search's page query took 18 ms instead of 6 (and its count 3 ms instead of 1). PostgreSQL's
autovacuum keeps its own statistics; there this does nothing.

`analysis_limit` makes ANALYZE read about that many rows of each index instead of all of
them: the figures are close enough for choosing an index, and the time no longer grows with
the table (0.25 s for the whole 20,000-opinion bench file). `PRAGMA optimize` would choose
the tables itself, but on SQLite before 3.46 only among those the same connection has
queried, so a fresh connection in a command or a task would analyse nothing.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """ANALYZE every table on SQLite (True); nothing elsewhere (False)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True
