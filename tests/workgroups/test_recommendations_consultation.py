"""Stage IV: published recommendations become sections of the recommendations' consultation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stages.models import Consultation, Section
from tests.factories import ConsultationFactory, editor
from tests.workgroups.factories import WorkingGroupFactory, leader, member
from tests.workgroups.test_recommendation_helpers import decide, drafted
from workgroups.models import Membership, Seat, WorkingGroup
from workgroups.services.consultation import section_key
from workgroups.services.recommendations import publish_recommendation, submit_recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def group() -> WorkingGroup:
    return WorkingGroupFactory()


def consultation(**dates: dt.datetime) -> Consultation:
    now = timezone.now()
    return ConsultationFactory(
        kind=Consultation.Kind.RECOMMENDATIONS,
        title="Konsultacje rekomendacji",
        question="",
        opens_at=dates.get("opens_at", now - dt.timedelta(days=5)),
        closes_at=dates.get("closes_at", now + dt.timedelta(days=30)),
    )


def published(group: WorkingGroup, outcome: str = "verified") -> object:
    rec = drafted(group, member(group))
    seat = Membership.objects.filter(group=group, seat=Seat.LEADER).first()
    chair = seat.user if seat else leader(group)
    submit_recommendation(recommendation_id=rec.pk, actor=chair)
    decide(rec, outcome)
    return publish_recommendation(recommendation_id=rec.pk, actor=editor())


def test_a_published_recommendation_becomes_a_section_residents_comment_on(
    group: WorkingGroup,
) -> None:
    open_one = consultation()
    rec = published(group)

    section = Section.objects.get(version__consultation=open_one)
    assert section.key == section_key(rec)  # type: ignore[arg-type]
    assert rec.title in section.heading  # type: ignore[attr-defined]
    assert section.version.is_published
    assert rec.get_absolute_url() in section.body  # type: ignore[attr-defined]
    # Publishing again changes nothing.
    publish_recommendation(recommendation_id=rec.pk, actor=editor())  # type: ignore[attr-defined]
    assert Section.objects.filter(version__consultation=open_one).count() == 1


def test_rejected_ones_and_closed_consultations_are_left_out(group: WorkingGroup) -> None:
    open_one = consultation()
    now = timezone.now()
    closed = consultation(
        opens_at=now - dt.timedelta(days=90), closes_at=now - dt.timedelta(days=1)
    )
    published(group, "rejected")
    assert not Section.objects.filter(version__consultation=open_one).exists()
    published(group)
    assert Section.objects.filter(version__consultation=open_one).count() == 1
    assert not Section.objects.filter(version__consultation=closed).exists()


def test_the_public_recommendation_links_its_comments_and_the_goals_it_became(
    group: WorkingGroup,
) -> None:
    from django.test import Client

    from tests.stages.strategy.factories import GoalFactory
    from workgroups.services.adoption import decide_adoption, link_recommendation

    consultation()
    rec = published(group)
    goal = GoalFactory(code="C.3", title="Kultura w dzielnicach")
    link_recommendation(recommendation_id=rec.pk, actor=editor(), how="merged", goal=goal)  # type: ignore[attr-defined]
    decide_adoption(recommendation_id=rec.pk, actor=editor(), adopted=True)  # type: ignore[attr-defined]
    page = Client().get(rec.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    section = Section.objects.get(key=section_key(rec))  # type: ignore[arg-type]
    assert section.get_absolute_url() in page
    assert goal.get_absolute_url() in page
    assert "Cel C.3: Kultura w dzielnicach" in page
