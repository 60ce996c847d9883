"""The consultation report's pages: the staff page that builds and publishes its versions,
and the public page of the latest published version with its PDF and XLSX.

A published version is public; any other version is seen only by staff, and is a 404 for
everyone else. The staff page polls a running build's progress with htmx, and without
JavaScript offers a refresh link instead (as the thematic reports' page does).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import permission_required
from core.http import HtmxHttpRequest, signed_in_user
from opinions.answers.models import (
    ConsultationReport,
    ConsultationReportPage,
    ConsultationReportQuerySet,
)
from opinions.answers.report import building
from opinions.answers.report.content import COMMENTS_PER_PAGE, unanswered_count
from opinions.answers.report.display import report_figures
from stages.models import Consultation

VIEW_STAFF_PAGES = "opinions.view_staff_pages"
BUILD = "opinions.build_consultation_report"
PUBLISH = "opinions.publish_consultation_report"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _versions(consultation: Consultation) -> ConsultationReportQuerySet:
    # Lists never show the content, which can be large; only how many comments its build
    # found unanswered (a key of the JSON) is read.
    return (
        ConsultationReport.objects.filter(consultation=consultation)
        .select_related("requested_by", "published_by")
        .defer("content")
        .annotate(built_unanswered=Cast(KT("content__unanswered_count"), IntegerField()))
    )


def _staff_url(consultation: Consultation, version: int | None = None) -> str:
    url = reverse("opinions:consultation_report_staff", args=[consultation.slug])
    return f"{url}#version-{version}" if version else url


def _days_left(consultation: Consultation) -> int:
    """Whole days until the report is due, rounded up (negative: overdue)."""
    seconds = (consultation.report_due_at - timezone.now()).total_seconds()
    return math.ceil(seconds / 86400)


# --- Staff page -----------------------------------------------------------------------------


@permission_required(VIEW_STAFF_PAGES)
def consultation_report_staff(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    versions = list(_versions(consultation).order_by("-version"))
    days_left = _days_left(consultation)
    return render(
        request,
        "opinions/answers/report/staff.html",
        {
            "consultation": consultation,
            "versions": versions,
            "unanswered": unanswered_count(consultation),
            "days_left": days_left,
            "overdue_days": -days_left,
            "closed": consultation.closes_at <= timezone.now(),
            "running": any(report.status in building.RUNNING for report in versions),
            "can_build": request.user.has_perm(BUILD),
            "can_publish": request.user.has_perm(PUBLISH),
        },
    )


@require_POST
@permission_required(BUILD)
def consultation_report_build(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    try:
        report = building.request_report(
            consultation=consultation, requested_by=signed_in_user(request)
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(_staff_url(consultation))
    messages.success(
        request, _("Building version %(version)s of the report.") % {"version": report.version}
    )
    return redirect(_staff_url(consultation, report.version))


@vary_on_headers("HX-Request")
@permission_required(VIEW_STAFF_PAGES)
def consultation_report_progress(request: HtmxHttpRequest, slug: str, version: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    report = get_object_or_404(_versions(consultation), version=version)
    if not request.htmx:
        return redirect(_staff_url(consultation, version))
    # The row as it is now: while the build runs it keeps polling, once done it does not.
    return render(
        request,
        "opinions/answers/report/staff.html#version_row",
        {
            "consultation": consultation,
            "report": report,
            # Counted once the version is built (whether to offer publishing), not every poll.
            "unanswered": (
                unanswered_count(consultation)
                if report.status == ConsultationReport.Status.BUILT
                else 0
            ),
            "can_build": request.user.has_perm(BUILD),
            "can_publish": request.user.has_perm(PUBLISH),
        },
    )


Action = Callable[[ConsultationReport, HttpRequest], object]


@require_POST
@permission_required(BUILD)
def consultation_report_retry(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """Build a failed version again (or one whose task never reached the queue)."""
    return _act(
        request,
        slug,
        version,
        lambda report, request: building.retry_report(report=report),
        gettext_noop("Building version %(version)s again."),
    )


@require_POST
@permission_required(PUBLISH)
def consultation_report_publish(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """Publish a built version; refused (with how many) while any comment is unanswered."""
    return _act(
        request,
        slug,
        version,
        lambda report, request: building.publish_report(
            report=report, editor=signed_in_user(request)
        ),
        gettext_noop("Version %(version)s of the report is public now."),
    )


def _act(request: HttpRequest, slug: str, version: int, perform: Action, done: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    report = get_object_or_404(
        ConsultationReport.objects.select_related("consultation"),
        consultation=consultation,
        version=version,
    )
    try:
        perform(report, request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _(done) % {"version": report.version})
    return redirect(_staff_url(consultation, version))


# --- Public pages ---------------------------------------------------------------------------


def _can_see_unpublished(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_STAFF_PAGES)


def consultation_report(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest published version (the report as it stands), and the older ones."""
    consultation = get_object_or_404(Consultation, slug=slug)
    published = list(
        _versions(consultation)
        .published()
        .filter(status=ConsultationReport.Status.BUILT)
        .order_by("-version")
    )
    report = None
    if published:
        report = ConsultationReport.objects.get(pk=published[0].pk)
        report.consultation = consultation
    return _render_version(request, consultation, report, published)


def consultation_report_version(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    report = _visible(request, consultation, version)
    published = list(
        _versions(consultation)
        .published()
        .filter(status=ConsultationReport.Status.BUILT)
        .order_by("-version")
    )
    return _render_version(request, consultation, report, published)


def _render_version(
    request: HttpRequest,
    consultation: Consultation,
    report: ConsultationReport | None,
    published: list[ConsultationReport],
) -> HttpResponse:
    content = report.content if report is not None else {}
    # Only the page shown is read: a version stores its comments by page (a report on
    # 20,000 comments is some 14 MB of them).
    per_page = content.get("comments_per_page") or COMMENTS_PER_PAGE
    count = report.comment_count if report is not None else 0
    page = Paginator(range(count), per_page).get_page(request.GET.get("page"))
    groups: list[dict[str, Any]] = []
    if report is not None and count:
        groups = (
            ConsultationReportPage.objects.filter(report=report, number=page.number)
            .values_list("groups", flat=True)
            .first()
        ) or []
    return render(
        request,
        "opinions/answers/report/public.html",
        {
            "consultation": consultation,
            "report": report,
            "content": content,
            "page": page,
            "groups": groups,
            # The summary and the figures open the report; later pages list comments only.
            "show_summary": page.number == 1,
            "figures": report_figures(content) if content and page.number == 1 else [],
            "others": [other for other in published if report is None or other.pk != report.pk],
            "is_latest": bool(published) and report is not None and published[0].pk == report.pk,
            "is_staff": _can_see_unpublished(request),
        },
    )


def _visible(
    request: HttpRequest, consultation: Consultation, version: int, *, with_content: bool = True
) -> ConsultationReport:
    """A built version this person may see (published, or any for staff); 404 otherwise."""
    reports = ConsultationReport.objects.select_related("published_by")
    report = get_object_or_404(
        reports if with_content else reports.defer("content"),
        consultation=consultation,
        version=version,
        status=ConsultationReport.Status.BUILT,
    )
    report.consultation = consultation
    if report.is_published or _can_see_unpublished(request):
        return report
    raise Http404("report not published")


def _latest_published(consultation: Consultation) -> ConsultationReport:
    report = (
        ConsultationReport.objects.published()
        .filter(consultation=consultation, status=ConsultationReport.Status.BUILT)
        .defer("content")
        .order_by("-version")
        .first()
    )
    if report is None:
        raise Http404("no published report")
    return report


def _file_response(report: ConsultationReport, kind: str) -> FileResponse:
    name = f"raport-z-konsultacji-{report.consultation.slug}-v{report.version}.{kind}"
    if kind == "pdf":
        return FileResponse(report.pdf.open("rb"), content_type="application/pdf", filename=name)
    return FileResponse(
        report.xlsx.open("rb"), as_attachment=True, content_type=XLSX_TYPE, filename=name
    )


def consultation_report_file(
    request: HttpRequest, slug: str, kind: str, version: int | None = None
) -> FileResponse:
    """The PDF or XLSX of the latest published version, or of one version."""
    consultation = get_object_or_404(Consultation, slug=slug)
    if version is None:
        report = _latest_published(consultation)
        report.consultation = consultation
    else:
        report = _visible(request, consultation, version, with_content=False)
    return _file_response(report, kind)
