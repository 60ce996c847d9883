"""Thematic reports: the staff page that builds and publishes them, and the report pages.

A published version is public; any other version (unpublished, queued, building, failed) is
seen only by staff, and is a 404 for everyone else (as a draft stage update is). The build
runs in Celery (opinions/reports.py); the staff page polls each running version's progress
with htmx, and without JavaScript offers a refresh link instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import permission_required
from core.http import HtmxHttpRequest, safe_next_url, signed_in_user
from opinions.analysis.text import highlighted_excerpt
from opinions.forms.reports import ReportEditForm
from opinions.models import ThematicReport, ThematicReportQuerySet
from opinions.reports import building as builder
from opinions.reports import editing
from opinions.reports.charts import report_figures
from opinions.reports.files import render_report_files
from opinions.reports.terms import written_form
from stages.models import Consultation, ThematicArea

VIEW_STAFF_PAGES = "opinions.view_staff_pages"
# Building and publishing reports: a model permission, which migration 0007 gives Editors.
BUILD_REPORTS = "opinions.build_reports"
OPINIONS_PER_PAGE = 20
RUNNING = (ThematicReport.Status.QUEUED, ThematicReport.Status.BUILDING)
TERM_MAX_LENGTH = 200


def _reports_for_lists() -> ThematicReportQuerySet:
    # Lists never show the content, which can be large: it is left in the database.
    return ThematicReport.objects.select_related(
        "area", "consultation", "requested_by", "published_by", "edited_by"
    ).defer("content")


def _can_see_unpublished(request: HttpRequest) -> bool:
    # Later also the members of the area's working group (workgroups is not built yet).
    return request.user.has_perm(VIEW_STAFF_PAGES)


def _visible_report(request: HttpRequest, pk: int) -> ThematicReport:
    """The report if this person may see it; a 404 otherwise (no hint that it exists)."""
    report = get_object_or_404(
        ThematicReport.objects.select_related(
            "area", "consultation", "requested_by", "published_by", "edited_by"
        ),
        pk=pk,
    )
    if report.is_published and report.status == ThematicReport.Status.BUILT:
        return report
    if _can_see_unpublished(request):
        return report
    raise Http404("report not published")


# --- Staff page -----------------------------------------------------------------------------


class BuildForm(forms.Form):
    """What to build: every area or one, over one consultation or all of them."""

    consultation = forms.ModelChoiceField(
        label=gettext_lazy("Opinions of"),
        queryset=Consultation.objects.order_by("opens_at", "pk"),
        required=False,
        empty_label=gettext_lazy("all consultations"),
        help_text=gettext_lazy("Only the published opinions count, up to the moment you start."),
    )
    area = forms.ModelChoiceField(
        queryset=ThematicArea.objects.all(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": gettext_lazy("There is no such thematic area.")},
    )


@permission_required(VIEW_STAFF_PAGES)
def report_staff(request: HttpRequest) -> HttpResponse:
    return _render_staff(request, BuildForm())


def _render_staff(request: HttpRequest, form: BuildForm, status: int = 200) -> HttpResponse:
    areas = list(ThematicArea.objects.all())
    by_area: dict[int, list[ThematicReport]] = {area.pk: [] for area in areas}
    for report in _reports_for_lists().order_by("area__number", "-requested_at", "-pk"):
        by_area.setdefault(report.area_id, []).append(report)
    return render(
        request,
        "opinions/reports/staff.html",
        {
            "form": form,
            "areas": [(area, by_area[area.pk]) for area in areas],
            "can_build": request.user.has_perm(BUILD_REPORTS),
            "running_count": sum(
                report.status in RUNNING for reports in by_area.values() for report in reports
            ),
        },
        status=status,
    )


@require_POST
@permission_required(BUILD_REPORTS)
def report_build(request: HttpRequest) -> HttpResponse:
    form = BuildForm(request.POST)
    if not form.is_valid():
        return _render_staff(request, form, status=400)
    area = form.cleaned_data["area"]
    started = builder.start_reports(
        areas=[area] if area else None,
        consultation=form.cleaned_data["consultation"],
        requested_by=signed_in_user(request),
    )
    if area:
        messages.success(
            request,
            _("Building a new version of the report on “%(area)s”.")
            % {"area": area.localized_name},
        )
    else:
        messages.success(
            request,
            _("Building a new version of the report on each of the %(count)d areas.")
            % {"count": len(started)},
        )
    return redirect("opinions:report_staff")


@vary_on_headers("HX-Request")
@permission_required(VIEW_STAFF_PAGES)
def report_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(_reports_for_lists(), pk=pk)
    if not request.htmx:
        return redirect(f"{reverse('opinions:report_staff')}#report-{report.pk}")
    # The row as it is now: while the report runs it keeps polling, once done it does not.
    row = render_to_string(
        "opinions/reports/staff.html#report_row",
        {"report": report, "can_build": request.user.has_perm(BUILD_REPORTS)},
        request=request,
    )
    if report.status in RUNNING:
        return HttpResponse(row)
    # Done: the page's "N reports are being built" is told the new count with the row
    # (out of band), instead of staying until a reload.
    running = render_to_string(
        "opinions/reports/staff.html#reports_running",
        {
            "running_count": ThematicReport.objects.filter(status__in=RUNNING).count(),
            "out_of_band": True,
        },
        request=request,
    )
    return HttpResponse(row + running)


# The staff's actions on one version: the service each calls, and what it says once done.
REPORT_ACTIONS: dict[str, tuple[Callable[[ThematicReport, HttpRequest], object], str]] = {
    "retry": (
        lambda report, request: builder.retry_report(report=report),
        gettext_noop("Building version %(version)s of “%(area)s” again."),
    ),
    "publish": (
        lambda report, request: builder.publish_report(
            report=report, editor=signed_in_user(request)
        ),
        gettext_noop("Version %(version)s of “%(area)s” is public now."),
    ),
    "unpublish": (
        lambda report, request: builder.unpublish_report(report=report),
        gettext_noop("Version %(version)s of “%(area)s” is no longer public."),
    ),
}


@require_POST
@permission_required(BUILD_REPORTS)
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Build a failed version again, publish or unpublish one; back to where the button was."""
    perform, done = REPORT_ACTIONS[action]
    report = get_object_or_404(ThematicReport.objects.select_related("area"), pk=pk)
    try:
        perform(report, request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _(done) % {"version": report.version, "area": report.area.localized_name},
        )
    # Back to the page the form was on (the report itself or the staff page).
    return redirect(
        safe_next_url(request, f"{reverse('opinions:report_staff')}#report-{report.pk}")
    )


@permission_required(BUILD_REPORTS)
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename an unpublished version's sub-themes and write the analyst's summary: saving
    makes a new version (opinions/reports/editing.py); the edited one stays as it was."""
    report = get_object_or_404(
        ThematicReport.objects.select_related("area", "consultation", "edited_by"), pk=pk
    )
    try:
        editing.check_editable(report)
    except ValidationError as refusal:
        return _render_edit(request, report, None, refusal=refusal.messages[0], status=409)
    if request.method != "POST":
        initial = ReportEditForm.initial_for(report, expected_latest=editing.latest_version(report))
        return _render_edit(request, report, ReportEditForm(initial=initial, report=report))
    form = ReportEditForm(request.POST, report=report)
    if not form.is_valid():
        return _render_edit(request, report, form, status=400)
    try:
        edited = editing.edit_report(
            report=report,
            editor=signed_in_user(request),
            edits=form.edits(),
            expected_latest=form.cleaned_data["expected_latest"],
        )
    except editing.StaleReport as stale:
        # Everything typed is kept; saving again knowingly makes a version after theirs.
        data = request.POST.copy()
        data["expected_latest"] = str(stale.latest.version)
        form = ReportEditForm(data, report=report)
        form.is_valid()
        return _render_edit(request, report, form, conflict=stale.latest, status=409)
    except ValidationError as invalid:
        form.add_error(None, invalid)
        return _render_edit(request, report, form, status=400)
    messages.success(
        request,
        _(
            "Saved as version %(version)s of “%(area)s”; version %(source)s stays as it was. "
            "Its PDF and XLSX are being made again."
        )
        % {"version": edited.version, "area": report.area.localized_name, "source": report.version},
    )
    return redirect(edited.get_absolute_url())


def _render_edit(
    request: HttpRequest,
    report: ThematicReport,
    form: ReportEditForm | None,
    *,
    refusal: str = "",
    conflict: ThematicReport | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "opinions/reports/edit.html",
        {
            "report": report,
            "form": form,
            "refusal": refusal,
            "conflict": conflict,
            "summary": editing.analyst_summary(report),
        },
        status=status,
    )


# --- Public pages ---------------------------------------------------------------------------


def report_list(request: HttpRequest) -> HttpResponse:
    """The latest published version of each area's report (per scope of consultations)."""
    latest: dict[tuple[int, int | None], ThematicReport] = {}
    published = _reports_for_lists().published()
    for report in published.order_by("area__number", "consultation_id", "-version"):
        latest.setdefault((report.area_id, report.consultation_id), report)
    return render(request, "opinions/reports/list.html", {"reports": list(latest.values())})


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    content = report.content if report.status == ThematicReport.Status.BUILT else {}
    previous = builder.previous_version(report) if content else None
    if previous is not None and not (previous.is_published or _can_see_unpublished(request)):
        previous = None
    return render(
        request,
        "opinions/reports/detail.html",
        {
            "report": report,
            "content": content,
            "figures": report_figures(content) if content else [],
            "previous": previous,
            "is_staff": _can_see_unpublished(request),
            "can_build": request.user.has_perm(BUILD_REPORTS),
        },
    )


def report_opinions(request: HttpRequest, pk: int) -> HttpResponse:
    """The opinions behind a number of the report: all, those with a term, a sub-theme's."""
    report = _visible_report(request, pk)
    if report.status != ThematicReport.Status.BUILT:
        raise Http404("report not built")
    term = request.GET.get("term", "").strip()
    raw_subtheme = request.GET.get("subtheme", "").strip()
    subthemes = {item["index"]: item for item in report.content.get("subthemes", [])}
    error = ""
    subtheme: int | None = None
    if len(term) > TERM_MAX_LENGTH:
        error = _("The term is too long: a report's terms are one or two words.")
    elif term and raw_subtheme:
        error = _("Choose either a term or a sub-theme, not both.")
    elif raw_subtheme:
        try:
            subtheme = int(raw_subtheme)
        except ValueError:
            subtheme = None
        if subtheme not in subthemes:
            error = _("This report has no sub-theme “%(value)s”.") % {"value": raw_subtheme}
            subtheme = None
    if error:
        return render(
            request,
            "opinions/reports/opinions.html",
            {"report": report, "error": error, "term": term, "subtheme": None},
            status=400,
        )
    opinions = builder.report_opinions(report, term=term or None, subtheme=subtheme)
    page = Paginator(
        opinions.select_related("area", "district").defer("lemmas").order_by("pk"),
        OPINIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "opinions/reports/opinions.html",
        {
            "report": report,
            "page": page,
            # The term's words marked in each opinion, in any inflected form.
            "items": [
                (opinion, highlighted_excerpt(opinion.text, term) if term else None)
                for opinion in page
            ],
            "term": term,
            # The term as the report writes it („plac zabaw”, not the lemmas „plac zabawa”).
            "term_form": written_form(report.content, term) if term else "",
            "subtheme": subthemes.get(subtheme) if subtheme is not None else None,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )


def report_pdf(request: HttpRequest, pk: int, language: str = "pl") -> FileResponse:
    """The report printed in Polish, or in English (its own address: a cached file never
    depends on the language cookie)."""
    report = _built_files(request, pk)
    if language == "en":
        return FileResponse(
            report.pdf_en.open("rb"),
            content_type="application/pdf",
            filename=f"report-{report.area.slug}-v{report.version}-en.pdf",
        )
    name = f"raport-{report.area.slug}-v{report.version}.pdf"
    return FileResponse(report.pdf.open("rb"), content_type="application/pdf", filename=name)


def report_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    report = _built_files(request, pk)
    return FileResponse(
        report.xlsx.open("rb"),
        as_attachment=True,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"raport-{report.area.slug}-v{report.version}-opinie.xlsx",
    )


def _built_files(request: HttpRequest, pk: int) -> ThematicReport:
    """A built, visible report whose files exist (rendered here, once, if not yet)."""
    report = _visible_report(request, pk)
    if report.status != ThematicReport.Status.BUILT:
        raise Http404("report not built")
    if not (report.pdf and report.pdf_en and report.xlsx):
        report = render_report_files(report_id=report.pk)
    return report
