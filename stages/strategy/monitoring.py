"""The annual monitoring report ("raport z monitoringu"): built by Celery per year, versioned,
immutable once built, as HTML (shown on the portal), PDF and XLSX.

A version holds what was known when it was built: for each area and goal, each indicator's
value in the year (the final one where there is one, else the provisional one, else the
latest before it), its progress and status as of that year (stages.strategy.progress), and
the tasks of the goal by status with the implementation updates dated in the year.

Building is safe to run twice: a build holds core.builds' lock for its version (a
redelivered task does nothing while the first runs, and takes over once its worker died),
and writes its result in one transaction; a built version is never built again.
"""

from __future__ import annotations

import io
import logging
from collections import Counter, defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.builds import builder_lock
from core.printing import (
    PDF_VARIANT,
    bold_cells,
    cell_value,
    pdf_document,
    sheet_with_columns,
    store_file,
)
from core.tasks import send_after_commit

from .charts import format_value
from .models import (
    Goal,
    ImplementationUpdate,
    Indicator,
    Measurement,
    MonitoringReport,
    Strategy,
    Task,
)
from .progress import compute_progress, effective_points, line_of, points_of

if TYPE_CHECKING:
    from lublin2030.models import User

logger = logging.getLogger(__name__)
LOCK_NAMESPACE = 0x6D6F_6E69  # "moni"
BODY_TEMPLATE = "stages/strategy/report/body.html"
PRINT_TEMPLATE = "stages/strategy/report/print.html"


def request_monitoring_report(*, strategy: Strategy, year: int, actor: User) -> MonitoringReport:
    """A new version of the year's report, queued; the build runs after commit."""
    if not actor.has_perm("stages.manage_strategy"):
        raise PermissionDenied
    if not strategy.start_year - 1 <= year <= strategy.end_year:
        raise ValidationError(
            _("Choose a year from %(first)s to %(last)s.")
            % {"first": strategy.start_year - 1, "last": strategy.end_year}
        )
    from stages import tasks

    with transaction.atomic():
        # Locking the strategy row serialises version numbers of concurrent requests.
        Strategy.objects.select_for_update().filter(pk=strategy.pk).first()
        last = MonitoringReport.objects.filter(strategy=strategy, year=year).aggregate(
            last=Max("version")
        )["last"]
        report = MonitoringReport.objects.create(
            strategy=strategy, year=year, version=(last or 0) + 1, requested_by=actor
        )
        send_after_commit(
            tasks.build_monitoring_report,
            report.pk,
            fallback="the staff page offers to build it again",
        )
    return report


def build_monitoring_report(*, report_id: int) -> MonitoringReport:
    with builder_lock(kind="monitoring-report", namespace=LOCK_NAMESPACE, pk=report_id) as held:
        report = MonitoringReport.objects.select_related("strategy").get(pk=report_id)
        if not held or report.status == MonitoringReport.Status.BUILT:
            return report
        MonitoringReport.objects.filter(pk=report_id).update(
            status=MonitoringReport.Status.BUILDING, error=""
        )
        try:
            with translation.override(settings.LANGUAGE_CODE):
                content = monitoring_content(report.strategy, report.year)
                html = render_to_string(BODY_TEMPLATE, {"content": content, "report": report})
                pdf = _pdf(report, content)
                xlsx = _xlsx(content)
        except Exception as error:
            logger.exception("monitoring report %s failed", report_id)
            MonitoringReport.objects.filter(pk=report_id).update(
                status=MonitoringReport.Status.FAILED, error=str(error)[:2000]
            )
            raise
        with transaction.atomic():
            name = f"raport-monitoringu-{report.year}-v{report.version}"
            store_file(report, "pdf", f"{name}.pdf", pdf)
            store_file(report, "xlsx", f"{name}.xlsx", xlsx)
            MonitoringReport.objects.filter(pk=report_id).update(
                status=MonitoringReport.Status.BUILT,
                content=content,
                html=html,
                progress=100,
                built_at=timezone.now(),
            )
        report.refresh_from_db()
        return report


# --- What the report says -----------------------------------------------------------------


def monitoring_content(strategy: Strategy, year: int) -> dict[str, Any]:
    """Everything the report shows, as JSON, computed with what was measured up to `year`."""
    goals = list(
        Goal.objects.filter(area__strategy=strategy)
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.prefetch_related(
                    Prefetch(
                        "measurements",
                        queryset=Measurement.objects.filter(year__lte=year).order_by("year"),
                    )
                ),
            )
        )
        .order_by("area__number", "position", "code")
    )
    tasks = _tasks_by_goal(strategy)
    updates = _updates_by_goal(strategy, year)
    areas: dict[int, dict[str, Any]] = {}
    statuses: Counter[str] = Counter()
    for goal in goals:
        area = areas.setdefault(
            goal.area_id, {"name": goal.area.name, "number": goal.area.number, "goals": []}
        )
        indicators = [_indicator(indicator, year) for indicator in goal.indicators.all()]
        statuses.update(item["status"] for item in indicators)
        area["goals"].append(
            {
                "code": goal.code,
                "title": goal.title,
                "level": goal.level,
                "indicators": indicators,
                "tasks": dict(tasks[goal.pk]),
                "updates_in_year": updates[goal.pk],
            }
        )
    return {
        "strategy": {
            "name": strategy.name,
            "adopted_on": strategy.adopted_on.isoformat() if strategy.adopted_on else "",
            "resolution_number": strategy.resolution_number,
        },
        "year": year,
        "areas": list(areas.values()),
        "statuses": dict(statuses),
        "tasks": dict(sum((tasks[goal.pk] for goal in goals), Counter())),
    }


def _indicator(indicator: Indicator, year: int) -> dict[str, Any]:
    points = points_of(indicator.measurements.all())
    progress = compute_progress(line_of(indicator), points)
    latest = progress.latest
    return {
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "polarity": indicator.polarity,
        "source": indicator.source,
        "baseline": str(indicator.baseline_value),
        "baseline_year": indicator.baseline_year,
        "target": str(indicator.target_value),
        "target_year": indicator.target_year,
        "value": str(latest.value) if latest else None,
        "value_year": latest.year if latest else None,
        "provisional": bool(latest and latest.provisional),
        "percent": progress.percent,
        "status": str(progress.status),
        "points": [
            {"year": p.year, "value": str(p.value), "provisional": p.provisional}
            for p in effective_points(points)
        ],
        "yearly_targets": indicator.yearly_targets,
    }


def _tasks_by_goal(strategy: Strategy) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    rows = Task.objects.filter(direction__goal__area__strategy=strategy).values_list(
        "direction__goal_id", "status"
    )
    for goal_id, status in rows:
        counts[goal_id][status] += 1
    return counts


def _updates_by_goal(strategy: Strategy, year: int) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    rows = ImplementationUpdate.objects.filter(
        task__direction__goal__area__strategy=strategy, published_on__year=year
    ).values_list("task__direction__goal_id", flat=True)
    for goal_id in rows:
        counts[goal_id] += 1
    return counts


# --- Files ----------------------------------------------------------------------------------


def _pdf(report: MonitoringReport, content: dict[str, Any]) -> bytes:
    html = render_to_string(PRINT_TEMPLATE, {"content": content, "report": report})
    return bytes(pdf_document(html).write_pdf(pdf_variant=PDF_VARIANT))


XLSX_COLUMNS = [
    (_("Area"), 30),
    (_("Goal"), 10),
    (_("Indicator"), 45),
    (_("Unit"), 10),
    (_("Baseline"), 12),
    (_("Baseline year"), 10),
    (_("Target"), 12),
    (_("Target year"), 10),
    (_("Latest value"), 12),
    (_("Year of the value"), 10),
    (_("Provisional"), 10),
    (_("Progress (%)"), 10),
    (_("Status"), 16),
    (_("Source"), 40),
]


def _xlsx(content: dict[str, Any]) -> bytes:
    from .progress import Status

    workbook = Workbook(write_only=True)
    sheet = sheet_with_columns(workbook, _("Indicators"), XLSX_COLUMNS)
    sheet.append(bold_cells(sheet, [str(name) for name, _width in XLSX_COLUMNS]))
    for area in content["areas"]:
        for goal in area["goals"]:
            for item in goal["indicators"]:
                row = [
                    area["name"], goal["code"], item["name"], item["unit"],
                    _number(item["baseline"]), item["baseline_year"], _number(item["target"]),
                    item["target_year"], _number(item["value"]), item["value_year"],
                    _("yes") if item["provisional"] else "", item["percent"],
                    Status(item["status"]).label, item["source"],
                ]  # fmt: skip
                sheet.append([cell_value(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _number(value: str | None) -> float | None:
    return float(value) if value is not None else None


def formatted(value: str | None) -> str:
    return format_value(Decimal(value)) if value is not None else "–"
