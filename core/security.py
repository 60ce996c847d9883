"""The security log: log-ins and their failures, refusals (403), role changes, publishing and
recruitment decisions, each a line in the `security` logger (settings.LOGGING sends it to
its own handler). Never a password, a token or an opinion's text: who, what, which object.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

logger = logging.getLogger("security")


def client_of(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return str(request.META.get("REMOTE_ADDR") or "-")


def log_security_event(
    event: str, *, request: HttpRequest | None = None, user: Any = None, **details: Any
) -> None:
    """One line: the event, the person (id, never a name), the client's address, details."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    fields = " ".join(f"{key}={value!r}" for key, value in sorted(details.items()))
    logger.info(
        "%s user=%s ip=%s %s", event, user_id if user_id is not None else "-",
        client_of(request), fields,
    )  # fmt: skip
