"""Side-by-side comparison of two versions of a recommendation (the generic text diffing
is core.diffing, shared with the document versions of consultations)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from core.diffing import SideBySide, compare_fields, compare_texts, opcodes

from .models import RecommendationVersion
from .services.recommendations import Cited, RecommendationText

__all__ = [
    "SideBySide",
    "compare_fields",
    "compare_recommendations",
    "compare_texts",
    "compare_versions",
    "opcodes",
]


def _directions_text(directions: Sequence[dict[str, str]]) -> str:
    # The editor's form carries blank rows to type into; they are not directions (the
    # conflict page showed them as added text: "[dodano: 2. 3.]").
    filled = [d for d in directions if any(str(v).strip() for v in d.values())]
    lines = []
    for number, direction in enumerate(filled, start=1):
        lines.append(f"{number}. {direction.get('text', '')}\n")
        if direction.get("indicator"):
            lines.append(f"   {_('Indicator')}: {direction['indicator']}\n")
        if direction.get("responsible_unit"):
            lines.append(f"   {_('Responsible unit')}: {direction['responsible_unit']}\n")
    return "".join(lines)


def _evidence_text(label: str, cited: Sequence[Cited]) -> str:
    return "".join(f"{label} {c.id}: {c.note}\n" if c.note else f"{label} {c.id}\n" for c in cited)


def compare_recommendations(old: RecommendationText, new: RecommendationText) -> list[SideBySide]:
    """Every part of two recommendation texts side by side, in the order of the page."""
    return compare_fields(
        [
            (_("Title"), old.title, new.title),
            (_("Vision"), old.vision, new.vision),
            (_("Diagnosis"), old.diagnosis, new.diagnosis),
            (_("Goals"), old.goals, new.goals),
            (
                _("Recommended directions of action"),
                _directions_text(old.directions),
                _directions_text(new.directions),
            ),
            (
                _("Opinions cited"),
                _evidence_text(_("Opinion no."), old.opinions),
                _evidence_text(_("Opinion no."), new.opinions),
            ),
            (
                _("Report versions cited"),
                _evidence_text(_("Report no."), old.reports),
                _evidence_text(_("Report no."), new.reports),
            ),
        ]
    )


def compare_versions(old: RecommendationVersion, new: RecommendationVersion) -> list[SideBySide]:
    """Two saved versions of a recommendation, side by side."""
    return compare_recommendations(RecommendationText.of(old), RecommendationText.of(new))
