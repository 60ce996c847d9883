"""The stage page's "What this stage produced": links to the pages of its results, by the
stage's number (Lublin's nine stages; a process with other stages gets the same map by
number, and a stage with nothing in it shows no panel).

Registered on stages' STAGE_PAGE slot from the site package, which may link every app.
Costs no query: only addresses that exist are linked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stages.models import Stage

# Stage number -> (what, URL name) in the order shown. A stage's consultations (the
# recommendations' in IV, the draft's in VII) are linked by opinions' consultations panel.
RESULTS: dict[int, tuple[tuple[Promise, str], ...]] = {
    2: (
        (_("Residents' opinions"), "opinions:list"),
        (_("Thematic reports"), "opinions:report_list"),
        (_("The process in numbers"), "workgroups:numbers"),
    ),
    3: (
        (_("The working groups"), "workgroups:group_list"),
        (_("The groups' recommendations"), "workgroups:recommendation_list"),
    ),
    4: ((_("The verified recommendations"), "workgroups:recommendation_list"),),
    8: ((_("The adopted strategy"), "stages:strategy"),),
    9: (
        (_("The strategy: goals, indicators and tasks"), "stages:strategy"),
        (_("Monitoring reports"), "stages:strategy_reports"),
    ),
}


def stage_results_panel(request: HttpRequest, stage: Stage) -> dict[str, Any] | None:
    links = []
    for label, name in RESULTS.get(stage.number, ()):
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return {"links": links} if links else None
