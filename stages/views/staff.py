"""Staff pages: stage updates (editors) and the stages' pinned status."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import permission_required
from core.confirm import confirmation_page, confirmed
from core.http import signed_in_user

from ..forms import ScheduleForm, StageStatusForm, StageUpdateForm
from ..models import Stage, StageUpdate
from ..services import stage_status, updates

MANAGE_UPDATES = "stages.manage_updates"
MANAGE_STAGES = "stages.manage_stages"


# --- Staff pages: stage updates -------------------------------------------------------------


@permission_required(MANAGE_UPDATES)
def staff_update_list(request: HttpRequest) -> HttpResponse:
    updates = StageUpdate.objects.select_related("stage", "author").order_by("-updated_at", "-pk")
    return render(
        request, "stages/staff/update_list.html", {"updates": updates, "now": timezone.now()}
    )


@permission_required(MANAGE_UPDATES)
def staff_update_create(request: HttpRequest) -> HttpResponse:
    form = StageUpdateForm(request.POST or None, initial=_initial_stage())
    if request.method == "POST" and form.is_valid():
        update = updates.create_update(
            author=request.user,  # type: ignore[arg-type]
            stage=form.cleaned_data["stage"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Draft saved. Check it and publish or schedule it."))
        return redirect("stages:staff_update_preview", pk=update.pk)
    return render(request, "stages/staff/update_form.html", {"form": form, "update": None})


@permission_required(MANAGE_UPDATES)
def staff_update_edit(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(StageUpdate, pk=pk)
    form = StageUpdateForm(request.POST or None, instance=update)
    if request.method == "POST" and form.is_valid():
        updates.edit_update(
            update=update,
            stage=form.cleaned_data["stage"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Changes saved."))
        return redirect("stages:staff_update_preview", pk=update.pk)
    return render(request, "stages/staff/update_form.html", {"form": form, "update": update})


@permission_required(MANAGE_UPDATES)
def staff_update_preview(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(StageUpdate.objects.select_related("stage", "author"), pk=pk)
    schedule_form = ScheduleForm(
        initial={"publish_at": timezone.localtime(update.publish_at) if update.publish_at else None}
    )
    return _render_preview(request, update, schedule_form)


def _render_preview(
    request: HttpRequest, update: StageUpdate, schedule_form: ScheduleForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "stages/staff/update_preview.html",
        {"update": update, "schedule_form": schedule_form, "is_visible": update.is_visible()},
        status=status,
    )


@require_POST
@permission_required(MANAGE_UPDATES)
def staff_update_publish(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(StageUpdate, pk=pk)
    updates.publish_update(update=update)
    messages.success(request, _("Published. The update is on the public pages now."))
    return redirect("stages:staff_update_preview", pk=update.pk)


@require_POST
@permission_required(MANAGE_UPDATES)
def staff_update_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(StageUpdate.objects.select_related("stage", "author"), pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _render_preview(request, update, form, status=400)
    publish_at = form.cleaned_data["publish_at"]
    if publish_at <= timezone.now() and not confirmed(request):
        return _confirm_publishing_now(request, update, publish_at)
    updates.schedule_update(update=update, publish_at=publish_at)
    if update.status == StageUpdate.Status.PUBLISHED:
        messages.success(request, _("That time has already passed, so it is published now."))
    else:
        when = formats.date_format(timezone.localtime(update.publish_at), "DATETIME_FORMAT")
        messages.success(request, _("Scheduled. It will appear on %(when)s.") % {"when": when})
    return redirect("stages:staff_update_preview", pk=update.pk)


def _confirm_publishing_now(
    request: HttpRequest, update: StageUpdate, publish_at: dt.datetime
) -> HttpResponse:
    """A time already past publishes at once: say so before doing it."""
    when = formats.date_format(timezone.localtime(publish_at), "DATETIME_FORMAT")
    return confirmation_page(
        request,
        title=_("Publish “%(title)s” now?") % {"title": update.title},
        consequences=[
            _("The time you chose, %(when)s, has already passed.") % {"when": when},
            _(
                "The update will be published at once: on the stage page, the home page and in "
                "the updates feed, dated %(when)s."
            )
            % {"when": when},
        ],
        action=reverse("stages:staff_update_schedule", args=[update.pk]),
        hidden=[("publish_at", timezone.localtime(publish_at).strftime("%Y-%m-%dT%H:%M"))],
        button=_("Publish now"),
        cancel_url=reverse("stages:staff_update_preview", args=[update.pk]),
    )


@require_POST
@permission_required(MANAGE_UPDATES)
def staff_update_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(StageUpdate, pk=pk)
    updates.unpublish_update(update=update)
    messages.success(request, _("Taken off the public pages; it is a draft again."))
    return redirect("stages:staff_update_preview", pk=update.pk)


def _initial_stage() -> dict[str, Stage]:
    current = Stage.objects.current()
    return {"stage": current} if current else {}


# --- Staff pages: stage status --------------------------------------------------------------


@permission_required(MANAGE_STAGES)
def staff_stage_list(request: HttpRequest) -> HttpResponse:
    stages = Stage.objects.all()
    rows = [
        (
            stage,
            StageStatusForm(initial={"pinned_status": stage.pinned_status}, prefix=str(stage.pk)),
        )
        for stage in stages
    ]
    return render(request, "stages/staff/stage_list.html", {"rows": rows})


@require_POST
@permission_required(MANAGE_STAGES)
def staff_stage_pin(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=pk)
    form = StageStatusForm(request.POST, prefix=str(stage.pk))
    if form.is_valid():
        stage_status.pin_stage_status(
            stage=stage, status=form.cleaned_data["pinned_status"], actor=signed_in_user(request)
        )
        messages.success(
            request,
            _("Stage %(roman)s: status is now “%(status)s”.")
            % {"roman": stage.roman, "status": stage.status_label},
        )
    else:
        messages.error(request, _("Choose one of the listed statuses."))
    return HttpResponseRedirect(reverse("stages:staff_stage_list"))
