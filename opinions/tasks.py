"""Celery tasks: each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="opinions.tasks.analyse_opinion")
def analyse_opinion(opinion_id: int) -> None:
    from .analysis import analyse_opinions

    analyse_opinions([opinion_id])


@shared_task(name="opinions.tasks.analyse_backlog")
def analyse_backlog() -> int:
    """Catch up on opinions whose analysis was never enqueued (broker down) or was lost."""
    from .analysis import analyse_backlog as run

    return run()


@shared_task(name="opinions.tasks.train_area_classifier")
def train_area_classifier() -> int | None:
    from .classifier import train_area_classifier as train

    model = train()
    return model.pk if model else None


@shared_task(name="opinions.tasks.check_import", acks_late=True)
def check_import(batch_id: int) -> None:
    from .importing import check_batch

    check_batch(batch_id=batch_id)


@shared_task(name="opinions.tasks.commit_import", acks_late=True)
def commit_import(batch_id: int) -> None:
    from .importing import commit_batch

    commit_batch(batch_id=batch_id)


@shared_task(name="opinions.tasks.analyse_batch")
def analyse_batch(opinion_ids: list[int]) -> None:
    """Analysis of many opinions at once (an import commits thousands in one go)."""
    from .analysis import analyse_opinions

    analyse_opinions(opinion_ids)
