from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .landing import my_panel_url


def portal(request: HttpRequest) -> dict[str, Any]:
    # Lazy: worked out only where a template shows it (the header), not for htmx fragments.
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "MY_PANEL_URL": SimpleLazyObject(lambda: my_panel_url(request)),
    }
