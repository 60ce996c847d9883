"""Public pages of the adopted strategy: the strategy, a goal, a task, a district's tasks."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from stages.models import District
from stages.panels import GOAL_PAGE

from . import selectors
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
