"""What changed between two versions of a consultation's document, section by section.

Sections are matched by their stable key. The result follows the newer version's order; a
removed section is placed after the section that preceded it in the older version. Only
changed sections are diffed word by word (core.diffing).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.diffing import SideBySide, compare_fields

from .models import DocumentVersion, Section


@dataclass(frozen=True)
class SectionChange:
    key: str
    old: Section | None
    new: Section | None
    # "added", "removed", "changed" or "unchanged"
    change: str
    rows: list[SideBySide]
    renumbered: bool = False

    @property
    def section(self) -> Section:
        section = self.new or self.old
        assert section is not None
        return section


@dataclass(frozen=True)
class Comparison:
    old: DocumentVersion
    new: DocumentVersion
    changes: list[SectionChange]

    def count(self, change: str) -> int:
        return sum(1 for item in self.changes if item.change == change)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def removed(self) -> int:
        return self.count("removed")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def _sections(version: DocumentVersion) -> list[Section]:
    return list(Section.objects.filter(version=version).order_by("position"))


def compare_document_versions(old: DocumentVersion, new: DocumentVersion) -> Comparison:
    """Two queries (each version's sections), however many sections."""
    old_sections, new_sections = _sections(old), _sections(new)
    new_keys = {section.key for section in new_sections}
    old_by_key = {section.key: section for section in old_sections}
    # Removed sections, by the key of the nearest older section that is still there.
    removed_after: dict[str | None, list[Section]] = {}
    anchor: str | None = None
    for section in old_sections:
        if section.key in new_keys:
            anchor = section.key
        else:
            removed_after.setdefault(anchor, []).append(section)
    changes = [_removed(section) for section in removed_after.get(None, [])]
    for section in new_sections:
        before = old_by_key.get(section.key)
        changes.append(_added(section) if before is None else _compared(before, section))
        changes.extend(_removed(gone) for gone in removed_after.get(section.key, []))
    return Comparison(old=old, new=new, changes=changes)


def _fields(old: Section | None, new: Section | None) -> list[SideBySide]:
    return compare_fields(
        [
            (_("Heading"), old.heading if old else "", new.heading if new else ""),
            (_("Text"), old.body if old else "", new.body if new else ""),
        ]
    )


def _added(section: Section) -> SectionChange:
    return SectionChange(section.key, None, section, "added", _fields(None, section))


def _removed(section: Section) -> SectionChange:
    return SectionChange(section.key, section, None, "removed", _fields(section, None))


def _compared(old: Section, new: Section) -> SectionChange:
    renumbered = old.number != new.number
    if old.heading == new.heading and old.body == new.body:
        return SectionChange(new.key, old, new, "unchanged", [], renumbered=renumbered)
    return SectionChange(new.key, old, new, "changed", _fields(old, new), renumbered=renumbered)
