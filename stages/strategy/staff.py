"""Staff pages of the strategy (editors): adoption, goals, directions, indicators,
measurements entered one by one or imported from a CSV/XLSX file with a verdict per row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import permission_required
from core.tabular import FileRefused
from core.tasks import send_now
from stages import tasks
from stages.panels import STAFF_GOAL_PAGE

from . import monitoring, services
from .forms import (
    AdoptionForm,
    DirectionForm,
    DocumentForm,
    GoalForm,
    ImplementationUpdateForm,
    IndicatorForm,
    MeasurementForm,
    MeasurementImportForm,
    MonitoringReportForm,
    TaskForm,
    TaskStatusForm,
)
from .models import Direction, Goal, Indicator, Measurement, MonitoringReport, Task
from .selectors import current_strategy

if TYPE_CHECKING:
    from lublin2030.models import User

MANAGE = "stages.manage_strategy"


def _editor(request: HttpRequest) -> User:
    # The views are behind permission_required, so the person is signed in.
    return cast("User", request.user)


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@permission_required(MANAGE)
def staff_strategy(request: HttpRequest) -> HttpResponse:
    strategy = current_strategy()
    goals = (
        Goal.objects.select_related("area")
        .annotate(indicator_count=Count("indicators", distinct=True))
        .order_by("area__number", "position", "code")
    )
    return render(
        request, "stages/strategy/staff/overview.html", {"strategy": strategy, "goals": goals}
    )


@permission_required(MANAGE)
def staff_adoption(request: HttpRequest) -> HttpResponse:
    strategy = current_strategy()
    if strategy is None:
        messages.error(request, _("Load the strategy first (manage.py load_strategy)."))
        return redirect("stages:staff_strategy")
    initial = {
        name: getattr(strategy, name)
        for name in AdoptionForm.base_fields
        if getattr(strategy, name) not in (None, "")
    }
    form = AdoptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.record_adoption(strategy=strategy, actor=_editor(request), **form.cleaned_data)
        messages.success(request, _("The adoption is recorded."))
        return redirect("stages:staff_strategy")
    return render(request, "stages/strategy/staff/adoption.html", {"form": form})


@permission_required(MANAGE)
def staff_goal_create(request: HttpRequest) -> HttpResponse:
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.save_goal(actor=_editor(request), **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The goal is saved."))
            return redirect("stages:staff_goal", code=goal.code)
    return render(request, "stages/strategy/staff/goal_form.html", {"form": form, "goal": None})


@permission_required(MANAGE)
def staff_goal(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.select_related("area", "parent"), code=code)
    initial = {
        "area": goal.area,
        "parent": goal.parent,
        "code": goal.code,
        "title": goal.title,
        "description": goal.description,
    }
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.save_goal(actor=_editor(request), goal=goal, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The goal is saved."))
            return redirect("stages:staff_goal", code=goal.code)
    return _goal_page(request, goal, form, DirectionForm(prefix="direction"))


def _goal_page(
    request: HttpRequest, goal: Goal, form: GoalForm, direction_form: DirectionForm
) -> HttpResponse:
    return render(
        request,
        "stages/strategy/staff/goal.html",
        {
            "goal": goal,
            "form": form,
            "direction_form": direction_form,
            "directions": goal.directions.order_by("position", "code").prefetch_related("tasks"),
            "indicators": goal.indicators.annotate(measurement_count=Count("measurements")),
            "panels": STAFF_GOAL_PAGE.render(request, goal),
            "document_form": DocumentForm(prefix="document"),
            "documents": goal.documents.order_by("kind", "title"),
        },
    )


@require_POST
@permission_required(MANAGE)
def staff_direction_add(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal, code=code)
    form = DirectionForm(request.POST, prefix="direction")
    if form.is_valid():
        try:
            services.add_direction(actor=_editor(request), goal=goal, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The direction of action is added."))
            return redirect("stages:staff_goal", code=goal.code)
    return _goal_page(request, goal, GoalForm(initial={"area": goal.area}), form)


@permission_required(MANAGE)
def staff_indicator_create(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal, code=code)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.save_indicator(
                actor=_editor(request), goal=goal, values=form.values()
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The indicator is saved."))
            return redirect("stages:staff_indicator", code=indicator.code)
    return render(
        request, "stages/strategy/staff/indicator_form.html", {"form": form, "goal": goal}
    )


@permission_required(MANAGE)
def staff_indicator(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.select_related("goal"), code=code)
    form = MeasurementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_measurement(
                actor=_editor(request), indicator=indicator, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The measurement is saved."))
            return redirect("stages:staff_indicator", code=indicator.code)
    measurements = Measurement.objects.filter(indicator=indicator).order_by("-year", "status")
    return render(
        request,
        "stages/strategy/staff/indicator.html",
        {"indicator": indicator, "form": form, "measurements": measurements},
    )


@permission_required(MANAGE)
def staff_measurement_import(request: HttpRequest) -> HttpResponse:
    form = MeasurementImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_measurements(
                actor=_editor(request),
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except FileRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            if result.saved:
                messages.success(request, _("Every row is saved."))
    return render(request, "stages/strategy/staff/import.html", {"form": form, "result": result})


@permission_required(MANAGE)
def staff_reports(request: HttpRequest) -> HttpResponse:
    strategy = current_strategy()
    form = MonitoringReportForm(request.POST or None)
    if request.method == "POST" and strategy is not None and form.is_valid():
        try:
            monitoring.request_monitoring_report(
                strategy=strategy, year=form.cleaned_data["year"], actor=_editor(request)
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("The report is being built; this page shows when it is ready.")
            )
            return redirect("stages:staff_reports")
    reports = MonitoringReport.objects.order_by("-year", "-version")
    return render(
        request,
        "stages/strategy/staff/reports.html",
        {"form": form, "reports": reports, "strategy": strategy},
    )


@require_POST
@permission_required(MANAGE)
def staff_report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(MonitoringReport, pk=pk)
    if report.status != MonitoringReport.Status.BUILT:
        send_now(tasks.build_monitoring_report, report.pk, fallback="retry again")
        messages.success(request, _("The build is started again."))
    return redirect("stages:staff_reports")


@permission_required(MANAGE)
def staff_task_create(request: HttpRequest, code: str) -> HttpResponse:
    direction = get_object_or_404(Direction.objects.select_related("goal"), code=code)
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.add_task(
                actor=_editor(request), direction=direction, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The task is added."))
            return redirect("stages:staff_task", code=task.code)
    return render(
        request, "stages/strategy/staff/task_form.html", {"form": form, "direction": direction}
    )


@permission_required(MANAGE)
def staff_task(request: HttpRequest, code: str) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("direction__goal"), code=code)
    form = ImplementationUpdateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        images = [(data["image"], data["alt_text"])] if data.get("image") else []
        try:
            services.add_implementation_update(
                actor=_editor(request),
                task=task,
                published_on=data["published_on"],
                text=data["text"],
                images=images,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The update is added."))
            return redirect("stages:staff_task", code=task.code)
    return render(
        request,
        "stages/strategy/staff/task.html",
        {
            "task": task,
            "form": form,
            "status_form": TaskStatusForm(initial={"status": task.status}),
            "updates": task.updates.order_by("-published_on", "-pk").prefetch_related("images"),
        },
    )


@require_POST
@permission_required(MANAGE)
def staff_task_status(request: HttpRequest, code: str) -> HttpResponse:
    task = get_object_or_404(Task, code=code)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        services.set_task_status(
            actor=_editor(request), task=task, status=form.cleaned_data["status"]
        )
        messages.success(request, _("The status is changed."))
    return redirect("stages:staff_task", code=task.code)


@require_POST
@permission_required(MANAGE)
def staff_document_add(request: HttpRequest, code: str) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.select_related("area__strategy"), code=code)
    form = DocumentForm(request.POST, request.FILES, prefix="document")
    if form.is_valid():
        try:
            services.add_document(actor=_editor(request), goal=goal, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The document is linked to the goal."))
    else:
        messages.error(request, _("The document was not added: check its title and link."))
    return redirect("stages:staff_goal", code=goal.code)
