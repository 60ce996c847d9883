"""The whole in numbers (workgroups.numbers) and the opinions behind each number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from opinions.selectors import Order, opinion_results
from stages.models import District, ThematicArea

from .. import numbers as figures

STEP_TITLES = {
    "published": lambda: _("Published opinions"),
    "reported": lambda: _("Opinions in published thematic reports"),
    "cited": lambda: _("Opinions cited by published recommendations"),
    "adopted": lambda: _("Opinions behind recommendations adopted into the strategy"),
}


@dataclass(frozen=True)
class Cell:
    count: int
    url: str


def _table(rows: list[figures.Row], param: str) -> list[tuple[str, list[Cell]]]:
    """Each row's counts with the address of the opinions each counts."""
    urls = {step: reverse("workgroups:numbers_step", args=[step]) for step in figures.STEPS}
    return [
        (
            row.label,
            [
                Cell(count, f"{urls[step]}?{urlencode({param: row.slug})}")
                for step, count in zip(figures.STEPS, row.counts, strict=True)
            ],
        )
        for row in rows
    ]


def numbers_page(request: HttpRequest) -> HttpResponse:
    data = figures.numbers()
    titles = [STEP_TITLES[step]() for step in figures.STEPS]
    summary = [
        (title, Cell(total, reverse("workgroups:numbers_step", args=[step])))
        for step, title, total in zip(figures.STEPS, titles, data.totals, strict=True)
    ]
    return render(
        request,
        "workgroups/numbers.html",
        {
            "titles": titles,
            "summary": summary,
            "by_area": _table(data.by_area, "area"),
            "by_district": _table(data.by_district, "district"),
        },
    )


def chosen(model: type[ThematicArea] | type[District], slug: str) -> Any:
    """The area or district a link names; an unknown one is a 404, never the whole list."""
    if not slug:
        return None
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise Http404("no such area or district")
    return found


def step_list(request: HttpRequest, step: str) -> HttpResponse:
    if step not in figures.STEPS:
        raise Http404("no such step")
    opinions = figures.step_opinions(step)
    area = chosen(ThematicArea, request.GET.get("area", ""))
    district = chosen(District, request.GET.get("district", ""))
    if area is not None:
        opinions = opinions.filter(area=area)
    if district is not None:
        opinions = opinions.filter(district=district)
    results = opinion_results(
        opinions, query="", sort=Order.NEWEST, page_number=request.GET.get("page")
    )
    return render(
        request,
        "workgroups/numbers_list.html",
        {
            **results,
            "step": step,
            "title": STEP_TITLES[step](),
            "area": area,
            "district": district,
            "is_filtered": True,
        },
    )
