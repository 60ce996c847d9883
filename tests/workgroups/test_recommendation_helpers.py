"""Test data shared by the recommendation tests (no tests here): report versions to cite,
recommendations written through the services, and decided verifications.

Local to these tests because tests/workgroups/factories.py is shared; see the report.
"""

from __future__ import annotations

from django.utils import timezone

from lublin2030.models import User
from opinions.models import ThematicReport
from stages.models import ThematicArea
from workgroups.models import (
    Criterion,
    CriterionVerdict,
    Recommendation,
    Verdict,
    Verification,
    WorkingGroup,
)
from workgroups.services.recommendations import (
    Cited,
    RecommendationText,
    create_recommendation,
)


def built_report(area: ThematicArea, *, version: int = 1, published: bool = True) -> ThematicReport:
    now = timezone.now()
    return ThematicReport.objects.create(
        area=area,
        version=version,
        status=ThematicReport.Status.BUILT,
        progress=100,
        cutoff_at=now,
        built_at=now,
        content={},
        published_at=now if published else None,
    )


def text(
    title: str = "Zielone podwórka",
    *,
    vision: str = "Lublin zielony.",
    diagnosis: str = "Brakuje drzew.",
    goals: str = "Więcej zieleni.",
    directions: list[dict[str, str]] | None = None,
    opinions: list[Cited] | None = None,
    reports: list[Cited] | None = None,
) -> RecommendationText:
    return RecommendationText(
        title=title,
        vision=vision,
        diagnosis=diagnosis,
        goals=goals,
        directions=directions
        if directions is not None
        else [{"text": "Sadzenie drzew", "indicator": "liczba drzew", "responsible_unit": "ZZM"}],
        opinions=opinions or [],
        reports=reports or [],
    )


def drafted(group: WorkingGroup, author: User, **kwargs: object) -> Recommendation:
    return create_recommendation(group=group, author=author, text=text(**kwargs))  # type: ignore[arg-type]


def decide(
    recommendation: Recommendation, outcome: str, *, verifier: User | None = None, reasons: str = ""
) -> Verification:
    """A decided verification, written as the verification service would (it is another's)."""
    assert recommendation.current is not None
    verification = Verification.objects.create(
        recommendation=recommendation,
        version=recommendation.current,
        verifier=verifier,
        outcome=outcome,
        reasons=reasons,
        decided_at=timezone.now(),
    )
    for criterion in Criterion:
        CriterionVerdict.objects.create(
            verification=verification,
            criterion=criterion,
            verdict=Verdict.POSITIVE if outcome == "verified" else Verdict.NEGATIVE,
            justification=f"Uzasadnienie: {criterion.label}",
        )
    Recommendation.objects.filter(pk=recommendation.pk).update(status=outcome)
    recommendation.refresh_from_db()
    return verification
