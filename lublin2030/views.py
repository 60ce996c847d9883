from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache

from stages.models import Process, Stage, StageUpdate, current_stage

from .health import check_broker, check_database


def home(request: HttpRequest) -> HttpResponse:
    stages = list(Stage.objects.all())
    current = current_stage(stages)
    return render(
        request,
        "home.html",
        {
            "process": Process.objects.first(),
            "stages": stages,
            "current_stage": current,
            "latest_updates": StageUpdate.objects.visible()
            .latest_first()
            .select_related("stage")[:5],
        },
    )


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """ "ok" (200) or "fail" (503) for anyone; which check failed, and how long each took,
    only for staff or a monitor sending `Authorization: Bearer <HEALTH_TOKEN>`."""
    checks = {
        "database": check_database(),
        "broker": check_broker(
            settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS
        ),
    }
    healthy = all(check["ok"] for check in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "fail"}
    if _may_see_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)


def _may_see_details(request: HttpRequest) -> bool:
    token = str(getattr(settings, "HEALTH_TOKEN", "") or "")
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and constant_time_compare(sent[7:], token):
        return True
    return bool(request.user.is_authenticated and request.user.has_perm("stages.view_staff_pages"))
