"""Reading numbers that people (and scripts) send in query strings and forms.

`str.isdigit()` is true for "²", "٣" and "߅", which `int()` then refuses (or reads as a
number nobody typed): a view that checked with isdigit and converted with int answered 500.
Every id, page number and version number is read here: ASCII digits only, within a length.
"""

from __future__ import annotations

import re

# Version numbers are PostgreSQL integers: a form field for one stops at this.
MAX_VERSION = 2_147_483_647
# An id fits PostgreSQL's bigint.
MAX_ID = 9_223_372_036_854_775_807
# Up to 18 digits: anything longer is no id of ours (and would overflow a bigint).
_ASCII_NUMBER = re.compile(r"[0-9]{1,18}")


def parse_number(raw: object, *, max_digits: int = 18) -> int | None:
    """The whole number written in `raw` with ASCII digits only, or None for anything else."""
    if not isinstance(raw, str) or len(raw) > max_digits:
        return None
    return int(raw) if _ASCII_NUMBER.fullmatch(raw) else None


def parse_numbers(values: list[str], *, limit: int, max_digits: int = 18) -> list[int]:
    """The numbers among the first `limit` values; others are left out."""
    numbers = []
    for value in values[:limit]:
        number = parse_number(value, max_digits=max_digits)
        if number is not None:
            numbers.append(number)
    return numbers
