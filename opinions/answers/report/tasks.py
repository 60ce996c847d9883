"""Celery tasks of the consultation report: each takes an id, calls one service, and is safe
to run twice. Names keep the `opinions.tasks.` prefix and the work's modules are imported
inside each task, for the reasons given in opinions/analysis/tasks.py."""

from __future__ import annotations

from celery import shared_task

# The PDF of a report on 20,000 comments is thousands of pages, which WeasyPrint lays out
# at some 20 pages a second (bench/consultation_report_bench.py): far longer than the
# default limits, which would kill the build halfway every time.
BUILD_TIME_LIMIT = 4 * 3600


@shared_task(
    name="opinions.tasks.build_consultation_report",
    acks_late=True,
    time_limit=BUILD_TIME_LIMIT,
    soft_time_limit=BUILD_TIME_LIMIT - 600,
)
def build_consultation_report(report_id: int) -> None:
    """Build one version of a consultation report; a re-run after a crash rebuilds it."""
    from opinions.answers.report import building

    building.build_report(report_id=report_id)
