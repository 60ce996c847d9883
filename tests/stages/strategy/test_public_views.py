"""The strategy's public pages: what a resident sees, and the query counts pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from stages.models import Goal, Measurement, Strategy
from tests.factories import DistrictFactory
from tests.stages.strategy.factories import (
    DirectionFactory,
    GoalFactory,
    IndicatorFactory,
    MeasurementFactory,
    StrategyFactory,
    TaskFactory,
    UpdateFactory,
)

pytestmark = pytest.mark.django_db


def adopt(strategy: Strategy, on: dt.date) -> None:
    Strategy.objects.filter(pk=strategy.pk).update(
        adopted_on=on, resolution_number="XXXVI/1387/2022", votes_for=20, votes_against=5,
        votes_abstaining=2,
    )  # fmt: skip


def goal_with_everything(code: str = "A.1") -> Goal:
    goal = GoalFactory(code=code, title="Zrównoważona mobilność")
    indicator = IndicatorFactory(goal=goal, code=f"rowery-{code}", name="Długość dróg dla rowerów")
    MeasurementFactory(indicator=indicator, year=2022, value=Decimal("130.5"))
    MeasurementFactory(
        indicator=indicator, year=2023, value=Decimal(150), status=Measurement.Status.PROVISIONAL
    )
    direction = DirectionFactory(goal=goal, title="Sieć dróg rowerowych")
    district = DistrictFactory(slug=f"felin-{code.replace('.', '-').lower()}", name=f"Felin {code}")
    task = TaskFactory(direction=direction, title="Trasa rowerowa na Felinie", districts=[district])
    for _ in range(4):
        UpdateFactory(task=task)
    return goal


def test_the_strategy_page_shows_areas_goals_and_their_progress(client: Client) -> None:
    goal = goal_with_everything()
    response = client.get(reverse("stages:strategy"))
    assert response.status_code == 200
    html = response.content.decode()
    assert goal.area.name in html
    assert "Zrównoważona mobilność" in html
    assert goal.get_absolute_url() in html
    # 150 of the way from 100 to 200 in 2023 (line expects 30 %): on track, 50 %.
    assert "progress-status--on_track" in html
    assert 'value="50"' in html
    assert "jeszcze nie uchwalona" in html


def test_the_strategy_shows_as_adopted_from_the_resolution_date(client: Client) -> None:
    strategy = StrategyFactory()
    GoalFactory(area__strategy=strategy)
    adopt(strategy, dt.date(2022, 1, 27))
    html = client.get(reverse("stages:strategy")).content.decode()
    assert "XXXVI/1387/2022" in html
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    adopt(strategy, tomorrow)
    html = client.get(reverse("stages:strategy")).content.decode()
    assert "XXXVI/1387/2022" not in html


def test_no_strategy_yet_is_said_plainly(client: Client) -> None:
    response = client.get(reverse("stages:strategy"))
    assert response.status_code == 200


def test_the_goal_page_has_chart_table_tasks_and_updates(client: Client) -> None:
    goal = goal_with_everything()
    response = client.get(goal.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" role="img"' in html
    assert 'aria-describedby="indicator-rowery-A.1-desc"' in html
    # The table beside the chart has the same figures, Polish decimal comma included.
    assert "130,5" in html
    assert "Trasa rowerowa na Felinie" in html
    # The latest three of the task's four updates, and a link to all of them.
    assert html.count("Wykonano kolejny odcinek prac") == 3
    assert reverse("stages:strategy_task", args=[goal.directions.get().tasks.get().code]) in html


def test_an_unknown_goal_is_not_found(client: Client) -> None:
    assert client.get(reverse("stages:strategy_goal", args=["Z.9"])).status_code == 404


def test_the_task_page_lists_every_update(client: Client) -> None:
    goal = goal_with_everything()
    task = goal.directions.get().tasks.get()
    html = client.get(task.get_absolute_url()).content.decode()
    assert html.count("Wykonano kolejny odcinek prac") == 4
    assert "Felin A.1" in html


def test_the_district_page_lists_its_tasks_and_their_state(client: Client) -> None:
    goal = goal_with_everything()
    elsewhere = TaskFactory(title="Park na Czubach")
    district = goal.directions.get().tasks.get().districts.get()
    html = client.get(reverse("stages:strategy_district", args=[district.slug])).content.decode()
    assert "Trasa rowerowa na Felinie" in html
    assert elsewhere.title not in html
    assert "w toku" in html or "in progress" in html


def test_query_counts_do_not_grow_with_the_strategy(
    client: Client, django_assert_num_queries: object
) -> None:
    for n in range(3):
        goal = goal_with_everything(code=f"A.{n + 1}")
    GoalFactory(area=goal.area, parent=goal, level=Goal.Level.OPERATIONAL, code="A.3.1")
    district = goal.directions.get().tasks.get().districts.get()
    # Strategy page: session-less anonymous request; the strategy (1), areas (1), goals (1),
    # indicators (1), measurements (1), districts with task counts (1).
    with django_assert_num_queries(6):  # type: ignore[operator]
        assert client.get(reverse("stages:strategy")).status_code == 200
    # Goal page: goal (1), operational goals (1), indicators (1), measurements (1),
    # directions (1), tasks (1), their districts (1), latest updates (1), documents (1); the
    # origin panel (workgroups): links (1, none yet so nothing more).
    with django_assert_num_queries(10):  # type: ignore[operator]
        assert client.get(goal.get_absolute_url()).status_code == 200
    # District page: the district (1), its tasks with goals and last update dates (1).
    with django_assert_num_queries(2):  # type: ignore[operator]
        url = reverse("stages:strategy_district", args=[district.slug])
        assert client.get(url).status_code == 200


def test_the_cached_summary_changes_when_an_editor_enters_a_measurement(
    client: Client, django_assert_num_queries: object, django_capture_on_commit_callbacks: object
) -> None:
    from stages.strategy.services import record_measurement
    from tests.factories import editor

    indicator = IndicatorFactory()
    MeasurementFactory(indicator=indicator, year=2025, value=Decimal(150))
    assert 'value="50"' in client.get(reverse("stages:strategy")).content.decode()
    # Cached: the strategy (1) and the districts (1) only.
    with django_assert_num_queries(2):  # type: ignore[operator]
        client.get(reverse("stages:strategy"))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        record_measurement(actor=editor(), indicator=indicator, year=2026, value=Decimal(180))
    assert 'value="80"' in client.get(reverse("stages:strategy")).content.decode()
