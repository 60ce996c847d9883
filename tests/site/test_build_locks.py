"""The builds' locks (core/builds.py): one live builder per row, per database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from core.builds import LOCK_KEY, builder_lock

pytestmark = pytest.mark.django_db(transaction=True)


def held_elsewhere(*, namespace: int, pk: int, kind: str = "test") -> bool:
    """Whether another session (another thread's connection) gets the same lock."""
    answer: list[bool] = []

    def try_it() -> None:
        try:
            with builder_lock(kind=kind, namespace=namespace, pk=pk) as held:
                answer.append(held)
        finally:
            connection.close()

    thread = threading.Thread(target=try_it)
    thread.start()
    thread.join(10)
    return answer == [True]


def test_a_row_has_one_live_builder_and_the_next_row_another() -> None:
    with builder_lock(kind="test", namespace=7, pk=1) as held:
        assert held
        assert not held_elsewhere(namespace=7, pk=1)
        assert held_elsewhere(namespace=7, pk=2)
        # Another kind of build (its namespace on PostgreSQL, its files elsewhere).
        assert held_elsewhere(namespace=8, pk=1, kind="other")
    assert held_elsewhere(namespace=7, pk=1)


def test_the_same_row_in_another_database_of_the_server_is_not_locked() -> None:
    """PostgreSQL's advisory locks belong to the server: the key carries the database."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    import psycopg

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as other:
        # What a builder of row 1 does in the database "postgres".
        other.execute(f"SELECT pg_advisory_lock({LOCK_KEY})", ["7", 1])
        with builder_lock(kind="test", namespace=7, pk=1) as held:
            assert held
