"""Who an anonymous supporter is: a visitor id in a signed cookie that an opinion's page gives.

„Popieram” counts once per person: per account, or, for a visitor without one, per browser.
The browser's id is given by the page of an opinion (a signed cookie: no database row, so a
first visit costs nothing more), and a support without it is refused. A loop of bare POSTs
(no cookies kept), as a script buying "most supported" would send, counts for nothing; a
script that fetches a page before every POST is held back by the per-client rate limit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "supporter"
SALT = "opinions.supporter"
# The id's form in Support.session_key (40 characters): "v:" and 32 hex digits.
PREFIX = "v:"
MAX_AGE = 365 * 24 * 3600


def visitor_of(request: HttpRequest) -> str | None:
    """The visitor's supporter id, or None without a valid cookie."""
    value = request.COOKIES.get(COOKIE, "")
    if not value:
        return None
    try:
        visitor = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(visitor, str) or len(visitor) != 32:
        return None
    return PREFIX + visitor


def give_visitor_cookie(response: HttpResponse) -> None:
    response.set_cookie(
        COOKIE,
        signing.dumps(uuid.uuid4().hex, salt=SALT),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
