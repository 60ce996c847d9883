"""The walk back from a goal of the strategy to the residents' opinions behind it (public):
the opinions cited by the published recommendations linked to the goal, counted by area and
by district, each count a link that filters the list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from opinions.selectors import Order, opinion_results
from stages.models import District, Goal, ThematicArea

from ..strategy_links import (
    Tally,
    goal_opinion_counts,
    opinions_behind,
    recommendations_behind,
)
from .numbers import chosen


def _picked(
    tallies: list[Tally], model: type[ThematicArea] | type[District], slug: str
) -> Tally | None:
    """The area or district a count's link names, from the counts (no query); one with no
    opinion behind the goal is looked up, and an unknown one is a 404."""
    if not slug:
        return None
    for tally in tallies:
        if tally.slug == slug:
            return tally
    found = chosen(model, slug)
    label = found.localized_name if isinstance(found, ThematicArea) else found.name
    return Tally(found.pk, found.slug, label, 0)


def goal_opinions(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.select_related("parent"), code=code)  # 1 query
    recommendation_ids = recommendations_behind(goal)  # 1 query
    opinions = opinions_behind(recommendation_ids)
    counts = goal_opinion_counts(goal, recommendation_ids, opinions)  # 1 query, or the cache
    area = _picked(counts.areas, ThematicArea, request.GET.get("area", ""))
    district = _picked(counts.districts, District, request.GET.get("district", ""))
    listed = opinions
    if area is not None:
        listed = listed.filter(area_id=area.pk)
    if district is not None:
        listed = listed.filter(district_id=district.pk)
    results = opinion_results(
        listed,
        query="",
        sort=Order.NEWEST,
        page_number=request.GET.get("page"),
        count=counts.count(
            area=area.slug if area else "", district=district.slug if district else ""
        ),
    )  # 2 queries: the page's ids, then its rows (none for an empty page)
    return render(
        request,
        "workgroups/goal_opinions.html",
        {
            **results,
            "goal": goal,
            "counts": counts,
            "area": area,
            "district": district,
            "is_filtered": True,
        },
    )
