"""Test data for the strategy: rows built directly (behaviour is tested through services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from stages.models import (
    DevelopmentArea,
    Direction,
    Goal,
    ImplementationUpdate,
    Indicator,
    Measurement,
    Strategy,
    Task,
)


class StrategyFactory(factory.django.DjangoModelFactory[Strategy]):
    class Meta:
        model = Strategy
        django_get_or_create = ("key",)

    key = "lublin-2030"
    name = "Strategia Rozwoju Lublina na lata 2021–2030"
    start_year = 2021
    end_year = 2030


class DevelopmentAreaFactory(factory.django.DjangoModelFactory[DevelopmentArea]):
    class Meta:
        model = DevelopmentArea

    strategy = factory.SubFactory(StrategyFactory)
    number = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"obszar-{n + 1}")
    name = factory.Sequence(lambda n: f"Lublin obszar {n + 1}")


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    class Meta:
        model = Goal

    area = factory.SubFactory(DevelopmentAreaFactory)
    level = Goal.Level.STRATEGIC
    code = factory.Sequence(lambda n: f"G.{n + 1}")
    title = factory.Sequence(lambda n: f"Cel strategiczny {n + 1}")


class DirectionFactory(factory.django.DjangoModelFactory[Direction]):
    class Meta:
        model = Direction

    goal = factory.SubFactory(GoalFactory)
    code = factory.Sequence(lambda n: f"D.{n + 1}")
    title = factory.Sequence(lambda n: f"Kierunek działań {n + 1}")


class IndicatorFactory(factory.django.DjangoModelFactory[Indicator]):
    class Meta:
        model = Indicator

    goal = factory.SubFactory(GoalFactory)
    code = factory.Sequence(lambda n: f"wskaznik-{n + 1}")
    name = factory.Sequence(lambda n: f"Długość dróg dla rowerów {n + 1}")
    unit = "km"
    baseline_value = Decimal(100)
    baseline_year = 2020
    target_value = Decimal(200)
    target_year = 2030
    source = "GUS, Bank Danych Lokalnych"


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2022
    value = Decimal(120)


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    class Meta:
        model = Task
        skip_postgeneration_save = True

    direction = factory.SubFactory(DirectionFactory)
    code = factory.Sequence(lambda n: f"Z-{n + 1:03d}")
    title = factory.Sequence(lambda n: f"Budowa drogi rowerowej nr {n + 1}")
    responsible_unit = "Zarząd Dróg i Mostów"
    status = Task.Status.IN_PROGRESS
    starts_on = dt.date(2022, 3, 1)
    ends_on = dt.date(2024, 10, 31)
    budget = Decimal("1500000.00")

    @factory.post_generation
    def districts(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.districts.set(extracted)


class UpdateFactory(factory.django.DjangoModelFactory[ImplementationUpdate]):
    class Meta:
        model = ImplementationUpdate

    task = factory.SubFactory(TaskFactory)
    published_on = factory.Sequence(lambda n: dt.date(2022, 1, 1) + dt.timedelta(days=30 * n))
    text = factory.Sequence(lambda n: f"Wykonano kolejny odcinek prac ({n + 1}).")
