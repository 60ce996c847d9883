"""Error answers of /api/ as RFC 9457 problem details (the routers' and the middleware's)."""

from __future__ import annotations

import json

from django.http import HttpResponse

PROBLEM_TYPE = "application/problem+json"


def problem_response(status: int, title: str, detail: str = "") -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
