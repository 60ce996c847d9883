"""Reading a document (Markdown or DOCX) into numbered sections; nothing is saved here.

Headings make the sections: `#` a chapter, `##` a section, `###` a paragraph (deeper
headings stay in the text). A heading may carry its own number ("3.2 Title", "II. Title");
otherwise the number follows from the hierarchy (1, 1.1, 1.1.1), continuing from the last
number a sibling carried. In Markdown, a single `#` heading above `##` chapters is the title.
A DOCX file is converted to Markdown with mammoth (Heading 1/2/3 styles become `#`/`##`/`###`)
after its zip directory has been checked, so that a zip bomb is refused before a byte of
it is inflated.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from itertools import pairwise
from pathlib import PurePath

import mammoth
from django.conf import settings
from django.utils.translation import gettext as _

MAX_LEVEL = 3
MAX_SECTIONS = 2000
HEADING_MAX_LENGTH = 300
NUMBER_MAX_LENGTH = 20
# A DOCX's parts, inflated, may hold at most this many times the size limit, and no part
# may inflate more than MAX_RATIO times (text XML compresses about 5-20 times).
MAX_UNCOMPRESSED_FACTOR = 10
MAX_RATIO = 100
MAX_ZIP_ENTRIES = 1000

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# "3.2 Title", "3.2. Title", "II. Title" (a Roman numeral needs its dot: "I" is a word).
_OWN_NUMBER = re.compile(r"^(?:(\d+(?:\.\d+)*)\.?|([IVXLC]+)\.)\s+(\S.*)$")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_POLISH = str.maketrans("ąćęłńóśźż", "acelnoszz")


class DocumentRefused(Exception):
    """The file cannot be read into sections; the message says why, for the person uploading."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedSection:
    number: str
    level: int
    heading: str
    body: str = ""
    # Given by a caller that knows it (recommendations, a staff override); otherwise the
    # key is matched to the previous version or made from the number and heading.
    key: str = ""
    # Index of the parent in the parsed list (None for a chapter).
    parent: int | None = None


@dataclass
class ParsedDocument:
    sections: list[ParsedSection]
    title: str = ""


@dataclass
class _Heading:
    line: int
    hashes: int
    text: str


@dataclass
class _Numbering:
    """The last number given under each parent (key: the parent's index, -1 for the top)."""

    last: dict[int, int] = field(default_factory=dict)


# --- Markdown ---------------------------------------------------------------------------------


def parse_markdown(text: str, *, title_heading: bool = True) -> ParsedDocument:
    """Sections of a Markdown text. Raises DocumentRefused when there is no heading.

    With `title_heading`, a lone `#` heading above the others is the document's title (a
    Word document has its own Title style for that, so its Heading 1 is always a chapter).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    headings, bodies = _split(lines)
    if not headings:
        raise DocumentRefused(
            _(
                "The file has no headings, so it cannot be divided into sections. Mark the "
                "chapters with “# ”, the sections with “## ” and the paragraphs with “### ” "
                "(in Word: the Heading 1, 2 and 3 styles)."
            )
        )
    title = ""
    preamble = bodies[0]
    if title_heading and _is_title(headings):
        title = headings[0].text.strip()
        preamble = _join(preamble, bodies[1])
        headings, bodies = headings[1:], ["", *bodies[2:]]
        for heading in headings:
            heading.hashes -= 1
    sections = _sections(headings, bodies[1:])
    if preamble.strip():
        sections.insert(0, ParsedSection(number="0", level=1, heading=_("Introduction"), body=""))
        sections[0].body = preamble.strip("\n")
        for section in sections[1:]:
            if section.parent is not None:
                section.parent += 1
    if len(sections) > MAX_SECTIONS:
        raise DocumentRefused(
            _("The file has %(count)d sections; at most %(max)d can be loaded.")
            % {"count": len(sections), "max": MAX_SECTIONS}
        )
    return ParsedDocument(sections=sections, title=title[:200])


def _is_title(headings: list[_Heading]) -> bool:
    """One `#` heading, first, with `##` headings under it: the document's title."""
    top = [h for h in headings if h.hashes == 1]
    return (
        len(top) == 1
        and headings[0].hashes == 1
        and len(headings) > 1
        and not _OWN_NUMBER.match(headings[0].text.strip())
    )


def _join(first: str, second: str) -> str:
    return "\n\n".join(part.strip("\n") for part in (first, second) if part.strip())


def _split(lines: list[str]) -> tuple[list[_Heading], list[str]]:
    """The headings (levels 1-3) and the text before the first and under each of them."""
    headings: list[_Heading] = []
    bodies: list[list[str]] = [[]]
    fence = ""
    for number, line in enumerate(lines, start=1):
        current = bodies[-1]
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            current.append(line)
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)[:3]
            current.append(line)
            continue
        atx = _ATX.match(line)
        if atx and len(atx.group(1)) <= MAX_LEVEL:
            headings.append(_Heading(number, len(atx.group(1)), atx.group(2) or ""))
            bodies.append([])
            continue
        setext = _SETEXT.match(line)
        if setext and _setext_title(current):
            text = current.pop()
            headings.append(_Heading(number - 1, 1 if setext.group(1)[0] == "=" else 2, text))
            bodies.append([])
            continue
        current.append(line)
    return headings, ["\n".join(body).strip("\n") for body in bodies]


def _setext_title(current: list[str]) -> bool:
    """A one-line paragraph right above an underline of = or - is a heading."""
    if not current or not current[-1].strip() or _FENCE.match(current[-1]):
        return False
    above = current[-1].lstrip()
    if above.startswith((">", "-", "*", "+", "|")) or re.match(r"\d+[.)]\s", above):
        return False
    return len(current) == 1 or not current[-2].strip()


def _sections(headings: list[_Heading], bodies: list[str]) -> list[ParsedSection]:
    sections: list[ParsedSection] = []
    numbering = _Numbering()
    # The index of the open section at each level (1-based levels).
    open_at: dict[int, int] = {}
    for heading, body in zip(headings, bodies, strict=True):
        level = max(1, min(heading.hashes, MAX_LEVEL))
        # A skipped level (### right under #) becomes the next level down.
        while level > 1 and level - 1 not in open_at:
            level -= 1
        parent = open_at.get(level - 1) if level > 1 else None
        own, text = _own_number(heading)
        number = _number(own, parent, sections, numbering)
        if len(text) > HEADING_MAX_LENGTH:
            raise DocumentRefused(
                _("The heading on line %(line)d is longer than %(max)d characters.")
                % {"line": heading.line, "max": HEADING_MAX_LENGTH}
            )
        sections.append(
            ParsedSection(number=number, level=level, heading=text, body=body, parent=parent)
        )
        open_at = {lvl: index for lvl, index in open_at.items() if lvl < level}
        open_at[level] = len(sections) - 1
    return sections


def _own_number(heading: _Heading) -> tuple[str, str]:
    text = heading.text.strip()
    match = _OWN_NUMBER.match(text)
    if not match:
        return "", text
    own = match.group(1) or match.group(2)
    if len(own) > NUMBER_MAX_LENGTH:
        raise DocumentRefused(
            _("The number of the heading on line %(line)d is longer than %(max)d characters.")
            % {"line": heading.line, "max": NUMBER_MAX_LENGTH}
        )
    return own, match.group(3).strip()


def _number(
    own: str, parent: int | None, sections: list[ParsedSection], numbering: _Numbering
) -> str:
    slot = -1 if parent is None else parent
    if own:
        last = own.rsplit(".", 1)[-1]
        if last.isdigit():
            numbering.last[slot] = int(last)
        return own
    numbering.last[slot] = numbering.last.get(slot, 0) + 1
    prefix = "" if parent is None else sections[parent].number + "."
    number = f"{prefix}{numbering.last[slot]}"
    if len(number) > NUMBER_MAX_LENGTH:
        raise DocumentRefused(
            _("The numbering goes deeper than %(max)d characters (“%(number)s”).")
            % {"max": NUMBER_MAX_LENGTH, "number": number[:40]}
        )
    return number


# --- DOCX -------------------------------------------------------------------------------------


def check_docx(content: bytes) -> None:
    """Refuse a file that is not a DOCX, or whose parts would inflate beyond the limits,
    from the zip directory alone (before anything is decompressed)."""
    if not zipfile.is_zipfile(BytesIO(content)):
        raise DocumentRefused(_("The file is not a Word document (DOCX)."))
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DocumentRefused(_("The file is not a Word document (DOCX).")) from error
    names = {entry.filename for entry in entries}
    if "word/document.xml" not in names:
        raise DocumentRefused(
            _("The file is a zip archive but not a Word document (it has no word/document.xml).")
        )
    limit = document_max_bytes()
    total = sum(entry.file_size for entry in entries)
    too_compressed = any(
        entry.file_size > MAX_RATIO * max(entry.compress_size, 1) for entry in entries
    )
    if len(entries) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED_FACTOR * limit or too_compressed:
        raise DocumentRefused(
            _(
                "The Word document would take far more space unpacked than its size suggests "
                "(%(size)s MB); it is refused as a possible zip bomb."
            )
            % {"size": f"{total / 1_000_000:.0f}"}
        )


def parse_docx(content: bytes) -> ParsedDocument:
    """Sections of a DOCX file: its Heading 1/2/3 paragraphs are the headings."""
    check_size(content)
    check_docx(content)
    try:
        result = mammoth.convert_to_markdown(
            BytesIO(content),
            convert_image=_no_image,
            style_map=_STYLE_MAP,
            # A style map embedded in the uploaded file is not ours to follow.
            include_embedded_style_map=False,
        )
    except Exception as error:  # mammoth raises many kinds on a broken file
        raise DocumentRefused(
            _("The Word document could not be read (%(error)s).") % {"error": type(error).__name__}
        ) from error
    title, markdown = _docx_title(_unescape(result.value))
    document = parse_markdown(markdown, title_heading=False)
    document.title = document.title or title
    return document


# Word's Title style marks the document's title; it comes out as the one heading level the
# sections never use, so that it can be told apart from the chapters.
_STYLE_MAP = "p[style-name='Title'] => h6:fresh"
_TITLE_LINE = re.compile(r"^###### (.*)$", re.MULTILINE)


def _docx_title(markdown: str) -> tuple[str, str]:
    """The text of the Title-styled paragraphs (as the title) and the rest."""
    titles = [match.strip() for match in _TITLE_LINE.findall(markdown)]
    return " ".join(title for title in titles if title)[:200], _TITLE_LINE.sub("", markdown)


def _no_image(image: object) -> list[object]:
    # Images are not part of a section's text (the Markdown renderer allows none); leaving
    # them out also keeps a document's embedded pictures out of the database.
    return []


# mammoth escapes every ".", "(", ")", "-", "!" and "#" it writes; most of those escapes
# are needless and would show as backslashes to staff editing a section. Kept: the dot of
# "1." and a "-" or "#" starting a line (they would start a list or a heading).
_NEEDLESS_ESCAPE = re.compile(r"(?<!\\)\\([.()!\-#])")
_LINE_START_ESCAPE = re.compile(r"^(\s*\d*)\\([.\-#])", re.MULTILINE)


def _unescape(markdown: str) -> str:
    protected = _LINE_START_ESCAPE.sub(lambda m: f"{m.group(1)}\x00{m.group(2)}", markdown)
    lines = []
    for line in protected.split("\n"):
        if line.startswith("#"):
            # A heading's own number: "# 3\.2 Title" is "3.2".
            line = line.replace("\x00", "")
        lines.append(_NEEDLESS_ESCAPE.sub(r"\1", line))
    return "\n".join(lines).replace("\x00", "\\")


# --- Files ------------------------------------------------------------------------------------

MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}
DOCX_SUFFIXES = {".docx"}


def document_max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


def check_size(content: bytes) -> None:
    limit = document_max_bytes()
    if len(content) > limit:
        raise DocumentRefused(
            _("The file is larger than %(max)s MB.") % {"max": f"{limit / 1024 / 1024:g}"}
        )
    if not content.strip():
        raise DocumentRefused(_("The file is empty."))


def parse_file(content: bytes, name: str) -> ParsedDocument:
    """A Markdown or DOCX file by its name's suffix; DocumentRefused says what is wrong."""
    suffix = PurePath(name).suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return parse_docx(content)
    if suffix not in MARKDOWN_SUFFIXES:
        raise DocumentRefused(
            _("Upload a Word document (.docx) or a Markdown file (.md), not “%(name)s”.")
            % {"name": PurePath(name).name[:100]}
        )
    check_size(content)
    if content[:4] == b"PK\x03\x04":
        raise DocumentRefused(_("The file is a zip archive (a DOCX?), not Markdown text."))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentRefused(
            _("The Markdown file is not UTF-8 text (byte %(position)d).")
            % {"position": error.start + 1}
        ) from error
    if "\x00" in text:
        raise DocumentRefused(_("The Markdown file holds binary data, not text."))
    return parse_markdown(text)


# --- Keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownSection:
    """A section of the previous version, as key matching needs it."""

    key: str
    number: str
    heading: str
    body: str


SIMILARITY_THRESHOLD = 0.6


def slug_key(number: str, heading: str) -> str:
    text = f"{number} {heading}".lower().translate(_POLISH)
    slug = _SLUG_UNSAFE.sub("-", text).strip("-")
    return slug[:56].rstrip("-") or "section"


def assign_keys(sections: Sequence[ParsedSection], previous: Sequence[KnownSection]) -> list[str]:
    """A key for each section: one given, else the previous version's key of the section it
    corresponds to (same number and heading, else same heading, else the most similar text),
    else a new one made from its number and heading, unique in the version and never a key
    the previous version used for another section."""
    keys: list[str | None] = [section.key or None for section in sections]
    unused = [known for known in previous if known.key not in set(filter(None, keys))]
    for match in (_same_number_and_heading, _same_heading):
        for index, section in enumerate(sections):
            if keys[index] is None and unused:
                found = match(section, unused)
                if found is not None:
                    keys[index] = found.key
                    unused.remove(found)
    _match_similar(sections, keys, unused)
    taken = {key for key in keys if key} | {known.key for known in previous}
    result = []
    for index, section in enumerate(sections):
        key = keys[index]
        if key is None:
            key = _unique(slug_key(section.number, section.heading), taken)
            taken.add(key)
        result.append(key)
    return result


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _same_number_and_heading(
    section: ParsedSection, unused: list[KnownSection]
) -> KnownSection | None:
    for known in unused:
        if known.number == section.number and _normal(known.heading) == _normal(section.heading):
            return known
    return None


def _same_heading(section: ParsedSection, unused: list[KnownSection]) -> KnownSection | None:
    if not section.heading.strip():
        return None
    same = [known for known in unused if _normal(known.heading) == _normal(section.heading)]
    # Two previous sections with this heading: the number decides, or neither is taken.
    return same[0] if len(same) == 1 else None


_WORD = re.compile(r"\w+")


def _shingles(heading: str, body: str) -> frozenset[str]:
    """The words and the pairs of neighbouring words of a section."""
    words = _WORD.findall(f"{heading} {body}".lower())
    return frozenset(words) | frozenset(f"{a} {b}" for a, b in pairwise(words))


def _match_similar(
    sections: Sequence[ParsedSection], keys: list[str | None], unused: list[KnownSection]
) -> None:
    """The sections left matched to the previous ones left by the overlap of their words
    and word pairs (Dice coefficient), the most similar pairs first. Set intersections keep
    it fast: 200 renamed sections against 200 take a fraction of a second, where a
    character-level difflib ratio took over a minute."""
    left = [index for index, key in enumerate(keys) if key is None]
    if not left or not unused:
        return
    old = [_shingles(known.heading, known.body) for known in unused]
    pairs = []
    for index in left:
        new = _shingles(sections[index].heading, sections[index].body)
        for position, shingles in enumerate(old):
            total = len(new) + len(shingles)
            if total and 2 * len(new & shingles) / total >= SIMILARITY_THRESHOLD:
                pairs.append((2 * len(new & shingles) / total, -index, -position))
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    for _score, index, position in sorted(pairs, reverse=True):
        if -index in taken_new or -position in taken_old:
            continue
        keys[-index] = unused[-position].key
        taken_new.add(-index)
        taken_old.add(-position)


def _unique(key: str, taken: set[str]) -> str:
    if key not in taken:
        return key
    suffix = 2
    while f"{key}-{suffix}" in taken:
        suffix += 1
    return f"{key}-{suffix}"
