"""Celery tasks: each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="opinions.tasks.analyse_opinion")
def analyse_opinion(opinion_id: int) -> None:
    """One opinion (what submissions enqueued before analyse_submitted_opinions existed)."""
    from opinions.analysis.runs import analyse_opinions

    analyse_opinions([opinion_id])


@shared_task(name="opinions.tasks.analyse_submitted_opinions", acks_late=True)
def analyse_submitted_opinions() -> int:
    """Every opinion submitted through a form and not yet analysed (see analysis_requests)."""
    from opinions.analysis.requests import RUN_DELAY, claim_run, release_run, request_analysis
    from opinions.analysis.runs import analyse_submitted

    token = claim_run()
    if token is None:
        # Another run is working, and may have looked before this run's opinions were
        # committed: look again once it is likely done.
        analyse_submitted_opinions.apply_async(countdown=RUN_DELAY, ignore_result=True)
        return 0
    try:
        analysed, more = analyse_submitted()
    finally:
        release_run(token)
    if more:
        request_analysis()
    return analysed


@shared_task(name="opinions.tasks.analyse_backlog")
def analyse_backlog() -> int:
    """Catch up on opinions whose analysis was never enqueued (broker down) or was lost."""
    from opinions.analysis.runs import analyse_backlog as run

    return run()


@shared_task(name="opinions.tasks.train_area_classifier")
def train_area_classifier() -> int | None:
    from opinions.analysis.classifier import train_area_classifier as train

    model = train()
    return model.pk if model else None


@shared_task(name="opinions.tasks.check_import", acks_late=True)
def check_import(batch_id: int) -> None:
    from opinions.importing.batches import check_batch

    check_batch(batch_id=batch_id)


@shared_task(name="opinions.tasks.commit_import", acks_late=True)
def commit_import(batch_id: int) -> None:
    from opinions.importing.batches import commit_batch

    commit_batch(batch_id=batch_id)


@shared_task(name="opinions.tasks.analyse_batch")
def analyse_batch(opinion_ids: list[int]) -> None:
    """Analysis of many opinions at once (an import commits thousands in one go)."""
    from opinions.analysis.runs import analyse_opinions

    analyse_opinions(opinion_ids)


@shared_task(name="opinions.tasks.build_report", acks_late=True)
def build_report(report_id: int) -> None:
    """Build one area's report version; a re-run after a crash rebuilds it from scratch."""
    from opinions.reports.building import build_report as build

    build(report_id=report_id)


@shared_task(name="opinions.tasks.build_reports_if_new_opinions")
def build_reports_if_new_opinions() -> int:
    """Nightly: a new version for each area whose opinions changed since its last one."""
    from opinions.reports.building import start_reports_with_new_opinions

    return len(start_reports_with_new_opinions())


@shared_task(name="opinions.tasks.render_report_files", acks_late=True)
def render_report_files(report_id: int) -> None:
    """The PDF and the XLSX appendix of a built report (written once; a report is immutable)."""
    from opinions.reports.files import render_report_files as render

    render(report_id=report_id)
