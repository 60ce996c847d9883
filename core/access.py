"""Permission checks for views, shared by every app: one place that turns a `rules`
permission into a response (anonymous → log in, signed in without the role → 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]


def permission_required(perm: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def refuse_unless(request: HttpRequest, perm: str, obj: Any = None) -> HttpResponseBase | None:
    """For views that check a permission on an object they have just fetched.

    Returns the response to send instead of the page (log in) or raises 403; None means
    the person may go on: `if (refusal := refuse_unless(request, perm, group)): return refusal`.
    """
    if request.user.has_perm(perm, obj):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied
