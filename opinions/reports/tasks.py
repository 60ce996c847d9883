"""Celery tasks of the thematic reports: each takes a report id (or nothing), calls one
service, and is safe to run twice. Names keep their `opinions.tasks.` prefix, and the work's
modules are imported inside each task, for the reasons given in opinions/analysis/tasks.py.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="opinions.tasks.build_report", acks_late=True)
def build_report(report_id: int) -> None:
    """Build one area's report version; a re-run after a crash rebuilds it from scratch."""
    from opinions.reports import building

    building.build_report(report_id=report_id)


@shared_task(name="opinions.tasks.build_reports_if_new_opinions")
def build_reports_if_new_opinions() -> int:
    """Nightly: a new version for each area whose opinions changed since its last one."""
    from opinions.reports import building

    return len(building.start_reports_with_new_opinions())


@shared_task(name="opinions.tasks.render_report_files", acks_late=True)
def render_report_files(report_id: int) -> None:
    """The PDF and the XLSX appendix of a built report (written once; a report is immutable)."""
    from opinions.reports import files

    files.render_report_files(report_id=report_id)
