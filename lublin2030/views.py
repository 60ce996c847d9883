from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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
    checks = {
        "database": check_database(),
        "broker": check_broker(
            settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS
        ),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
