from __future__ import annotations

import pytest

from lublin2030.demo import opinions as opinions_demo
from lublin2030.demo.workgroups import DemoSize, seed_working_groups
from lublin2030.models import User
from stages.models import Consultation
from workgroups.models import (
    Application,
    Membership,
    OpinionEvidence,
    Recommendation,
    RecommendationVersion,
    Seat,
    Verification,
    Workshop,
)

pytestmark = pytest.mark.django_db

SMALL = DemoSize(recommendations_per_group=2, versions_per_recommendation=3, evidence_links=40)


@pytest.fixture
def sample_opinions(lublin_process: None) -> None:
    consultation = Consultation.objects.get(kind=Consultation.Kind.OPEN_QUESTION)
    opinions_demo.seed_sample_opinions(consultation=consultation)


def test_twelve_groups_of_ten_with_workshops_and_recommendations(sample_opinions: None) -> None:
    summary = seed_working_groups(size=SMALL)
    assert summary.created
    assert Membership.objects.active().count() == 120
    assert Membership.objects.filter(seat=Seat.LEADER).count() == 12
    assert Workshop.objects.count() == 48
    assert Recommendation.objects.count() == 24
    assert RecommendationVersion.objects.count() == 24 * 3
    assert Application.objects.filter(decision=Application.Decision.WAITLISTED).exists()
    # Every recommendation points at its newest version, and what the current version says
    # it cites is exactly the evidence rows.
    for rec in Recommendation.objects.select_related("current"):
        assert rec.current is not None and rec.current.number == rec.version == 3
        cited = {item["id"] for item in rec.current.evidence["opinions"]}
        assert cited == set(
            OpinionEvidence.objects.filter(recommendation=rec).values_list("opinion", flat=True)
        )
    decided = Recommendation.objects.filter(status=Recommendation.Status.VERIFIED)
    assert decided.exists()
    assert all(
        Verification.objects.get(recommendation=rec).verdicts.count() == 3 for rec in decided
    )


def test_a_second_run_adds_nothing(sample_opinions: None) -> None:
    seed_working_groups(size=SMALL)
    assert not seed_working_groups(size=SMALL).created
    assert Recommendation.objects.count() == 24


def test_named_members_sit_in_the_first_group(sample_opinions: None) -> None:
    leader = User.objects.create(username="lena", display_name="Lena Liderka")
    member = User.objects.create(username="cezary")
    seed_working_groups(size=SMALL, named_members=[(leader, Seat.LEADER), (member, Seat.CITY)])
    seat = Membership.objects.get(user=leader)
    assert seat.seat == Seat.LEADER and seat.group.area.number == 1
    assert Membership.objects.get(user=member).group == seat.group
