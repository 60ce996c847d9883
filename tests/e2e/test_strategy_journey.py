"""The adopted strategy in the browser: a resident follows a goal from the strategy page to
its chart, table, tasks and the recommendations behind it; each page checked with axe."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from lublin2030.models import User
from stages.models import (
    Consultation,
    District,
    Goal,
    Indicator,
    Measurement,
    Strategy,
    ThematicArea,
)
from stages.strategy.loader import load_strategy
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import OpinionFactory, editor
from tests.stages.strategy.factories import TaskFactory, UpdateFactory
from tests.workgroups.factories import WorkingGroupFactory, recommendation
from workgroups.models import OpinionEvidence, Recommendation, WorkingGroup
from workgroups.services.adoption import decide_adoption, link_recommendation

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LUBLIN_STRATEGY = Path(settings.BASE_DIR) / "data" / "strategy" / "lublin-2030.toml"


def published_recommendation(title: str, opinions: int, area_number: int) -> Recommendation:
    area = ThematicArea.objects.get(number=area_number)
    group = WorkingGroup.objects.filter(area=area).first() or WorkingGroupFactory(area=area)
    rec = recommendation(group, title=title, status=Recommendation.Status.VERIFIED)
    Recommendation.objects.filter(pk=rec.pk).update(published_at=timezone.now())
    for n in range(opinions):
        opinion = OpinionFactory(
            consultation=Consultation.objects.first(),
            text=f"Więcej dróg rowerowych do centrum, głos nr {n + 1}.",
        )
        OpinionEvidence.objects.create(recommendation=rec, opinion=opinion)
    return rec


def adopted_lublin_strategy() -> Goal:
    load_strategy(LUBLIN_STRATEGY)
    Strategy.objects.update(
        adopted_on=dt.date(2022, 1, 27), resolution_number="1387/XXXVI/2022",
        votes_for=22, votes_against=6, votes_abstaining=3,
    )  # fmt: skip
    goal = Goal.objects.get(code="B.2")
    indicator = Indicator.objects.get(code="drogi-rowerowe")
    for year, value in ((2020, 171), (2021, 185), (2022, 198)):
        Measurement.objects.create(indicator=indicator, year=year, value=Decimal(value))
    Measurement.objects.create(
        indicator=indicator, year=2023, value=Decimal("204.5"),
        status=Measurement.Status.PROVISIONAL,
    )  # fmt: skip
    task = TaskFactory(
        direction=goal.directions.get(code="B.2.2"),
        title="Trasa rowerowa wzdłuż Bystrzycy",
        districts=[District.objects.get(slug="wrotkow")],
    )
    UpdateFactory(task=task, text="Oddano do użytku pierwszy odcinek trasy.")
    staff = editor()
    for title, area_number in (
        ("Rowerem do szkoły i pracy", 12),
        ("Bezpieczne przejścia dla pieszych", 12),
    ):
        rec = published_recommendation(title, opinions=2, area_number=area_number)
        link_recommendation(recommendation_id=rec.pk, actor=staff, goal=goal, how="as_is")
        decide_adoption(recommendation_id=rec.pk, actor=staff, adopted=True)
    return goal


def test_resident_follows_a_goal_to_its_indicators_tasks_and_origin(
    page: Page, lublin_process: None
) -> None:
    goal = adopted_lublin_strategy()
    page.goto("/")
    page.get_by_role("navigation", name=re.compile("Main menu|Menu główne")).get_by_role(
        "link", name=re.compile("strateg", re.IGNORECASE)
    ).click()
    expect(page.locator("h1")).to_have_text("Strategia Rozwoju Lublina na lata 2021–2030")
    expect(page.locator(".adoption")).to_contain_text("1387/XXXVI/2022")
    expect(page.locator(".strategy-area")).to_have_count(5)
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"B\.2 Zrównoważona mobilność")).click()
    expect(page).to_have_url(re.compile(rf"/strategy/goals/{re.escape(goal.code)}/$"))
    chart = page.locator("#indicator-drogi-rowerowe svg[role=img]")
    expect(chart).to_have_count(1)
    expect(chart.locator("title")).to_have_text("Długość dróg dla rowerów")
    table = page.locator("#indicator-drogi-rowerowe table")
    expect(table.locator("tbody tr").filter(has_text="2022")).to_contain_text("198")
    expect(table.locator("tbody tr").filter(has_text="2023")).to_contain_text("204,5")
    expect(page.locator(".task")).to_contain_text("Trasa rowerowa wzdłuż Bystrzycy")
    origin = page.locator(".goal-origin")
    expect(origin).to_contain_text("Rowerem do szkoły i pracy")
    expect(origin).to_contain_text("Bezpieczne przejścia dla pieszych")
    expect(origin.locator(".quote")).to_have_count(3)
    assert_accessible(page)

    page.get_by_role("link", name="Trasa rowerowa wzdłuż Bystrzycy").click()
    expect(page.locator(".task-update")).to_contain_text("Oddano do użytku pierwszy odcinek")
    assert_accessible(page)
    page.get_by_role("link", name="Wrotków").click()
    expect(page.locator("table")).to_contain_text("Trasa rowerowa wzdłuż Bystrzycy")
    assert_accessible(page)


def test_the_goal_page_reads_well_on_a_phone(page: Page, lublin_process: None) -> None:
    goal = adopted_lublin_strategy()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(goal.get_absolute_url())
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px wide)"
    assert_accessible(page)


def test_editor_builds_a_goal_links_recommendations_imports_and_records_adoption(
    page: Page, verified_editor: User, tmp_path: Path
) -> None:
    load_strategy(LUBLIN_STRATEGY)
    first = published_recommendation("Zielone podwórka w każdej dzielnicy", 2, area_number=8)
    second = published_recommendation("Ogrody deszczowe przy szkołach", 1, area_number=8)
    log_in(page, verified_editor)

    page.get_by_role("link", name=re.compile("Manage the strategy|Zarządzaj strategią")).click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Add a goal|Dodaj cel")).click()
    form = page.locator("main form")
    form.locator("select[name='area']").select_option(
        str(Strategy.objects.get().areas.get(slug="lublin-zielony").pk)
    )
    form.locator("input[name='code']").fill("B.4")
    form.locator("input[name='title']").fill("Zielone i chłodne podwórka")
    assert_accessible(page)
    form.locator("button[type='submit']").click()
    expect(page.locator("h1")).to_have_text("B.4 Zielone i chłodne podwórka")
    assert_accessible(page)

    page.locator("input[name='direction-code']").fill("B.4.1")
    page.locator("input[name='direction-title']").fill("Odszczelnianie i zazielenianie podwórek")
    page.get_by_role("button", name=re.compile("Add the direction|Dodaj kierunek")).click()
    expect(page.locator("#directions-title + ul")).to_contain_text("B.4.1")

    page.get_by_role("link", name=re.compile("Add an indicator|Dodaj wskaźnik")).click()
    form = page.locator("main form")
    for name, value in {
        "code": "podworka-zielone", "name": "Zazielenione podwórka", "unit": "szt.",
        "baseline_value": "12", "baseline_year": "2020", "target_value": "120",
        "target_year": "2030", "source": "Zarząd Zieleni Miejskiej",
    }.items():  # fmt: skip
        form.locator(f"input[name='{name}']").fill(value)
    assert_accessible(page)
    form.locator("button[type='submit']").click()
    expect(page.locator("h1")).to_have_text("Zazielenione podwórka")

    # Two recommendations linked (and adopted) on the goal's recommendations page.
    page.goto("/staff/strategy/goals/B.4/")
    page.get_by_role("link", name=re.compile("Link recommendations|Powiąż rekomendacje")).click()
    assert_accessible(page)
    for rec, target in ((first, "goal"), (second, "direction")):
        form = page.locator("main form").filter(has=page.locator("select[name='target']"))
        form.locator("select[name='recommendation']").select_option(str(rec.pk))
        if target == "direction":
            form.locator("select[name='target']").select_option(index=1)
        form.locator("select[name='how']").select_option(
            "changed" if target == "direction" else "as_is"
        )
        form.locator("button[type='submit']").click()
        expect(page.locator("#links-title + ul")).to_contain_text(rec.title)
    assert Recommendation.objects.filter(status=Recommendation.Status.ADOPTED).count() == 2

    # A year of measurements from a file.
    csv_file = tmp_path / "pomiary-2024.csv"
    csv_file.write_text(
        "indicator;year;value;status\npodworka-zielone;2022;30;final\n"
        "podworka-zielone;2023;44;final\npodworka-zielone;2024;61;provisional\n",
        encoding="utf-8",
    )
    page.goto("/staff/strategy/measurements/import/")
    page.locator("input[type='file'][name='file']").set_input_files(str(csv_file))
    page.locator("main form button[type='submit']").click()
    expect(page.locator(".verdict--ok")).to_have_count(3)
    assert_accessible(page)
    assert Measurement.objects.filter(indicator__code="podworka-zielone").count() == 3

    # The council's resolution.
    page.goto("/staff/strategy/adoption/")
    form = page.locator("main form")
    form.locator("input[name='adopted_on']").fill("2022-01-27")
    form.locator("input[name='resolution_number']").fill("1387/XXXVI/2022")
    form.locator("input[name='votes_for']").fill("22")
    form.locator("input[name='votes_against']").fill("6")
    form.locator("input[name='votes_abstaining']").fill("3")
    assert_accessible(page)
    form.locator("button[type='submit']").click()
    assert Strategy.objects.get().adopted_on == dt.date(2022, 1, 27)

    # A task of the new direction (entered by the implementing unit), then a resident's view.
    TaskFactory(
        direction=Goal.objects.get(code="B.4").directions.get(),
        title="Zielone podwórko przy ul. Lipowej",
    )
    resident = page.context.browser.new_context(base_url=page.url.split("/staff")[0])  # type: ignore[union-attr]
    public = resident.new_page()
    public.goto("/strategy/goals/B.4/")
    expect(public.locator("#indicator-podworka-zielone svg[role=img]")).to_have_count(1)
    table = public.locator("#indicator-podworka-zielone table")
    expect(table.locator("tbody tr").filter(has_text="2024")).to_contain_text("61")
    expect(public.locator(".task")).to_contain_text("Zielone podwórko przy ul. Lipowej")
    origin = public.locator(".goal-origin")
    expect(origin).to_contain_text(first.title)
    expect(origin).to_contain_text(second.title)
    expect(public.locator(".adoption")).to_contain_text("1387/XXXVI/2022")
    assert_accessible(public)
    resident.close()
