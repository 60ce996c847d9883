"""What every app's read-only API router shares: problem details, query checks, keyset pages.

Lists are paged by a keyset (cursor), never by an offset: page 50,000 of a million opinions
costs what page 1 costs, and a row added while a client walks the list neither repeats nor
skips one. The cursor is the ordering's values of the last row sent, as base64url JSON; a
client treats it as opaque. A malformed one is a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from ninja import Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 500
# Query parameters every list takes besides its own filters.
PAGING_PARAMS = frozenset({"cursor", "limit", "updated_since"})

M = TypeVar("M", bound=Model)


class ApiProblem(Exception):
    """An answer as RFC 9457 problem details: raised by a router, rendered by the site API."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""


# The error answers every operation documents (their body is application/problem+json).
ERRORS: dict[int, type[Problem]] = {400: Problem, 404: Problem, 429: Problem}


def reject_unknown_params(request: HttpRequest, allowed: Iterable[str]) -> None:
    """A 400 for a query parameter the operation does not know (a misspelt filter would
    otherwise silently return everything)."""
    unknown = sorted(set(request.GET) - set(allowed))
    if unknown:
        raise ApiProblem(400, "Unknown query parameter", ", ".join(unknown)[:200])


@dataclass(frozen=True)
class KeyField:
    """One field of a keyset ordering: its lookup name, direction and the type of its value."""

    name: str
    descending: bool = True
    kind: str = "int"  # "int", "datetime" or "date"

    def encode(self, value: Any) -> Any:
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return value

    def decode(self, raw: Any) -> Any:
        if self.kind == "int":
            if type(raw) is not int:
                raise ValueError(raw)
            return raw
        if not isinstance(raw, str) or len(raw) > 40:
            raise ValueError(raw)
        if self.kind == "date":
            return dt.date.fromisoformat(raw)
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError(raw)
        return value


def encode_cursor(fields: Sequence[KeyField], values: Sequence[Any]) -> str:
    data = json.dumps([field.encode(value) for field, value in zip(fields, values, strict=True)])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_cursor(fields: Sequence[KeyField], cursor: str) -> list[Any]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError(cursor)
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(raw, list) or len(raw) != len(fields):
            raise ValueError(cursor)
        return [field.decode(value) for field, value in zip(fields, raw, strict=True)]
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError) as error:
        raise ApiProblem(400, "Malformed cursor", "Use next_cursor of a previous page.") from error


def after(fields: Sequence[KeyField], values: Sequence[Any]) -> Q:
    """Rows that come after `values` in the ordering: (a, b) < (x, y) as a disjunction that
    each index on the leading field can serve."""
    condition = Q()
    for index, field in enumerate(fields):
        equal = {
            earlier.name: value for earlier, value in zip(fields[:index], values, strict=False)
        }
        lookup = "lt" if field.descending else "gt"
        condition |= Q(**equal, **{f"{field.name}__{lookup}": values[index]})
    return condition


def ordering(fields: Sequence[KeyField]) -> list[str]:
    return [("-" if field.descending else "") + field.name for field in fields]


def keyset_page(
    queryset: QuerySet[M],
    *,
    fields: Sequence[KeyField],
    cursor: str | None,
    limit: int,
    key: Callable[[M], Sequence[Any]],
) -> tuple[list[M], str | None]:
    """One page of the queryset after the cursor, and the cursor of the next page (None at
    the end). One query: it fetches one row more than the page to know whether one follows."""
    if cursor:
        queryset = queryset.filter(after(fields, decode_cursor(fields, cursor)))
    rows = list(queryset.order_by(*ordering(fields))[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(fields, key(rows[-1]))


def set_last_modified(response: HttpResponse, moments: Iterable[dt.datetime | None]) -> None:
    """Last-Modified: the latest of the moments (those of the rows sent), if any."""
    latest = max((moment for moment in moments if moment is not None), default=None)
    if latest is not None:
        response["Last-Modified"] = http_date(latest.timestamp())


# ASCII digits only ([0-9], not \d, which matches any script's digits).
ISO_8601 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
UPDATED_SINCE_DOC = "ISO 8601 date and time (2026-12-01T00:00:00+01:00); rows changed since then"


def parse_updated_since(raw: str | None) -> dt.datetime | None:
    """ISO 8601 only (pydantic would also take a number of seconds); a time without an
    offset is the portal's own time zone."""
    if raw is None or raw == "":
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError as error:
        raise ApiProblem(400, "Invalid parameter", "updated_since: ISO 8601 expected") from error
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment
