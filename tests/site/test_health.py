from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from lublin2030.health import check_broker
from tests.factories import editor

pytestmark = pytest.mark.django_db


MONITOR_TOKEN = "a-monitor-token-of-the-test"


@pytest.fixture
def monitor(settings: Any) -> dict[str, str]:
    """Headers of a monitor that may see each check."""
    settings.HEALTH_TOKEN = MONITOR_TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {MONITOR_TOKEN}"}


def test_health_reports_database_and_broker(client: Client, monitor: dict[str, str]) -> None:
    response = client.get("/health/", **monitor)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_when_the_broker_is_down(
    client: Client, settings: object, monitor: dict[str, str]
) -> None:
    # Nothing listens on port 1: the broker is unreachable, whichever mode we run in.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}  # type: ignore[attr-defined]

    started = time.monotonic()
    response = client.get("/health/", **monitor)
    elapsed = time.monotonic() - started

    # One attempt, not kombu's default retries (2 s apart at first, and without end): the
    # check gives up within BROKER_TIMEOUT (0.3 s). The bound is loose on purpose, since a
    # busy test machine (CI's other test process printing PDFs) adds its own delay: 0.61 s
    # once against an earlier bound of 0.5 s.
    assert elapsed < 2.0
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_the_configured_broker_is_reachable() -> None:
    result = check_broker(settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    assert result["ok"], result


def test_a_missing_queue_folder_is_reported(tmp_path: object) -> None:
    result = check_broker("filesystem://", {"data_folder_in": "/nonexistent/queue"})
    assert result == {"ok": False, "error": "QueueFolderNotWritable"}


def test_the_public_sees_only_ok_or_fail(client: Client, settings: Any) -> None:
    assert client.get("/health/").json() == {"status": "ok"}

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "fail"}


def test_a_wrong_token_sees_no_details(client: Client, monitor: dict[str, str]) -> None:
    response = client.get("/health/", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert response.json() == {"status": "ok"}


def test_staff_see_the_checks(client: Client) -> None:
    client.force_login(editor())
    assert client.get("/health/").json()["checks"]["database"]["ok"] is True
