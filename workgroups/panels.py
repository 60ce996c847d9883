"""The panels the working groups contribute to lower apps' pages (core.panels)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from core.panels import Panel
from opinions.models import Opinion
from stages.models import Goal

from .strategy_links import QUOTE_CHARS, goal_links, goal_origin
from .trace import public_trace, trace


def tracking_panel(request: HttpRequest, opinion: Opinion) -> Mapping[str, Any] | None:
    # Before publication the page's status section says all there is to say.
    if opinion.status != Opinion.Status.PUBLISHED:
        return None
    return {"steps": trace(opinion)}


def public_opinion_panel(request: HttpRequest, opinion: Opinion) -> Mapping[str, Any] | None:
    """The public page of a published opinion: where it was included and who cites it."""
    return {"steps": public_trace(opinion)}


def goal_origin_panel(request: HttpRequest, goal: Goal) -> Mapping[str, Any] | None:
    return {
        "origin": goal_origin(goal),
        "quote_chars": QUOTE_CHARS,
        "goal_pk": goal.pk,
        "goal_code": goal.code,
    }


def staff_goal_panel(request: HttpRequest, goal: Goal) -> Mapping[str, Any] | None:
    return {"links": goal_links(goal), "goal_code": goal.code}


def register_panels() -> None:
    """Called from WorkgroupsConfig.ready()."""
    from opinions.panels import OPINION_PAGE, TRACKING_PAGE
    from stages.panels import GOAL_PAGE, STAFF_GOAL_PAGE

    GOAL_PAGE.register(
        Panel(
            "origin",
            "workgroups/partials/goal_origin.html",
            context=goal_origin_panel,
            order=10,
        )
    )

    STAFF_GOAL_PAGE.register(
        Panel(
            "recommendations",
            "workgroups/partials/goal_links_staff.html",
            context=staff_goal_panel,
            order=10,
        )
    )
    TRACKING_PAGE.register(
        Panel("trace", "workgroups/partials/trace.html", context=tracking_panel, order=10)
    )
    OPINION_PAGE.register(
        Panel(
            "public trace",
            "workgroups/partials/public_trace.html",
            context=public_opinion_panel,
            order=10,
        )
    )
