"""Celery tasks of the text analysis: each takes ids (or nothing), calls one service, and is
safe to run twice.

Task names keep the `opinions.tasks.` prefix they were published under, so messages queued
before a deploy, and beat's schedule, still find them.

Web processes import this module to send its tasks (by reference); the work's modules are
imported inside each task, so that sending one does not load the analysis libraries
(scikit-learn, the Polish dictionary) into every web process.
"""

from __future__ import annotations

from celery import shared_task

from core.tasks import send_now

# A run is sent this long after the first submission it is for (see requests.py).
RUN_DELAY = 1.0


@shared_task(name="opinions.tasks.analyse_opinion")
def analyse_opinion(opinion_id: int) -> None:
    """One opinion (what submissions enqueued before analyse_submitted_opinions existed)."""
    from opinions.analysis import runs

    runs.analyse_opinions([opinion_id])


@shared_task(name="opinions.tasks.analyse_submitted_opinions", acks_late=True)
def analyse_submitted_opinions() -> int:
    """Every opinion submitted through a form and not yet analysed (see requests.py)."""
    from opinions.analysis import claims, runs

    token = claims.claim_run()
    if token is None:
        # Another run is working, and may have looked before this run's opinions were
        # committed: it looks once more when it is done. The first run to ask also sends one
        # run for when the lease lapses, in case the working run has died (a killed worker):
        # one per lease, so nothing spins.
        if claims.ask_for_another_run():
            send_now(analyse_submitted_opinions, countdown=claims.LEASE_SECONDS)
        return 0
    try:
        with claims.heartbeat(token):
            analysed, more = runs.analyse_submitted()
    finally:
        claims.release_run(token)
    if claims.another_run_wanted() or more:
        send_now(analyse_submitted_opinions, countdown=RUN_DELAY)
    return analysed


@shared_task(name="opinions.tasks.analyse_backlog")
def analyse_backlog() -> int:
    """Catch up on opinions whose analysis was never enqueued (broker down) or was lost."""
    from opinions.analysis import runs

    return runs.analyse_backlog()


@shared_task(name="opinions.tasks.train_area_classifier")
def train_area_classifier() -> int | None:
    from opinions.analysis import classifier

    model = classifier.train_area_classifier()
    return model.pk if model else None


@shared_task(name="opinions.tasks.analyse_batch")
def analyse_batch(opinion_ids: list[int]) -> None:
    """Analysis of many opinions at once (an import commits thousands in one go)."""
    from opinions.analysis import runs

    runs.analyse_opinions(opinion_ids)
