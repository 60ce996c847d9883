"""Checks behind /health/: can we reach the database and the Celery broker?

Each check gives up within BROKER_TIMEOUT, so a load balancer asking /health/ while Redis is
down gets its 503 at once rather than after kombu's retries.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.db import connections
from kombu import Connection

BROKER_TIMEOUT = 0.3


def check_database(alias: str = "default") -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason is reported, not raised
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": _ms_since(started)}


def check_broker(url: str, transport_options: dict[str, Any] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    options = transport_options or {}
    if url.startswith("filesystem"):
        # The filesystem transport "connects" to anything; what matters is its queue folder.
        folder = str(options.get("data_folder_in", "data_in"))
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            return {"ok": False, "error": "QueueFolderNotWritable"}
        return {"ok": True, "ms": _ms_since(started)}
    try:
        with Connection(url, transport_options=options, connect_timeout=BROKER_TIMEOUT) as conn:
            # One attempt, bounded by connect_timeout: no retries, no pause between them.
            conn.ensure_connection(max_retries=0, interval_start=0, interval_step=0)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": _ms_since(started)}


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
