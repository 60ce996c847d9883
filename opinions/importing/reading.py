"""Reading an uploaded CSV or XLSX file of paper input into rows of cells (no checking yet).

The reading itself is shared with other imports (core.tabular); this module names the
columns of the paper-input format.
"""

from __future__ import annotations

from core.tabular import Cell as Cell
from core.tabular import Columns
from core.tabular import RawRow as RawRow
from core.tabular import Table as Table
from core.tabular import read_table as read_any_table
from opinions.importing.messages import FILE_NO_ROWS

COLUMNS = ("text", "area", "district", "channel", "age_band", "collected_on")
# Columns a file may add: the section a consultation comment is about (its number in the
# document's latest version) and the organisation or body that sent it.
OPTIONAL_COLUMNS = ("section", "organisation")
MAX_ROWS = 200_000
PAPER_INPUT = Columns(COLUMNS, OPTIONAL_COLUMNS, max_rows=MAX_ROWS, no_rows=FILE_NO_ROWS)


def read_table(content: bytes, name: str, *, first_row_only: bool = False) -> Table:
    """Every non-blank row of a CSV or XLSX file in the paper-input format.

    Raises FileRefused for a file that cannot be imported at all (see core.tabular).
    """
    return read_any_table(content, name, PAPER_INPUT, first_row_only=first_row_only)
