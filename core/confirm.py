"""A step before what cannot be undone: a page that says what will happen, and a button that
does it. Plain HTML, so it works without JavaScript.

A view shows `confirmation_page(...)` for a GET (or a POST without the confirm field) and
acts only on a POST that carries `confirmed(request)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"
TEMPLATE = "confirm.html"

Text = str | Promise


def confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_page(
    request: HttpRequest,
    *,
    title: Text,
    consequences: Sequence[Text],
    action: str,
    button: Text,
    cancel_url: str,
    hidden: Iterable[tuple[str, object]] = (),
    danger: bool = False,
) -> HttpResponse:
    """The page asking to confirm: `consequences` are what will happen, one per line."""
    return render(
        request,
        TEMPLATE,
        {
            "title": title,
            "consequences": consequences,
            "action": action,
            "button": button,
            "cancel_url": cancel_url,
            "hidden": list(hidden),
            "danger": danger,
            "confirm_field": CONFIRM_FIELD,
            "confirm_value": CONFIRM_VALUE,
        },
    )
