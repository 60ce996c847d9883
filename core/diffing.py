"""Side-by-side comparison of two texts, word by word, with the changes marked.

Three passes keep it fast on long texts: paragraphs (lines) are matched first, then the
sentences of the paragraphs that changed, and only the sentences that changed are compared
word by word. difflib's matcher is roughly quadratic in
the length of what it compares, so a 20,000-character text split into paragraphs costs a few
milliseconds instead of the second or so a single word-level pass over it would take
(bench: tests/workgroups/test_diffing.py measures two 20,000-character versions).
Shared by the recommendations' versions (workgroups) and a consulted document's versions
(stages), so it lives at the bottom layer.

Everything is escaped here; the result is safe HTML with <del> on the left (old) side and
<ins> on the right (new) side, each with a visually hidden label for screen readers, which
do not announce <del>/<ins> by default.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Words, runs of whitespace, and single other characters: rejoined, they are the text.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
# Sentences with their closing punctuation and the space after: rejoined, they are the text.
_SENTENCE = re.compile(r"[^.!?;]*(?:[.!?;]+\s*|$)")


@dataclass(frozen=True)
class SideBySide:
    """One field of two versions: the old and the new side as HTML, and whether it changed."""

    label: str
    old: SafeString
    new: SafeString
    changed: bool


Opcode = tuple[str, int, int, int, int]

# Below this many token pairs difflib's exact matcher is cheap; above it, anchor first.
_EXACT_LIMIT = 40_000
# Without anchors (text made of repeated sentences or words), difflib without its junk
# heuristic still finds the repeated matches up to this size (a few hundred sentences);
# beyond it the heuristic keeps the time bounded at the price of coarser marks.
_JUNK_FREE_LIMIT = 400_000


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes turning `a` into `b`, in near-linear time on long inputs.

    Patience-style: tokens that occur exactly once on each side anchor the match (their
    longest increasing run), and only the gaps between anchors are compared exactly. A
    long gap without any anchor falls back to difflib with its "popular tokens are junk"
    heuristic, which is fast and at worst marks more as changed than strictly needed.
    """
    out: list[Opcode] = []
    _opcodes(a, b, 0, len(a), 0, len(b), out)
    return out


def _opcodes(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int, out: list[Opcode]
) -> None:
    start_a, start_b = alo, blo
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        alo, blo = alo + 1, blo + 1
    if alo > start_a:
        out.append(("equal", start_a, alo, start_b, blo))
    end_a, end_b = ahi, bhi
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
    _middle(a, b, alo, ahi, blo, bhi, out)
    if ahi < end_a:
        out.append(("equal", ahi, end_a, bhi, end_b))


def _middle(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int, out: list[Opcode]
) -> None:
    if alo == ahi and blo == bhi:
        return
    if alo == ahi:
        out.append(("insert", alo, alo, blo, bhi))
        return
    if blo == bhi:
        out.append(("delete", alo, ahi, blo, blo))
        return
    if (ahi - alo) * (bhi - blo) <= _EXACT_LIMIT:
        _difflib(a, b, alo, ahi, blo, bhi, out, autojunk=False)
        return
    anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
    if not anchors:
        autojunk = (ahi - alo) * (bhi - blo) > _JUNK_FREE_LIMIT
        _difflib(a, b, alo, ahi, blo, bhi, out, autojunk=autojunk)
        return
    i, j = alo, blo
    for ai, bj in anchors:
        _opcodes(a, b, i, ai, j, bj, out)
        out.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    _opcodes(a, b, i, ahi, j, bhi, out)


def _difflib(
    a: Sequence[str],
    b: Sequence[str],
    alo: int,
    ahi: int,
    blo: int,
    bhi: int,
    out: list[Opcode],
    *,
    autojunk: bool,
) -> None:
    matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=autojunk)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        out.append((op, alo + i1, alo + i2, blo + j1, blo + j2))


def _unique_anchors(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Pairs (i, j) of tokens unique on both sides, the longest run increasing in both."""
    seen_a: dict[str, int] = {}
    for i in range(alo, ahi):
        seen_a[a[i]] = -1 if a[i] in seen_a else i
    seen_b: dict[str, int] = {}
    for j in range(blo, bhi):
        seen_b[b[j]] = -1 if b[j] in seen_b else j
    pairs = sorted(
        (i, seen_b[token]) for token, i in seen_a.items() if i >= 0 and seen_b.get(token, -1) >= 0
    )
    if not pairs:
        return []
    # Longest increasing subsequence of the b positions (patience sorting), O(n log n).
    tails: list[int] = []
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for index, (_i, j) in enumerate(pairs):
        pile = bisect_left(tails, j)
        if pile == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[pile] = j
            tail_index[pile] = index
        previous[index] = tail_index[pile - 1] if pile else -1
    run = []
    index = tail_index[-1]
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def _marked(tag: str, text: str) -> str:
    if not text:
        return ""
    label = _("removed") if tag == "del" else _("added")
    return (
        f'<{tag}><span class="visually-hidden">[{label}: </span>{escape(text)}'
        f'<span class="visually-hidden">]</span></{tag}>'
    )


def _same(text: str, left: list[str], right: list[str]) -> None:
    """Text both sides share, unmarked."""
    same = escape(text)
    left.append(same)
    right.append(same)


def _words(old: str, new: str, left: list[str], right: list[str]) -> None:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    for op, i1, i2, j1, j2 in opcodes(a, b):
        if op == "equal":
            _same("".join(a[i1:i2]), left, right)
        else:
            left.append(_marked("del", "".join(a[i1:i2])))
            right.append(_marked("ins", "".join(b[j1:j2])))


def compare_texts(old: str, new: str) -> tuple[SafeString, SafeString]:
    """The two texts as HTML with what was removed (left) and added (right) marked."""
    if old == new:
        same = escape(old)
        return same, same
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in opcodes(old_lines, new_lines):
        if op == "equal":
            _same("".join(old_lines[i1:i2]), left, right)
        elif op == "replace":
            _sentences("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]), left, right)
        elif op == "delete":
            left.append(_marked("del", "".join(old_lines[i1:i2])))
        else:
            right.append(_marked("ins", "".join(new_lines[j1:j2])))
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 - escaped above


def _sentences(old: str, new: str, left: list[str], right: list[str]) -> None:
    """Changed paragraphs: sentences matched first (a long paragraph of often repeated words
    has few anchors for the word pass), then the changed sentences word by word."""
    a = [part for part in _SENTENCE.findall(old) if part]
    b = [part for part in _SENTENCE.findall(new) if part]
    for op, i1, i2, j1, j2 in opcodes(a, b):
        if op == "equal":
            _same("".join(a[i1:i2]), left, right)
        else:
            _words("".join(a[i1:i2]), "".join(b[j1:j2]), left, right)


def compare_fields(fields: list[tuple[str, str, str]]) -> list[SideBySide]:
    """(label, old, new) for each field → one side-by-side row per field."""
    rows = []
    for label, old, new in fields:
        left, right = compare_texts(old, new)
        rows.append(SideBySide(label=label, old=left, new=right, changed=old != new))
    return rows
