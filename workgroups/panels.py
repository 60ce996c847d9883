"""The panels the working groups contribute to lower apps' pages (core.panels)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from core.panels import Panel
from opinions.models import Opinion

from .trace import public_trace, trace


def tracking_panel(request: HttpRequest, opinion: Opinion) -> Mapping[str, Any] | None:
    # Before publication the page's status section says all there is to say.
    if opinion.status != Opinion.Status.PUBLISHED:
        return None
    return {"steps": trace(opinion)}


def public_opinion_panel(request: HttpRequest, opinion: Opinion) -> Mapping[str, Any] | None:
    """The public page of a published opinion: where it was included and who cites it."""
    return {"steps": public_trace(opinion)}


def register_panels() -> None:
    """Called from WorkgroupsConfig.ready()."""
    from opinions.panels import OPINION_PAGE, TRACKING_PAGE

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
