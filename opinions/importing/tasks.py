"""Celery tasks of the paper-input import: each takes a batch id, calls one service, and is
safe to run twice (names keep their `opinions.tasks.` prefix: see opinions/analysis/tasks.py)."""

from __future__ import annotations

from celery import shared_task

from opinions.importing import checking, commit


@shared_task(name="opinions.tasks.check_import", acks_late=True)
def check_import(batch_id: int) -> None:
    checking.check_batch(batch_id=batch_id)


@shared_task(name="opinions.tasks.commit_import", acks_late=True)
def commit_import(batch_id: int) -> None:
    commit.commit_batch(batch_id=batch_id)
