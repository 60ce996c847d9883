"""The demo's adopted strategy: the Lublin skeleton, adopted, measured, implemented, linked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lublin2030.demo.strategy import seed_adopted_strategy
from lublin2030.demo.workgroups import DemoSize, seed_working_groups
from stages.models import (
    Consultation,
    DevelopmentArea,
    Goal,
    ImplementationUpdate,
    Indicator,
    Measurement,
    Strategy,
    Task,
)
from tests.factories import OpinionFactory, editor
from workgroups.models import Recommendation, StrategyLink

pytestmark = pytest.mark.django_db


def test_the_demo_strategy_is_adopted_measured_and_linked_once(
    lublin_process: None, client: Client
) -> None:
    consultation = Consultation.objects.get(kind=Consultation.Kind.OPEN_QUESTION)
    for _ in range(40):
        OpinionFactory(consultation=consultation)
    seed_working_groups(
        size=DemoSize(recommendations_per_group=3, versions_per_recommendation=1, evidence_links=40)
    )
    staff = editor()
    summary = seed_adopted_strategy(editor=staff)
    assert summary.created
    assert DevelopmentArea.objects.count() == 5
    assert Indicator.objects.count() == 30
    assert Strategy.objects.get().adopted_on == dt.date(2022, 1, 27)
    # Three years of final values for every indicator, some provisional fourths.
    assert Measurement.objects.filter(status="final").count() == 90
    assert Measurement.objects.filter(status="provisional").exists()
    assert Task.objects.count() == 60
    assert ImplementationUpdate.objects.exists()
    verified = Recommendation.objects.filter(published_at__isnull=False).exclude(status="rejected")
    assert StrategyLink.objects.count() == summary.links > 0
    assert Recommendation.objects.filter(status="not_adopted").exclude(adoption_reason="").exists()
    assert not verified.filter(status="verified").exists()
    again = seed_adopted_strategy(editor=staff)
    assert not again.created
    assert Task.objects.count() == 60
    # The pages show it.
    assert client.get("/strategy/").status_code == 200
    goal = Goal.objects.filter(recommendation_links__isnull=False).first()
    assert goal is not None
    html = client.get(goal.get_absolute_url()).content.decode()
    assert 'class="quote"' in html or "goal-origin" in html
