"""/api/v1/: the portal's public data, read-only, described by OpenAPI (django-ninja).

Each app's router (stages/api.py, opinions/api.py, workgroups/api.py) reads through its
own selectors; this module mounts them and answers every error as RFC 9457 problem details
(application/problem+json). CORS, the rate limit, ETag, Last-Modified and 304 answers are
lublin2030.middleware.ApiMiddleware's.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from core.api import ApiProblem
from opinions.api import router as opinions_router
from opinions.api import router_reports as reports_router
from stages.api import router as stages_router
from stages.api import strategy_router
from workgroups.api import router as workgroups_router

from .api_problems import PROBLEM_TYPE, problem_response

DESCRIPTION = """Public data of the strategy process, read-only, under CC BY 4.0.

* Lists are paged by a cursor: pass a page's `next_cursor` as `cursor` for the next one
  (`limit`, at most 200). `updated_since` (ISO 8601) gives what changed since a moment.
* Answers carry `ETag` and `Last-Modified`; send `If-None-Match` or `If-Modified-Since`
  to get `304 Not Modified` when nothing changed.
* Errors are RFC 9457 problem details (`application/problem+json`); an unknown query
  parameter is an error, not ignored.
* Each client may send a limited number of requests a minute (429 with `Retry-After`).
* No personal data: no names, e-mail addresses or accounts of residents; who gave the
  opinions only as counts, groups under 5 suppressed.
"""


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        # ninja documents every answer as application/json; error bodies are problem details.
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_TYPE: content["application/json"]}
        return schema


api = PortalApi(
    title="Strategia Lublin 2030 — open data API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
)
api.add_router("", stages_router)
api.add_router("", opinions_router)
api.add_router("", reports_router)
api.add_router("", workgroups_router)
api.add_router("", strategy_router)


@api.exception_handler(ApiProblem)
def on_problem(request: HttpRequest, error: ApiProblem) -> HttpResponse:
    return problem_response(error.status, error.title, error.detail)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    # A parameter of the wrong type or out of range (a page size of a million, a number in
    # Arabic-Indic digits): which ones, never the values (they may be anything).
    where = sorted(
        {".".join(str(part) for part in item.get("loc", ())[1:]) for item in error.errors}
    )
    return problem_response(400, "Invalid parameter", ("Check: " + ", ".join(where))[:300])


@api.exception_handler(Http404)
def on_missing(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem_response(404, "Not found")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem_response(error.status_code, str(error))


def docs(request: HttpRequest) -> HttpResponse:
    """The API's documentation (Swagger UI, shipped inside django-ninja and served from the
    portal's own static files, started by static/js/api-docs.js: the CSP allows no inline
    script)."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:openapi-json")})
