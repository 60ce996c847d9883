"""The recommendations' consultation (stage IV): every published recommendation is a section
of the consultation's document, so residents comment on it like on the draft strategy.

The section's key is the recommendation's (group and number), so a recommendation that is
published again after a change keeps the comments it had.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stages.documents.services import SectionItem, SyncResult, sync_recommendation_sections
from stages.models import Consultation

from ..models import Recommendation

# Recommendations residents comment on: published and not refused by the verification.
CONSULTED = (
    Recommendation.Status.VERIFIED,
    Recommendation.Status.ADOPTED,
    Recommendation.Status.NOT_ADOPTED,
)


def section_key(recommendation: Recommendation) -> str:
    return recommendation.consultation_key


def recommendation_section(recommendation: Recommendation) -> SectionItem:
    version = recommendation.current
    parts = []
    if version is not None:
        for heading, text in (
            (_("Vision"), version.vision),
            (_("Diagnosis"), version.diagnosis),
            (_("Goals"), version.goals),
        ):
            if text.strip():
                parts.append(f"**{heading}**\n\n{text.strip()}")
        directions = [d.get("text", "").strip() for d in version.directions if d.get("text")]
        if directions:
            listed = "\n".join(f"- {text}" for text in directions)
            parts.append(f"**{_('Directions of action')}**\n\n{listed}")
    link = _("The whole recommendation, with the opinions and reports it cites")
    parts.append(f"[{link}]({recommendation.get_absolute_url()})")
    return SectionItem(
        key=section_key(recommendation),
        number=f"{recommendation.group.area.number}.{recommendation.number}",
        heading=f"{recommendation.group.name}: {recommendation.title}"[:300],
        body="\n\n".join(parts),
    )


def sync_recommendations_consultations() -> list[SyncResult]:
    """Bring every recommendations' consultation that is not closed up to date."""
    now = timezone.now()
    consultations = [
        c
        for c in Consultation.objects.filter(kind=Consultation.Kind.RECOMMENDATIONS)
        if c.status_at(now) != Consultation.Status.CLOSED
    ]
    if not consultations:
        return []
    recommendations = (
        Recommendation.objects.filter(published_at__isnull=False, status__in=CONSULTED)
        .select_related("group__area", "current")
        .order_by("group__area__number", "number")
    )
    # In the portal's language, whoever's request publishes (the headings are translated).
    with translation.override(settings.LANGUAGE_CODE):
        items = [recommendation_section(r) for r in recommendations]
    if not items:
        return []  # nothing to consult yet: the consultation shows no document
    return [sync_recommendation_sections(consultation=c, items=items) for c in consultations]
