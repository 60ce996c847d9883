"""The editors' page that links recommendations to a goal of the strategy and decides
whether each was adopted (workgroups.services.adoption)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import permission_required
from stages.models import Goal

from ..forms.strategy import LinkForm, NotAdoptedForm
from ..models import StrategyLink
from ..services.adoption import (
    NotDecidable,
    decide_adoption,
    link_recommendation,
    unlink_recommendation,
)
from ..strategy_links import goal_links

if TYPE_CHECKING:
    from lublin2030.models import User

LINK = "workgroups.link_recommendation"


def _editor(request: HttpRequest) -> User:
    return cast("User", request.user)


@permission_required(LINK)
def staff_goal_links(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal, code=code)
    form = LinkForm(request.POST or None, goal=goal)
    if request.method == "POST" and form.is_valid():
        recommendation = form.cleaned_data["recommendation"]
        try:
            link_recommendation(
                recommendation_id=recommendation.pk,
                actor=_editor(request),
                how=form.cleaned_data["how"],
                note=form.cleaned_data["note"],
                **form.target_kwargs(),  # type: ignore[arg-type]
            )
            if form.cleaned_data["adopt"]:
                decide_adoption(
                    recommendation_id=recommendation.pk, actor=_editor(request), adopted=True
                )
        except (ValidationError, NotDecidable) as error:
            form.add_error(None, _message(error))
        else:
            messages.success(request, _("The recommendation is linked to the goal."))
            return redirect("workgroups:staff_goal_links", code=goal.code)
    return _page(request, goal, form, NotAdoptedForm())


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("Only a verified recommendation can be linked to the strategy or decided.")


def _page(
    request: HttpRequest, goal: Goal, form: LinkForm, not_adopted: NotAdoptedForm
) -> HttpResponse:
    return render(
        request,
        "workgroups/strategy/goal_links.html",
        {"goal": goal, "form": form, "not_adopted_form": not_adopted, "links": goal_links(goal)},
    )


@require_POST
@permission_required(LINK)
def staff_unlink(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    goal = get_object_or_404(Goal, code=code)
    try:
        unlink_recommendation(link_id=pk, actor=_editor(request))
    except (ValidationError, NotDecidable) as error:
        messages.error(request, _message(error))
    except StrategyLink.DoesNotExist:
        messages.error(request, _("That link no longer exists."))
    else:
        messages.success(request, _("The link is removed."))
    return redirect("workgroups:staff_goal_links", code=goal.code)


@require_POST
@permission_required(LINK)
def staff_not_adopted(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal, code=code)
    form = NotAdoptedForm(request.POST)
    if form.is_valid():
        try:
            decide_adoption(
                recommendation_id=form.cleaned_data["recommendation"].pk,
                actor=_editor(request),
                adopted=False,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, NotDecidable) as error:
            form.add_error(None, _message(error))
        else:
            messages.success(request, _("The recommendation is marked not adopted."))
            return redirect("workgroups:staff_goal_links", code=goal.code)
    return _page(request, goal, LinkForm(goal=goal), form)
