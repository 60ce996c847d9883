"""Public pages of the process: a stage, an update, the archive of updates."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Stage, StageUpdate
from ..panels import STAGE_PAGE


def stage_detail(request: HttpRequest, slug: str) -> HttpResponse:
    stage = get_object_or_404(Stage, slug=slug)
    stages = list(Stage.objects.all())
    index = next(i for i, s in enumerate(stages) if s.pk == stage.pk)
    updates = stage.updates.visible().latest_first().select_related("stage")
    return render(
        request,
        "stages/stage_detail.html",
        {
            "stage": stage,
            "updates": updates,
            "previous_stage": stages[index - 1] if index > 0 else None,
            "next_stage": stages[index + 1] if index + 1 < len(stages) else None,
            # What higher apps show of this stage (core.panels): the thematic reports, ...
            "panels": STAGE_PAGE.render(request, stage),
        },
    )


def update_detail(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(
        StageUpdate.objects.visible().select_related("stage", "author"), pk=pk
    )
    return render(request, "stages/update_detail.html", {"update": update})


UPDATES_PER_PAGE = 10


def update_list(request: HttpRequest) -> HttpResponse:
    """Every published update, the latest first, ten to a page (the home shows five)."""
    updates = StageUpdate.objects.visible().latest_first().select_related("stage")
    page = Paginator(updates, UPDATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "stages/update_list.html", {"page": page})
