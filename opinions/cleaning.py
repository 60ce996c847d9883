"""Normalising text typed by people (forms, paper-card transcripts, import files)."""

from __future__ import annotations

import re
import unicodedata

# Spreadsheet safety is shared with every report's XLSX (core.printing); re-exported here.
from core.printing import FORMULA_PREFIXES as FORMULA_PREFIXES
from core.printing import neutralise_formula as neutralise_formula

# Control characters other than tab and newline (C0 with NUL, DEL, C1), and the Unicode
# direction overrides that can disguise text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value: str) -> str:
    """NFC, no control characters, single spaces, at most one blank line, trimmed."""
    # Controls go first: removing one between a letter and a combining mark must still
    # leave NFC text (so cleaning twice gives the same result).
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
