"""The groups' summary report: its public pages and the editors' page that builds versions."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.access import permission_required

from ..models import SummaryReport
from ..summary import request_summary_report

if TYPE_CHECKING:
    from lublin2030.models import User

BUILD = "workgroups.publish_recommendation"


def summary_latest(request: HttpRequest) -> HttpResponse:
    report = SummaryReport.objects.filter(status=SummaryReport.Status.BUILT).first()
    return render(request, "workgroups/summary/detail.html", {"report": report})


def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(SummaryReport, pk=pk, status=SummaryReport.Status.BUILT)
    return render(request, "workgroups/summary/detail.html", {"report": report})


@permission_required(BUILD)
def summary_staff(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request_summary_report(actor=cast("User", request.user))
        messages.success(
            request, _("The summary is being built; this page shows when it is ready.")
        )
        return redirect("workgroups:summary_staff")
    reports = SummaryReport.objects.all()
    return render(request, "workgroups/summary/staff.html", {"reports": reports})
