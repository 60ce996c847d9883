"""Knowing a browser again without a session: a random id in a signed cookie.

Pages that residents act from (an opinion's page, the answer form) give the browser a
`visitor` cookie when it has none: no database row, so a first visit costs nothing more.

- „Popieram” counts once per person: per account, or, without one, per browser id. A
  support from a browser without the id is refused, so a loop of bare POSTs (no cookies
  kept), as a script buying "most supported" would send, counts for nothing; a script that
  fetches a page before every POST is held back by the per-client rate limit.
- The answer form's submission key (which makes a double click save one opinion) is bound
  to the browser that received the form: the key saved is derived from the form's nonce and
  the browser's id, so another browser posting the same nonce makes its own opinion instead
  of being sent to the first person's private tracking page.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE = "visitor"
# The page cache's name for give_visitor_cookie, done on every copy it serves (apps.py).
VISITOR_STEP = "opinions.visitor"
SALT = "opinions.visitor"
# A supporter's form in Support.session_key (40 characters): "v:" and 32 hex digits.
SUPPORTER_PREFIX = "v:"
MAX_AGE = 365 * 24 * 3600


def visitor_of(request: HttpRequest) -> str | None:
    """The browser's id (32 hex digits), or None without a valid cookie."""
    value = request.COOKIES.get(COOKIE, "")
    if not value:
        return None
    try:
        visitor = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(visitor, str) or len(visitor) != 32:
        return None
    return visitor


def give_visitor_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Give the browser an id if it has none (and is not signed in)."""
    if request.user.is_authenticated or visitor_of(request) is not None:
        return
    response.set_cookie(
        COOKIE,
        signing.dumps(uuid.uuid4().hex, salt=SALT),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def supporter_of(request: HttpRequest) -> str:
    """An anonymous supporter's key ("" without a browser id: the support is refused)."""
    visitor = visitor_of(request)
    return SUPPORTER_PREFIX + visitor if visitor else ""


def bound_submission_key(request: HttpRequest, nonce: uuid.UUID) -> uuid.UUID:
    """The submission key saved for the form's nonce, as sent by this browser."""
    digest = salted_hmac(SALT, f"{visitor_of(request) or ''}:{nonce}", algorithm="sha256")
    return uuid.UUID(bytes=digest.digest()[:16])
