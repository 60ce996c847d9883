"""Messages of the paper-input import: English message ids with their parameters, stored
and translated when shown, so a report reads in the reader's language."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils.translation import gettext_noop

from core.tabular import (  # noqa: F401 - re-exported for the paper import
    FILE_BAD_CSV,
    FILE_BAD_XLSX,
    FILE_CONTROL_IN_HEADER,
    FILE_EMPTY,
    FILE_MISSING_COLUMNS,
    FILE_NOT_CSV_OR_XLSX,
    FILE_NOT_TEXT,
    FILE_NOT_UTF8,
    FILE_REPEATED_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FILE_UNKNOWN_COLUMNS,
    FILE_WRONG_COLUMNS,
    FileRefused,
    Message,
    message,
    render_message,
)
from opinions.models import (
    AgeBand,
    Channel,
    ImportBatch,
    ImportRow,
)

if TYPE_CHECKING:
    pass


logger = logging.getLogger(__name__)


# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.


# --- Messages (English msgids, translated when shown) ----------------------------------------

# Refusals of a whole file: those of any table are in core.tabular (re-exported here).
FILE_NO_ROWS = gettext_noop("The file has a header row but no opinions below it.")

# Rejected rows.
EMPTY_TEXT = gettext_noop("empty text")
TEXT_TOO_SHORT = gettext_noop("text shorter than %(min)s characters")
TEXT_TOO_LONG = gettext_noop("text longer than %(max)s characters (it has %(length)s)")
UNKNOWN_AREA = gettext_noop("unknown area “%(value)s”")
UNKNOWN_DISTRICT = gettext_noop("unknown district “%(value)s”")
UNKNOWN_SECTION = gettext_noop(
    "unknown section “%(value)s” (give its number in the latest version of the document)"
)
NO_SECTIONS = gettext_noop("a section “%(value)s”, but this consultation has no document")
UNKNOWN_CHANNEL = gettext_noop("unknown channel “%(value)s”")
NO_CHANNEL = gettext_noop("no channel, and no event to take it from")
UNKNOWN_AGE_BAND = gettext_noop("unknown age band “%(value)s”")
UNREADABLE_DATE = gettext_noop("unreadable date “%(value)s” (write it as YYYY-MM-DD)")
NO_DATE = gettext_noop("no date, and no event to take it from")
FUTURE_DATE = gettext_noop("date in the future (%(date)s)")
DATE_BEFORE_OPENING = gettext_noop("date %(date)s is before the consultation opened (on %(opens)s)")
CONTROL_IN_TEXT = gettext_noop("control character %(char)s in the text")
CONTROL_IN_COLUMN = gettext_noop("control character %(char)s in the column %(column)s")
MOJIBAKE_IN_TEXT = gettext_noop(
    "text garbled by a wrong character encoding (“%(value)s”, probably “%(fixed)s”): open "
    "the original file as UTF-8 and save it again as “CSV UTF-8 (comma delimited)”"
)
MOJIBAKE_IN_COLUMN = gettext_noop(
    "column %(column)s garbled by a wrong character encoding (“%(value)s”, probably "
    "“%(fixed)s”): open the original file as UTF-8 and save it again as “CSV UTF-8 (comma "
    "delimited)”"
)
EXTRA_CELLS = gettext_noop("more cells than columns (a comma or semicolon outside quotes?)")

# What was normalised in an accepted row.
TEXT_TIDIED = gettext_noop("spaces or line breaks in the text tidied")
AREA_READ_AS = gettext_noop("area “%(value)s” read as %(slug)s")
NO_VALUE_READ = gettext_noop("%(column)s “%(value)s” read as empty")
DISTRICT_READ_AS = gettext_noop("district “%(value)s” read as %(name)s")
CHANNEL_READ_AS = gettext_noop("channel “%(value)s” read as %(slug)s")
AGE_BAND_READ_AS = gettext_noop("age band “%(value)s” read as %(slug)s")
DATE_READ_AS = gettext_noop("date “%(value)s” read as %(date)s")

# Duplicates.
ALREADY_IMPORTED = gettext_noop("already imported (the same row is saved)")
REPEATS_ROW = gettext_noop("repeats row %(row)s of this file")
IMPORTED_MEANWHILE = gettext_noop("imported meanwhile from another file")
# Notes of the commit on a row's section (the row is saved all the same).
SECTION_IN_OLDER_VERSION = gettext_noop(
    "a newer version of the document was published after the check: the comment stays on "
    "§%(value)s of the version it was checked against"
)
SECTION_GONE = gettext_noop(
    "section §%(value)s was removed after the check: the comment is saved without a section"
)

# Failures of the background work.
CHECK_FAILED = gettext_noop("Checking the file failed unexpectedly; nothing was saved.")
COMMIT_FAILED = gettext_noop(
    "Saving failed unexpectedly and was undone; nothing was saved. You can try again."
)


def render_batch_error(batch: ImportBatch) -> str:
    if not batch.error:
        return ""
    try:
        stored = json.loads(batch.error)
    except ValueError:
        return batch.error
    return render_message(stored) if isinstance(stored, dict) and "msg" in stored else batch.error


# Notes whose `slug` parameter is a stored code: shown as the label people know.
_CODE_LABELS = {CHANNEL_READ_AS: Channel, AGE_BAND_READ_AS: AgeBand}


def render_reasons(row: ImportRow, *, area_names: Mapping[str, str] | None = None) -> list[str]:
    """The row's reasons in the active language, codes ("mobile-point") as their labels."""
    return [render_message(_readable(reason, area_names or {})) for reason in row.reasons]


def _readable(reason: Message | str, area_names: Mapping[str, str]) -> Message | str:
    if isinstance(reason, str) or "slug" not in (reason.get("params") or {}):
        return reason
    params = dict(reason["params"])
    slug = str(params["slug"])
    choices = _CODE_LABELS.get(reason["msg"])
    if choices is not None and slug in choices.values:
        params["slug"] = str(choices(slug).label)
    elif reason["msg"] == AREA_READ_AS and slug in area_names:
        params["slug"] = area_names[slug]
    return {**reason, "params": params}
