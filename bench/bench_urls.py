"""The portal's URLs plus a bare view: the floor that a form submission is measured against.

The bare view goes through the same middleware (sessions, CSRF, authentication, messages)
and does one INSERT of an opinion and a redirect, nothing else: no form, no rate limit, no
submission-key lookup, no transaction, no task. What the real answer form costs beyond it
is what its validation and safety nets cost.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path
from django.utils.html import escape

from lublin2030.urls import urlpatterns as portal_urlpatterns
from opinions.models import Channel, Opinion
from stages.models import Consultation

BARE_INSERT_PATH = "bench/bare-insert/"


@functools.cache
def consultation_id() -> int:
    # Looked up once per process, so each POST is exactly one query.
    return Consultation.objects.filter(kind=Consultation.Kind.OPEN_QUESTION).values_list(
        "pk", flat=True
    )[0]


def bare_insert(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # What the load generator needs once per connection: the CSRF cookie and token.
        token = escape(get_token(request))
        return HttpResponse(f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">')
    Opinion.objects.create(
        consultation_id=consultation_id(),
        text=request.POST.get("text", ""),
        channel=Channel.ONLINE,
    )
    return HttpResponseRedirect("/opinions/")


urlpatterns: list[Any] = [
    path(BARE_INSERT_PATH, bare_insert, name="bench_bare_insert"),
    *portal_urlpatterns,
]
