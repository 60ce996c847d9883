"""The groups' work summed up (end of stage III): every working group's verified
recommendations with their vision, goals and directions, the verifiers' verdicts, and how
many residents' opinions and thematic report versions stand behind each.

Built by a Celery task per version, as HTML (shown on the portal) and PDF; immutable once
built. Building is safe to run twice: it holds core.builds' lock for the version and writes
its result in one transaction; a built version is never built again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.builds import builder_lock
from core.printing import PDF_VARIANT, pdf_document, store_file
from core.tasks import send_after_commit

from .models import Recommendation, SummaryReport, Verification

if TYPE_CHECKING:
    from lublin2030.models import User

logger = logging.getLogger(__name__)
LOCK_NAMESPACE = 0x7375_6D6D  # "summ"
SUMMED_UP = (
    Recommendation.Status.VERIFIED,
    Recommendation.Status.ADOPTED,
    Recommendation.Status.NOT_ADOPTED,
)


def request_summary_report(*, actor: User) -> SummaryReport:
    if not actor.has_perm("workgroups.publish_recommendation"):
        raise PermissionDenied
    from . import tasks

    with transaction.atomic():
        last = SummaryReport.objects.select_for_update().aggregate(last=Max("version"))["last"]
        report = SummaryReport.objects.create(version=(last or 0) + 1, requested_by=actor)
        send_after_commit(
            tasks.build_summary_report, report.pk, fallback="the staff page builds it again"
        )
    return report


def build_summary_report(*, report_id: int) -> SummaryReport:
    with builder_lock(kind="summary-report", namespace=LOCK_NAMESPACE, pk=report_id) as held:
        report = SummaryReport.objects.get(pk=report_id)
        if not held or report.status == SummaryReport.Status.BUILT:
            return report
        SummaryReport.objects.filter(pk=report_id).update(status=SummaryReport.Status.BUILDING)
        try:
            with translation.override(settings.LANGUAGE_CODE):
                content = summary_content()
                html = render_to_string("workgroups/summary/body.html", {"content": content})
                page = render_to_string(
                    "workgroups/summary/print.html", {"content": content, "report": report}
                )
                pdf = bytes(pdf_document(page).write_pdf(pdf_variant=PDF_VARIANT))
        except Exception as error:
            logger.exception("summary report %s failed", report_id)
            SummaryReport.objects.filter(pk=report_id).update(
                status=SummaryReport.Status.FAILED, error=str(error)[:2000]
            )
            raise
        with transaction.atomic():
            store_file(report, "pdf", f"podsumowanie-rekomendacji-v{report.version}.pdf", pdf)
            SummaryReport.objects.filter(pk=report_id).update(
                status=SummaryReport.Status.BUILT,
                content=content,
                html=html,
                built_at=timezone.now(),
            )
        report.refresh_from_db()
        return report


def summary_content() -> dict[str, Any]:
    """Every group with its verified recommendations (4 queries whatever their number)."""
    decided = Verification.objects.exclude(outcome="").order_by("-decided_at", "-pk")
    recommendations = (
        Recommendation.objects.filter(status__in=SUMMED_UP)
        .select_related("group__area", "current")
        .annotate(
            opinions=Count(
                "opinion_evidence",
                filter=Q(opinion_evidence__opinion__status="published"),
                distinct=True,
            ),
            reports=Count("report_evidence", distinct=True),
        )
        .prefetch_related(Prefetch("verifications", queryset=decided.prefetch_related("verdicts")))
        .order_by("group__area__number", "number")
    )
    groups: dict[int, dict[str, Any]] = {}
    totals: dict[str, int] = defaultdict(int)
    for recommendation in recommendations:
        group = groups.setdefault(
            recommendation.group_id,
            {"name": recommendation.group.area.name, "recommendations": []},
        )
        group["recommendations"].append(_recommendation(recommendation))
        totals["recommendations"] += 1
        totals["opinions"] += recommendation.opinions  # type: ignore[attr-defined]
    return {"groups": list(groups.values()), "totals": dict(totals)}


def _recommendation(recommendation: Recommendation) -> dict[str, Any]:
    version = recommendation.current
    verification = next(iter(recommendation.verifications.all()), None)
    return {
        "number": recommendation.number,
        "title": recommendation.title,
        "status": recommendation.get_status_display(),
        "vision": version.vision if version else "",
        "goals": version.goals if version else "",
        "directions": [item.get("text", "") for item in (version.directions if version else [])],
        "outcome": verification.get_outcome_display() if verification else "",
        "verdicts": [
            {
                "criterion": verdict.get_criterion_display(),
                "verdict": verdict.get_verdict_display(),
                "justification": verdict.justification,
            }
            for verdict in (verification.verdicts.all() if verification else [])
        ],
        "opinions": recommendation.opinions,  # type: ignore[attr-defined]
        "reports": recommendation.reports,  # type: ignore[attr-defined]
    }
