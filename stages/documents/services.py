"""Writing a consultation's document: draft versions, section edits, publishing, and the
sections a consultation of the recommendations shows (kept in step by the working groups)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Consultation
from .models import DocumentVersion, Section
from .parsing import (
    HEADING_MAX_LENGTH,
    NUMBER_MAX_LENGTH,
    KnownSection,
    ParsedDocument,
    ParsedSection,
    assign_keys,
    parse_file,
)

if TYPE_CHECKING:
    from lublin2030.models import User

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX_LENGTH = 64


class DocumentError(Exception):
    """A change to a document that is refused; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Draft versions ---------------------------------------------------------------------------


def create_draft_version(
    *,
    consultation: Consultation,
    parsed: ParsedDocument | Sequence[ParsedSection],
    source_name: str,
    user: User | None,
    title: str = "",
    note: str = "",
) -> DocumentVersion:
    """A new draft version of the consultation's document, its sections keyed to the latest
    version's (parsing.assign_keys). The same sections as the latest version (a file loaded
    twice) make no new version: that version is returned as it is. One draft at a time: a
    different draft while one exists is refused (edit it, publish it or discard it)."""
    if consultation.kind != Consultation.Kind.DOCUMENT:
        raise DocumentError(
            _("“%(title)s” is not a consultation of a document, so it has no versions.")
            % {"title": consultation.title}
        )
    if isinstance(parsed, ParsedDocument):
        sections, title = parsed.sections, title or parsed.title
    else:
        sections = list(parsed)
    validate_sections(sections)
    with transaction.atomic():
        # Lock the consultation: two uploads at once must not both take the next number.
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        latest = consultation.document_versions.order_by("-number").first()
        if latest is not None and _same_sections(latest, sections):
            return latest
        if latest is not None and not latest.is_published:
            raise DocumentError(
                _(
                    "Version %(number)d is a draft already. Edit it, publish it or discard it "
                    "before loading another."
                )
                % {"number": latest.number}
            )
        previous = [
            KnownSection(key=s.key, number=s.number, heading=s.heading, body=s.body)
            for s in (latest.sections.all() if latest else [])
        ]
        keys = assign_keys(sections, previous)
        version = DocumentVersion.objects.create(
            consultation=consultation,
            number=(latest.number + 1) if latest else 1,
            title=title[:200],
            note=note,
            source_name=source_name[:200],
            created_by=user,
        )
        create_sections(version, sections, keys)
    return version


def validate_sections(sections: Sequence[ParsedSection]) -> None:
    """Everything the database would refuse, said in words, before anything is written."""
    if not sections:
        raise DocumentError(_("The document has no sections."))
    given = [section.key for section in sections if section.key]
    if len(given) != len(set(given)):
        raise DocumentError(_("Two sections have the same key."))
    for index, section in enumerate(sections):
        label = section.number or str(index + 1)
        if section.level not in Section.Level.values:
            raise DocumentError(_("Section %(n)s has no level 1, 2 or 3.") % {"n": label})
        if not section.number.strip() or len(section.number) > NUMBER_MAX_LENGTH:
            raise DocumentError(
                _("Section %(n)s needs a number of at most %(max)d characters.")
                % {"n": label, "max": NUMBER_MAX_LENGTH}
            )
        if len(section.heading) > HEADING_MAX_LENGTH:
            raise DocumentError(
                _("The heading of section %(n)s is longer than %(max)d characters.")
                % {"n": label, "max": HEADING_MAX_LENGTH}
            )
        if section.key:
            check_key(section.key)
        if section.parent is not None and not 0 <= section.parent < index:
            raise DocumentError(_("Section %(n)s has no parent before it.") % {"n": label})


def check_key(key: str) -> None:
    if len(key) > KEY_MAX_LENGTH or not KEY_RE.match(key):
        raise DocumentError(
            _(
                "A key is made of lower-case letters without accents, digits and hyphens, "
                "at most %(max)d characters (“%(key)s” is not)."
            )
            % {"max": KEY_MAX_LENGTH, "key": key[:80]}
        )


def _same_sections(version: DocumentVersion, sections: Sequence[ParsedSection]) -> bool:
    stored = list(version.sections.values_list("number", "level", "heading", "body"))
    return stored == [(s.number, s.level, s.heading, s.body) for s in sections]


def create_sections(
    version: DocumentVersion, sections: Sequence[ParsedSection], keys: Sequence[str]
) -> list[Section]:
    """Write a new version's sections, one insert per level (so that each level's parents
    already have their ids). For the services here and bench data; call it in a
    transaction, on a version that has no sections yet."""
    rows = [
        Section(
            version=version,
            key=key,
            number=parsed.number,
            level=parsed.level,
            position=position,
            heading=parsed.heading,
            body=parsed.body,
        )
        for position, (parsed, key) in enumerate(zip(sections, keys, strict=True), start=1)
    ]
    for level in sorted({row.level for row in rows}):
        batch = []
        for row, parsed in zip(rows, sections, strict=True):
            if row.level != level:
                continue
            row.parent = rows[parsed.parent] if parsed.parent is not None else None
            batch.append(row)
        Section.objects.bulk_create(batch, batch_size=500)
    return rows


def update_section(*, section: Section, heading: str, body: str, key: str | None = None) -> Section:
    """Edit a draft's section (its heading, text and, to match it to a section of the
    previous version by hand, its key). A published version never changes."""
    version = section.version
    if version.is_published:
        raise DocumentError(
            _(
                "Version %(number)d is published and never changes: load or edit a new draft "
                "instead."
            )
            % {"number": version.number}
        )
    if len(heading) > HEADING_MAX_LENGTH:
        raise DocumentError(
            _("A heading may have at most %(max)d characters.") % {"max": HEADING_MAX_LENGTH}
        )
    fields = ["heading", "body"]
    if key is not None and key != section.key:
        check_key(key)
        if version.sections.filter(key=key).exclude(pk=section.pk).exists():
            raise DocumentError(
                _("Another section of this version already has the key “%(key)s”.") % {"key": key}
            )
        section.key = key
        fields.append("key")
    section.heading = heading
    section.body = body
    # Only a draft is written: the condition holds even if the version was published
    # between the page being loaded and this save.
    updated = Section.objects.filter(
        pk=section.pk, version__status=DocumentVersion.Status.DRAFT
    ).update(**{name: getattr(section, name) for name in fields})
    if not updated:
        raise DocumentError(_("The version was published meanwhile; it no longer changes."))
    return section


def publish_version(
    *, version: DocumentVersion, note: str | None = None, now: dt.datetime | None = None
) -> DocumentVersion:
    """Draft → published. Residents read and comment on it from now on."""
    now = now or timezone.now()
    if version.is_published:
        raise DocumentError(
            _("Version %(number)d is already published.") % {"number": version.number}
        )
    if not version.sections.exists():
        raise DocumentError(_("A version without sections cannot be published."))
    changes: dict[str, object] = {"status": DocumentVersion.Status.PUBLISHED, "published_at": now}
    if note is not None:
        changes["note"] = note
    updated = DocumentVersion.objects.filter(
        pk=version.pk, status=DocumentVersion.Status.DRAFT
    ).update(**changes)
    if not updated:
        raise DocumentError(
            _("Version %(number)d is already published.") % {"number": version.number}
        )
    for name, value in changes.items():
        setattr(version, name, value)
    return version


def discard_draft_version(*, version: DocumentVersion) -> None:
    """Delete a draft (a wrong upload). A published version is never deleted."""
    if version.is_published:
        raise DocumentError(_("A published version is never deleted."))
    with transaction.atomic():
        if Section.objects.filter(version=version, comments__isnull=False).exists():
            raise DocumentError(_("Comments refer to this draft; it cannot be deleted."))
        DocumentVersion.objects.filter(pk=version.pk, status=DocumentVersion.Status.DRAFT).delete()


# --- The recommendations as sections ----------------------------------------------------------


@dataclass(frozen=True)
class SectionItem:
    """One published recommendation (or a part of it) as a section: the caller's key keeps
    residents' comments attached to it across updates."""

    key: str
    number: str
    heading: str
    body: str
    level: int = Section.Level.CHAPTER


@dataclass(frozen=True)
class SyncResult:
    version: DocumentVersion
    created: int
    updated: int
    removed: int
    # Sections no longer among the items but kept, because residents commented on them.
    kept: int


def sync_recommendation_sections(
    *, consultation: Consultation, items: Sequence[SectionItem], now: dt.datetime | None = None
) -> SyncResult:
    """Put the items into the consultation's single published version as its sections.

    Matched by key: a section whose item changed is updated in place (its comments stay
    with it), a new item is added, a section whose item is gone is deleted unless residents
    commented on it (then it stays, after the items). Running it again with the same items
    changes nothing.
    """
    if consultation.kind != Consultation.Kind.RECOMMENDATIONS:
        raise DocumentError(
            _("“%(title)s” is not a consultation of the recommendations.")
            % {"title": consultation.title}
        )
    parsed = [
        ParsedSection(number=i.number, level=1, heading=i.heading, body=i.body, key=i.key)
        for i in items
    ]
    for item, section in zip(items, parsed, strict=True):
        if not item.key:
            raise DocumentError(_("Every recommendation needs a key."))
        section.level = item.level
    validate_sections(parsed)
    with transaction.atomic():
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        version, created_version = DocumentVersion.objects.get_or_create(
            consultation=consultation,
            number=1,
            defaults={
                "status": DocumentVersion.Status.PUBLISHED,
                "published_at": now or timezone.now(),
                "title": consultation.title[:200],
            },
        )
        if created_version:
            create_sections(version, parsed, [s.key for s in parsed])
            return SyncResult(version, created=len(parsed), updated=0, removed=0, kept=0)
        return _sync_existing(version, parsed)


def _sync_existing(version: DocumentVersion, parsed: Sequence[ParsedSection]) -> SyncResult:
    existing = {section.key: section for section in version.sections.all()}
    wanted = {section.key for section in parsed}
    gone = [section for key, section in existing.items() if key not in wanted]
    commented = set(
        Section.objects.filter(pk__in=[s.pk for s in gone], comments__isnull=False).values_list(
            "pk", flat=True
        )
    )
    removed = [section.pk for section in gone if section.pk not in commented]
    Section.objects.filter(pk__in=removed).delete()
    # Positions are unique per version: move the old ones out of the way first.
    offset = (version.sections.aggregate(top=Max("position"))["top"] or 0) + len(parsed) + 1
    version.sections.update(position=F("position") + offset)
    changed, new = [], []
    for position, item in enumerate(parsed, start=1):
        section = existing.get(item.key)
        if section is None:
            new.append(
                Section(
                    version=version,
                    key=item.key,
                    number=item.number,
                    level=item.level,
                    position=position,
                    heading=item.heading,
                    body=item.body,
                )
            )
            continue
        was = (section.number, section.level, section.heading, section.body)
        section.number, section.level = item.number, item.level
        section.heading, section.body = item.heading, item.body
        section.position = position
        changed.append((section, was != (item.number, item.level, item.heading, item.body)))
    kept = [existing_section for existing_section in gone if existing_section.pk in commented]
    for extra, section in enumerate(kept, start=len(parsed) + 1):
        section.position = extra
    Section.objects.bulk_update(
        [section for section, _changed in changed] + kept,
        ["number", "level", "heading", "body", "position"],
        batch_size=500,
    )
    Section.objects.bulk_create(new, batch_size=500)
    return SyncResult(
        version,
        created=len(new),
        updated=sum(1 for _section, was_changed in changed if was_changed),
        removed=len(removed),
        kept=len(kept),
    )


# --- Loading a file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    version: DocumentVersion
    # False: the file held the same sections as the latest version, which is returned.
    created: bool


def load_document(
    *,
    consultation: Consultation,
    content: bytes,
    name: str,
    user: User | None,
    publish: bool = False,
) -> LoadResult:
    """A Markdown or DOCX file read into a new draft (published at once with `publish`).
    Raises DocumentRefused (the file) or DocumentError (the document); nothing is saved then."""
    parsed = parse_file(content, name)
    with transaction.atomic():
        before = consultation.document_versions.aggregate(top=Max("number"))["top"] or 0
        version = create_draft_version(
            consultation=consultation, parsed=parsed, source_name=name, user=user
        )
        created = version.number > before
        if publish and not version.is_published:
            publish_version(version=version)
    return LoadResult(version=version, created=created)
