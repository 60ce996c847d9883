from __future__ import annotations

from celery import shared_task


@shared_task(name="lublin2030.tasks.write_open_data", acks_late=True)
def write_open_data() -> int:
    """Every night: the open-data files, written anew (a re-run writes the same)."""
    from .opendata.writing import write_open_data as write

    return len(write())


@shared_task(name="lublin2030.tasks.refresh_planner_statistics", acks_late=True)
def refresh_planner_statistics() -> bool:
    """Every night: the query planner's statistics on SQLite (core/dbstats.py)."""
    from core.dbstats import refresh_planner_statistics as refresh

    return refresh()
