"""Public pages of the adopted strategy: the strategy, a goal, a task, a district's tasks."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from stages.models import District
from stages.panels import GOAL_PAGE

from . import selectors
from .models import MonitoringReport
from .progress import STATUS_LABELS, Status


def strategy_detail(request: HttpRequest) -> HttpResponse:
    strategy = selectors.current_strategy()
    context = {
        "strategy": strategy,
        "areas": selectors.strategy_overview(strategy) if strategy else [],
        "districts": selectors.district_task_counts(),
        "adopted": bool(strategy and strategy.is_adopted(timezone.localdate())),
        "status_labels": STATUS_LABELS,
    }
    return render(request, "stages/strategy/strategy.html", context)


def goal_detail(request: HttpRequest, code: str) -> HttpResponse:
    page = selectors.goal_page(code)
    if page is None:
        raise Http404
    strategy = page.goal.area.strategy
    return render(
        request,
        "stages/strategy/goal.html",
        {
            "page": page,
            "goal": page.goal,
            "strategy": strategy,
            "adopted": strategy.is_adopted(timezone.localdate()),
            "statuses": Status,
            # What the working groups made of it (workgroups registers the panel).
            "panels": GOAL_PAGE.render(request, page.goal),
        },
    )


def task_detail(request: HttpRequest, code: str) -> HttpResponse:
    task = selectors.task_page(code)
    if task is None:
        raise Http404
    return render(request, "stages/strategy/task.html", {"task": task})


def district_detail(request: HttpRequest, slug: str) -> HttpResponse:
    district = get_object_or_404(District, slug=slug)
    tasks = selectors.district_tasks(district)
    return render(request, "stages/strategy/district.html", {"district": district, "tasks": tasks})


def report_list(request: HttpRequest) -> HttpResponse:
    """The built monitoring reports, newest year first (the latest version of each year)."""
    reports = MonitoringReport.objects.filter(status=MonitoringReport.Status.BUILT).order_by(
        "-year", "-version"
    )
    latest: dict[int, MonitoringReport] = {}
    for report in reports.only("pk", "year", "version", "built_at", "pdf", "xlsx"):
        latest.setdefault(report.year, report)
    return render(request, "stages/strategy/reports.html", {"reports": list(latest.values())})


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        MonitoringReport.objects.select_related("strategy"),
        pk=pk,
        status=MonitoringReport.Status.BUILT,
    )
    return render(request, "stages/strategy/report.html", {"report": report})
