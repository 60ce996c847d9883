"""Staff pages for the process' set-up: stages (editors), thematic areas and districts
(administrators). List, add, edit; every save is logged (services/setup.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.access import permission_required
from core.collation import polish_sort_key
from core.http import signed_in_user

from ..forms import AreaForm, DistrictForm, StageForm
from ..models import District, Stage, ThematicArea
from ..services.setup import save_setup_item

MANAGE_STAGES = "stages.manage_stages"
CONFIGURE = "stages.configure_process"


def _edit(
    request: HttpRequest,
    form: ModelForm[Any],
    *,
    heading: str,
    saved: str,
    back: str,
    back_label: str,
) -> HttpResponse:
    """The add or edit page of one item: the form, or the save and back to the list."""
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        # The log keeps the fields' names untranslated (the message ids): the Django admin
        # shows them in the language of whoever reads the log.
        with translation.override(None):
            changed = [str(item._meta.get_field(name).verbose_name) for name in form.changed_data]
        save_setup_item(actor=signed_in_user(request), item=item, changed=changed)
        messages.success(request, saved % {"name": item})
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "heading": heading, "back": back, "back_label": back_label}
    return render(request, "stages/staff/setup_form.html", context, status=status)


def _instance(model: type[models.Model], pk: int | None) -> Any:
    return get_object_or_404(model, pk=pk) if pk is not None else None


# --- Stages ------------------------------------------------------------------------------


@never_cache
@permission_required(MANAGE_STAGES)
def stage_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    stage = _instance(Stage, pk)
    form = StageForm(request.POST or None, instance=stage)
    return _edit(
        request,
        form,
        heading=_("Edit stage %(roman)s") % {"roman": stage.roman} if stage else _("New stage"),
        saved=_("Stage “%(name)s” saved."),
        back="stages:staff_stage_list",
        back_label=_("Stages"),
    )


# --- Thematic areas ------------------------------------------------------------------------


@never_cache
@permission_required(CONFIGURE)
def area_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "stages/staff/area_list.html", {"areas": ThematicArea.objects.order_by("number")}
    )


@never_cache
@permission_required(CONFIGURE)
def area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    area = _instance(ThematicArea, pk)
    form = AreaForm(request.POST or None, instance=area)
    return _edit(
        request,
        form,
        heading=_("Edit area “%(name)s”") % {"name": area} if area else _("New thematic area"),
        saved=_("Area “%(name)s” saved."),
        back="stages:staff_area_list",
        back_label=_("Thematic areas"),
    )


# --- Districts -----------------------------------------------------------------------------


@never_cache
@permission_required(CONFIGURE)
def district_list(request: HttpRequest) -> HttpResponse:
    districts = sorted(District.objects.all(), key=lambda district: polish_sort_key(district.name))
    return render(request, "stages/staff/district_list.html", {"districts": districts})


@never_cache
@permission_required(CONFIGURE)
def district_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    district = _instance(District, pk)
    form = DistrictForm(request.POST or None, instance=district)
    return _edit(
        request,
        form,
        heading=_("Edit district “%(name)s”") % {"name": district}
        if district
        else _("New district"),
        saved=_("District “%(name)s” saved."),
        back="stages:staff_district_list",
        back_label=_("Districts"),
    )
