from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .landing import my_panel_url


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"PORTAL_NAME": settings.PORTAL_NAME, "MY_PANEL_URL": my_panel_url(request)}
