"""SQLite's planner statistics (core/dbstats.py): written after seeding and by the nightly
task; on PostgreSQL the task leaves them to autovacuum."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from lublin2030 import tasks

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statistics")


def analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def forget_statistics() -> None:
    # Another test's ANALYZE may have been committed to the shared test database.
    if analysed_tables():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1")


@on_sqlite
def test_seed_demo_leaves_statistics_of_the_opinions(lublin_process: None, var_dir: Path) -> None:
    forget_statistics()
    assert "opinions_opinion" not in analysed_tables()

    call_command("seed_demo", opinions=30, verbosity=0)

    assert {"opinions_opinion", "lublin2030_user"} <= analysed_tables()


@on_sqlite
def test_the_nightly_task_analyses_the_tables(lublin_process: None) -> None:
    forget_statistics()

    assert tasks.refresh_planner_statistics() is True

    assert "stages_stage" in analysed_tables()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL's autovacuum")
def test_the_nightly_task_leaves_postgresql_to_autovacuum() -> None:
    assert tasks.refresh_planner_statistics() is False


def test_the_task_is_scheduled_every_night() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-planner-statistics"]
    assert entry["task"] == tasks.refresh_planner_statistics.name
    assert entry["schedule"].hour == {2}
