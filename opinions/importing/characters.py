"""Characters a cell of an import file should not hold: control characters, and text that was
mis-decoded and saved again ("mojibake": `WiÄ™cej` for `Więcej`)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# Control characters are the shared reader's concern (core.tabular); re-exported here.
from core.tabular import CONTROL_CHARACTER as CONTROL_CHARACTER
from core.tabular import first_control_character as first_control_character

# What mis-decoding is looked for: the Polish letters and the typography of Polish text,
# written as UTF-8 and read as one of the code pages a Polish or Western Windows (or a
# Latin-1 default) uses, once or twice over.
GARBLED_CHARACTERS = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ„”“’–—…"
WRONG_ENCODINGS = ("cp1250", "cp1252", "iso-8859-2", "latin-1")
WRONG_TWICE = ("cp1250", "cp1252")


def _garble(value: str, encoding: str) -> str:
    """`value` written as UTF-8 and read in a one-byte code page.

    A byte the code page leaves undefined is read as the C1 control of the same number, as
    Windows and browsers read it (Python would refuse it).
    """
    return "".join(_read_byte(byte, encoding) for byte in value.encode("utf-8"))


def _read_byte(byte: int, encoding: str) -> str:
    try:
        return bytes([byte]).decode(encoding)
    except UnicodeDecodeError:
        return chr(byte)


def _garblings() -> dict[str, str]:
    """Each garbled form → the character it stands for.

    Every garbled form starts with Ä, Å, Ã, Ă, Ĺ or â (the lead byte of a two- or
    three-byte UTF-8 sequence read as a letter) followed by symbols or controls that no
    word puts after such a letter, so correct Polish text (or German, Swedish, Romanian,
    Portuguese...) does not match. Where two characters garble alike, the likelier code
    page (Polish Windows first) decides.
    """
    forms: dict[str, str] = {}
    for encoding in WRONG_ENCODINGS:
        for char in GARBLED_CHARACTERS:
            forms.setdefault(_garble(char, encoding), char)
    for first, second in itertools.product(WRONG_TWICE, repeat=2):
        for char in GARBLED_CHARACTERS:
            forms.setdefault(_garble(_garble(char, first), second), char)
    return forms


GARBLINGS = _garblings()
# Longest first, so that a form garbled twice is not taken for one garbled once.
_GARBLED = re.compile(
    "|".join(re.escape(form) for form in sorted(GARBLINGS, key=len, reverse=True))
)
_WORD_END = re.compile(r"\S*$")
_WORD_START = re.compile(r"\S*")


@dataclass(frozen=True)
class Mojibake:
    garbled: str  # the first garbled word, as written
    repaired: str  # what it probably said


def find_mojibake(value: str) -> Mojibake | None:
    """The first word of `value` garbled by a wrong encoding, and its likely repair."""
    match = _GARBLED.search(value)
    if match is None:
        return None
    before = _WORD_END.search(value, 0, match.start())
    after = _WORD_START.match(value, match.end())
    word = (before[0] if before else "") + match[0] + (after[0] if after else "")
    return Mojibake(word, repair_mojibake(word))


def repair_mojibake(value: str) -> str:
    return _GARBLED.sub(lambda match: GARBLINGS[match[0]], value)
