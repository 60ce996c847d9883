"""The editors' dashboard: the current stage and what waits for them, on one page.

It sits in the site package because it gathers what every app holds. A fixed number of
queries whatever the number of consultations, calls or reports (tests pin it).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from opinions.answers.models import ConsultationAnswer
from opinions.models import Comment, Opinion, ThematicReport
from stages.models import Consultation, Stage
from workgroups.models import RecruitmentCall

BUILDING = (ThematicReport.Status.QUEUED, ThematicReport.Status.BUILDING)


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("stages.manage_updates"):
        raise PermissionDenied
    now = timezone.now()
    consultations = list(
        Consultation.objects.select_related("stage")
        .annotate(
            answers_to_approve=Count(
                "answers",
                filter=Q(answers__status=ConsultationAnswer.Status.DRAFT),
                distinct=True,
            ),
            report_published_at=Max("consultation_reports__published_at"),
        )
        .order_by("-closes_at", "-pk")[:20]
    )
    for consultation in consultations:
        consultation.state = consultation.status_at(now)  # type: ignore[attr-defined]
        consultation.days_left = consultation.report_days_left(now)  # type: ignore[attr-defined]
    calls = list(
        RecruitmentCall.objects.filter(announced_at__isnull=True)
        .annotate(application_count=Count("applications"))
        .order_by("closes_at", "pk")[:10]
    )
    for call in calls:
        call.open_now = call.is_open(now)  # type: ignore[attr-defined]
    return render(
        request,
        "dashboard.html",
        {
            "current_stage": Stage.objects.current(),
            "consultations": consultations,
            "answers_to_approve": sum(c.answers_to_approve for c in consultations),  # type: ignore[attr-defined]
            "reports_building": ThematicReport.objects.filter(status__in=BUILDING).count(),
            "reports_failed": ThematicReport.objects.filter(
                status=ThematicReport.Status.FAILED
            ).count(),
            "opinions_pending": Opinion.objects.filter(status=Opinion.Status.PENDING).count(),
            "comments_pending": Comment.objects.filter(status=Opinion.Status.PENDING).count(),
            "calls": calls,
        },
    )
