from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from core.roles import EDITORS, MODERATORS, VERIFIERS, role_group
from lublin2030.models import User
from opinions.models import Channel, Event, Opinion
from stages.models import (
    Consultation,
    District,
    DocumentVersion,
    Section,
    Stage,
    StageUpdate,
    ThematicArea,
)

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*[role_group(name) for name in extracted])


def editor() -> User:
    return UserFactory(roles=[EDITORS])


def moderator() -> User:
    return UserFactory(roles=[MODERATORS])


def verifier() -> User:
    return UserFactory(roles=[VERIFIERS])


class StageFactory(factory.django.DjangoModelFactory[Stage]):
    class Meta:
        model = Stage

    number = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"etap-{n + 1}")
    title = factory.Sequence(lambda n: f"Etap numer {n + 1}")
    title_en = factory.Sequence(lambda n: f"Stage number {n + 1}")
    summary = "Krótko o etapie."
    description = "Pierwszy akapit.\n\nDrugi akapit."
    expected_results = "Rezultat pierwszy\nRezultat drugi"
    period_start = dt.date(2020, 1, 1)
    period_end = dt.date(2020, 12, 31)
    period_label = "2020"


class ThematicAreaFactory(factory.django.DjangoModelFactory[ThematicArea]):
    class Meta:
        model = ThematicArea

    number = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"obszar-{n + 1}")
    name = factory.Sequence(lambda n: f"Obszar {n + 1}")


class DistrictFactory(factory.django.DjangoModelFactory[District]):
    class Meta:
        model = District

    slug = factory.Sequence(lambda n: f"dzielnica-{n + 1}")
    name = factory.Sequence(lambda n: f"Dzielnica {n + 1}")


class StageUpdateFactory(factory.django.DjangoModelFactory[StageUpdate]):
    class Meta:
        model = StageUpdate

    stage = factory.SubFactory(StageFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Aktualność {n + 1}")
    body = "Treść **aktualności**."
    status = StageUpdate.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))


class ConsultationFactory(factory.django.DjangoModelFactory[Consultation]):
    """An open question, open from a year ago for a year ahead."""

    class Meta:
        model = Consultation

    stage = factory.SubFactory(StageFactory)
    slug = factory.Sequence(lambda n: f"konsultacja-{n + 1}")
    kind = Consultation.Kind.OPEN_QUESTION
    title = "Jaki ma być Lublin w 2030 roku?"
    question = "Jaki ma być Lublin w 2030 roku?"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=365))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=365))


class DocumentConsultationFactory(ConsultationFactory):
    """A statutory consultation of a draft document, open 40 days from 20 days ago."""

    kind = Consultation.Kind.DOCUMENT
    title = "Projekt Strategii Lublin 2030"
    question = ""
    statutory = True
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=20))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=20))


class DocumentVersionFactory(factory.django.DjangoModelFactory[DocumentVersion]):
    """A published version of a document consultation."""

    class Meta:
        model = DocumentVersion

    consultation = factory.SubFactory(DocumentConsultationFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = DocumentVersion.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class SectionFactory(factory.django.DjangoModelFactory[Section]):
    class Meta:
        model = Section

    version = factory.SubFactory(DocumentVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    key = factory.LazyAttribute(lambda o: f"sekcja-{o.position}")
    number = factory.LazyAttribute(lambda o: str(o.position))
    level = Section.Level.SECTION
    heading = factory.Sequence(lambda n: f"Cel operacyjny {n + 1}")
    body = "Rozwój zielonej i błękitnej infrastruktury w dzielnicach."


class EventFactory(factory.django.DjangoModelFactory[Event]):
    class Meta:
        model = Event

    kind = Event.Kind.MOBILE_POINT
    title = factory.Sequence(lambda n: f"Punkt mobilny {n + 1}")
    held_on = dt.date(2020, 6, 1)
    place = "Plac Litewski"


class OpinionFactory(factory.django.DjangoModelFactory[Opinion]):
    """A published online opinion (already analysed) unless told otherwise."""

    class Meta:
        model = Opinion

    consultation = factory.SubFactory(ConsultationFactory)
    text = factory.Sequence(lambda n: f"Więcej zieleni i drzew w dzielnicy, opinia numer {n + 1}.")
    channel = Channel.ONLINE
    status = Opinion.Status.PUBLISHED
    collected_on = dt.date(2020, 5, 1)
