"""Test data for the working groups: groups with Lublin's seats, calls, applications,
memberships and recommendations with versions.

These build rows directly (test data, not behaviour); behaviour is tested through
`workgroups.services`.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from lublin2030.models import User
from tests.factories import ThematicAreaFactory, UserFactory
from workgroups.models import (
    DEFAULT_SEATS,
    Application,
    Membership,
    Recommendation,
    RecommendationVersion,
    RecruitmentCall,
    Seat,
    SeatQuota,
    Sector,
    WorkingGroup,
)


class WorkingGroupFactory(factory.django.DjangoModelFactory[WorkingGroup]):
    """A group with Lublin's ten seats."""

    class Meta:
        model = WorkingGroup
        skip_postgeneration_save = True

    area = factory.SubFactory(ThematicAreaFactory)
    slug = factory.LazyAttribute(lambda group: group.area.slug)

    @factory.post_generation
    def quotas(self, create: bool, extracted: dict[str, int] | None, **kwargs: object) -> None:
        if create:
            seats = extracted if extracted is not None else DEFAULT_SEATS
            SeatQuota.objects.bulk_create(
                SeatQuota(group=self, seat=seat, seats=count) for seat, count in seats.items()
            )


class RecruitmentCallFactory(factory.django.DjangoModelFactory[RecruitmentCall]):
    """An open call (opened a week ago, closes in a week) for the groups given."""

    class Meta:
        model = RecruitmentCall
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Nabór do grup roboczych {n + 1}")
    text = "Zapraszamy do udziału w **Tematycznych Grupach Roboczych**."
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))

    @factory.post_generation
    def groups(self, create: bool, extracted: list[WorkingGroup] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*extracted)


class ApplicationFactory(factory.django.DjangoModelFactory[Application]):
    class Meta:
        model = Application

    call = factory.SubFactory(RecruitmentCallFactory)
    applicant = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Osoba Kandydująca {n + 1}")
    sector = Sector.RESIDENT
    motivation = "Chcę współtworzyć strategię mojego miasta."
    consent_to_publish = True
    first_choice = factory.SubFactory(WorkingGroupFactory)


def member(group: WorkingGroup, *, seat: str = Seat.RESIDENT, user: User | None = None) -> User:
    """A person with an active seat in the group."""
    person = user or UserFactory()
    Membership.objects.create(
        group=group, user=person, seat=seat, active=True, public_name=person.username
    )
    return person


def leader(group: WorkingGroup) -> User:
    return member(group, seat=Seat.LEADER)


def recommendation(
    group: WorkingGroup,
    *,
    author: User | None = None,
    title: str = "Zielone podwórka w każdej dzielnicy",
    status: str = Recommendation.Status.DRAFT,
    versions: int = 1,
) -> Recommendation:
    """A recommendation with `versions` versions, the last one current."""
    number = Recommendation.objects.filter(group=group).count() + 1
    rec = Recommendation.objects.create(
        group=group, number=number, title=title, status=status, created_by=author
    )
    version = None
    for n in range(1, versions + 1):
        version = RecommendationVersion.objects.create(
            recommendation=rec,
            number=n,
            title=title,
            vision="Lublin zielony i przyjazny mieszkańcom.",
            diagnosis=f"Brakuje zieleni na osiedlach (wersja {n}).",
            goals="Więcej drzew i terenów zielonych.",
            directions=[
                {
                    "text": "Program sadzenia drzew na podwórkach",
                    "indicator": "liczba posadzonych drzew",
                    "responsible_unit": "Wydział Zieleni",
                }
            ],
            evidence={"opinions": [], "reports": []},
            author=author,
        )
    rec.version = versions
    rec.current = version
    if status != Recommendation.Status.DRAFT:
        rec.submitted_at = timezone.now()
    rec.save()
    return rec
