"""The group workspace: overview, the area's opinions and thematic reports, and workshops.

Members of the group and the city staff who support the groups (moderators, editors) see
it; everyone else is sent to log in or refused. Objects are always looked up inside the
group of the address, so another group's workshop or report is a 404 even by direct URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.access import refuse_unless
from core.http import signed_in_user
from opinions.models import ThematicReport
from opinions.selectors import browse_published, report_figures
from stages.markdown import render_markdown

from ..forms.workspace import AreaOpinionFilterForm, WorkshopPlanForm, WorkshopRecordForm
from ..models import Verification, WorkingGroup, Workshop
from ..selectors import SEAT_ORDER
from ..services import workshops as workshop_services

VIEW_WORKSPACE = "workgroups.view_workspace"
MANAGE_WORKSHOPS = "workgroups.manage_workshops"


def _group(slug: str) -> WorkingGroup:
    return get_object_or_404(WorkingGroup.objects.select_related("area"), slug=slug)


def _reports(group: WorkingGroup) -> list[ThematicReport]:
    # Built versions only (published and drafts); the content can be large and stays unread.
    return list(
        ThematicReport.objects.built()
        .filter(area=group.area)
        .select_related("consultation")
        .defer("content")
        .order_by("-built_at", "-pk")
    )


def workspace(request: HttpRequest, slug: str) -> HttpResponseBase:
    group = _group(slug)
    if refusal := refuse_unless(request, VIEW_WORKSPACE, group):
        return refusal
    members = sorted(
        group.memberships.active().select_related("user"),
        key=lambda m: (SEAT_ORDER.index(m.seat) if m.seat in SEAT_ORDER else 99, m.pk),
    )
    decided = Verification.objects.exclude(outcome="").order_by("-decided_at", "-pk")
    recommendations_qs = group.recommendations.order_by("number").prefetch_related(
        Prefetch("verifications", queryset=decided.prefetch_related("verdicts"), to_attr="decided")
    )
    workshops = group.workshops.annotate(present=Count("attendees")).order_by("-starts_at")
    recommendations = list(recommendations_qs)
    return render(
        request,
        "workgroups/workspace/overview.html",
        {
            "group": group,
            "members": members,
            "reports": _reports(group),
            "workshops": list(workshops[:5]),
            "recommendations": recommendations,
            # The latest result of each recommendation that has one (prefetched above).
            "decided": [rec for rec in recommendations if rec.decided],  # type: ignore[attr-defined]
        },
    )


def workspace_opinions(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The published opinions of the group's area, with the public list's search and filters."""
    group = _group(slug)
    if refusal := refuse_unless(request, VIEW_WORKSPACE, group):
        return refusal
    form = AreaOpinionFilterForm(request.GET)
    form.is_valid()
    return render(
        request,
        "workgroups/workspace/opinions.html",
        {
            "group": group,
            "form": form,
            "is_filtered": form.is_filtered,
            **browse_published(
                form.cleaned_data, area=group.area, page_number=request.GET.get("page")
            ),
        },
    )


def workspace_report(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """A built report version of the group's area, published or not (members read drafts)."""
    group = _group(slug)
    if refusal := refuse_unless(request, VIEW_WORKSPACE, group):
        return refusal
    report = get_object_or_404(
        ThematicReport.objects.built().select_related("area", "consultation"),
        pk=pk,
        area=group.area,
    )
    return render(
        request,
        "workgroups/workspace/report.html",
        {
            "group": group,
            "report": report,
            "content": report.content,
            "figures": report_figures(report.content),
            "previous": None,
            "is_staff": False,
            # The public pages behind the numbers exist for published versions only.
            "linked": report.is_published,
        },
    )


# --- Workshops --------------------------------------------------------------------------------


def workshop_list(request: HttpRequest, slug: str) -> HttpResponseBase:
    group = _group(slug)
    if refusal := refuse_unless(request, VIEW_WORKSPACE, group):
        return refusal
    workshops = group.workshops.annotate(present=Count("attendees")).order_by("-starts_at", "-pk")
    return render(
        request,
        "workgroups/workspace/workshop_list.html",
        {"group": group, "workshops": list(workshops)},
    )


def workshop_create(request: HttpRequest, slug: str) -> HttpResponseBase:
    group = _group(slug)
    if refusal := refuse_unless(request, MANAGE_WORKSHOPS, group):
        return refusal
    form = WorkshopPlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = workshop_services.create_workshop(
                group=group, created_by=signed_in_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The workshop is planned."))
            return redirect("workgroups:workshop_detail", slug=group.slug, pk=workshop.pk)
    return render(
        request,
        "workgroups/workspace/workshop_form.html",
        {"group": group, "form": form, "workshop": None},
        status=400 if form.is_bound else 200,
    )


def _workshop(group: WorkingGroup, pk: int) -> Workshop:
    return get_object_or_404(Workshop.objects.select_related("group__area"), pk=pk, group=group)


def workshop_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    group = _group(slug)
    if refusal := refuse_unless(request, VIEW_WORKSPACE, group):
        return refusal
    workshop = _workshop(group, pk)
    return render(
        request,
        "workgroups/workspace/workshop_detail.html",
        {
            "group": group,
            "workshop": workshop,
            "agenda": render_markdown(workshop.agenda),
            "minutes": render_markdown(workshop.minutes),
            "attendees": list(workshop.attendees.select_related("user").order_by("pk")),
            "member_count": group.memberships.active().count(),
        },
    )


def workshop_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    group = _group(slug)
    if refusal := refuse_unless(request, MANAGE_WORKSHOPS, group):
        return refusal
    workshop = _workshop(group, pk)
    if request.method == "POST":
        form = WorkshopRecordForm(request.POST, group=group)
        if form.is_valid():
            try:
                workshop_services.update_workshop(workshop=workshop, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The workshop's record is saved."))
                return redirect("workgroups:workshop_detail", slug=group.slug, pk=workshop.pk)
    else:
        form = WorkshopRecordForm(
            group=group,
            initial={
                "title": workshop.title,
                "starts_at": workshop.starts_at,
                "place": workshop.place,
                "agenda": workshop.agenda,
                "minutes": workshop.minutes,
                "attendees": list(workshop.attendees.values_list("pk", flat=True)),
            },
        )
    return render(
        request,
        "workgroups/workspace/workshop_form.html",
        {"group": group, "form": form, "workshop": workshop},
        status=400 if form.is_bound else 200,
    )
