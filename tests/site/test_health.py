from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from lublin2030.health import check_broker

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_when_the_broker_is_down(client: Client, settings: object) -> None:
    # Nothing listens on port 1: the broker is unreachable, whichever mode we run in.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}  # type: ignore[attr-defined]

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_the_configured_broker_is_reachable() -> None:
    result = check_broker(settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    assert result["ok"], result


def test_a_missing_queue_folder_is_reported(tmp_path: object) -> None:
    result = check_broker("filesystem://", {"data_folder_in": "/nonexistent/queue"})
    assert result == {"ok": False, "error": "QueueFolderNotWritable"}
