"""How a verification reads: the criteria in the order of the law's questions, and the
conditions of a positive result."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tests.workgroups.factories import WorkingGroupFactory, recommendation
from workgroups.models import CriterionVerdict, Verification

pytestmark = pytest.mark.django_db


def test_verdicts_read_legality_feasibility_financing_and_list_the_conditions() -> None:
    rec = recommendation(WorkingGroupFactory(), status="verified")
    assert rec.current is not None
    verification = Verification.objects.create(
        recommendation=rec, version=rec.current, outcome="verified", decided_at=timezone.now()
    )
    # Written in the reverse order (and the alphabet would put feasibility first).
    for criterion, verdict in (
        ("financing", "conditional"),
        ("legality", "positive"),
        ("feasibility", "conditional"),
    ):
        CriterionVerdict.objects.create(
            verification=verification,
            criterion=criterion,
            verdict=verdict,
            justification=f"Uzasadnienie: {criterion}",
        )
    verification = Verification.objects.prefetch_related("verdicts").get(pk=verification.pk)

    assert [v.criterion for v in verification.ordered_verdicts] == [
        "legality",
        "feasibility",
        "financing",
    ]
    assert [v.criterion for v in verification.conditions] == ["feasibility", "financing"]
    with translation.override("pl"):
        html = render_to_string(
            "workgroups/verification/partials/verdicts.html", {"verification": verification}
        )
    assert html.index("Legalność") < html.index("Wykonalność") < html.index("Finansowanie")
    conditions = html[html.index("Warunki") :]
    assert "Uzasadnienie: feasibility" in conditions and "Uzasadnienie: legality" not in conditions
