"""Strategy benchmark, run by bench/run.py (figures printed and written to
var/bench/strategy.json, never judged):

strategy_pages   the strategy page, a goal page and a district page of a strategy of the
                 issue's size (5 areas, 40 goals, 200 indicators with 10 years of
                 measurements each, 1,000 tasks with 20 implementation updates each), under
                 load from a second process on loopback (gunicorn, DEBUG off), with one
                 client and with four. Target p99 < 100 ms.
monitoring       the annual monitoring report of that strategy built in-process (content,
                 HTML, PDF and XLSX). Target < 30 s.

    python bench/strategy_bench.py prepare         (idempotent: seeds the bench strategy once)
    python bench/strategy_bench.py report-timing
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from decimal import Decimal
from typing import Any

import opinions_bench
from harness import gunicorn_server, run_django_side, setup_django

KEY = "bench-strategy"
AREAS, GOALS_PER_AREA, INDICATORS_PER_GOAL, YEARS = 5, 8, 5, 10
DIRECTIONS_PER_GOAL, TASKS, UPDATES_PER_TASK = 2, 1000, 20
Figures = dict[str, Any]


def run(env: dict[str, str], *, seconds: float, database: str) -> Figures:
    spec = run_django_side(__file__, env, "prepare")
    report = run_django_side(__file__, env, "report-timing")
    pages = []
    with opinions_bench.bench_server(env) as base:
        for name, path in spec["pages"]:
            url = base + path
            opinions_bench.warm_up(url, connections=4)
            for clients in (1, 4):
                figures = opinions_bench.load(url, seconds=seconds, connections=clients)
                pages.append({"page": name, "path": path, **figures})
    return {
        "benchmark": "strategy_pages",
        "database": database,
        "server": gunicorn_server(),
        "data": spec["data"],
        "target_p99_ms": 100,
        "results": pages,
        "monitoring_report": report,
        "target_report_seconds": 30,
    }


def print_report(report: Figures, database: str) -> None:
    data = report["data"]
    print(
        f"\nstrategy_pages ({report['server']}, {database}; {data['areas']} areas, "
        f"{data['goals']} goals, {data['indicators']} indicators, {data['measurements']} "
        f"measurements, {data['tasks']} tasks, {data['updates']} updates)"
    )
    print(f"{'page':<24}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}")  # fmt: skip
    for row in report["results"]:
        print(
            f"{row['page']:<24}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
        )
    timing = report["monitoring_report"]
    print(
        f"monitoring report {timing['year']} built in-process in {timing['seconds']:.1f} s "
        f"(PDF {timing['pdf_bytes']:,} bytes, XLSX {timing['xlsx_bytes']:,} bytes)"
    )


# --- Django side (runs in a subprocess with the bench settings) ------------------------------


def _seed() -> None:
    from django.db import transaction

    from stages.models import (
        DevelopmentArea,
        Direction,
        District,
        Goal,
        ImplementationUpdate,
        Indicator,
        Measurement,
        Strategy,
        Task,
    )

    with transaction.atomic():
        strategy = Strategy.objects.create(
            key=KEY,
            name="Strategia (benchmark)",
            start_year=2031,
            end_year=2040,
            adopted_on=dt.date(2031, 1, 15),
            resolution_number="BENCH/1/2031",
        )
        areas = DevelopmentArea.objects.bulk_create(
            DevelopmentArea(strategy=strategy, number=n, slug=f"bench-area-{n}", name=f"Obszar {n}")
            for n in range(1, AREAS + 1)
        )
        goals = Goal.objects.bulk_create(
            Goal(
                area=area,
                level=Goal.Level.STRATEGIC,
                code=f"X{area.number}.{g}",
                position=g,
                title=f"Cel strategiczny {area.number}.{g} – lepsze życie w mieście",
            )
            for area in areas
            for g in range(1, GOALS_PER_AREA + 1)
        )
        indicators = Indicator.objects.bulk_create(
            Indicator(
                goal=goal,
                code=f"bench-{goal.code.lower().replace('.', '-')}-{i}",
                position=i,
                name=f"Wskaźnik {i} celu {goal.code}",
                unit="szt.",
                baseline_value=Decimal(100),
                baseline_year=2030,
                target_value=Decimal(200),
                target_year=2040,
                source="GUS, Bank Danych Lokalnych",
            )
            for goal in goals
            for i in range(1, INDICATORS_PER_GOAL + 1)
        )
        Measurement.objects.bulk_create(
            (
                Measurement(indicator=indicator, year=2030 + y, value=Decimal(100 + 9 * y))
                for indicator in indicators
                for y in range(YEARS)
            ),
            batch_size=2000,
        )
        directions = Direction.objects.bulk_create(
            Direction(goal=goal, code=f"{goal.code}.{d}", position=d, title=f"Kierunek {d}")
            for goal in goals
            for d in range(1, DIRECTIONS_PER_GOAL + 1)
        )
        tasks = Task.objects.bulk_create(
            (
                Task(
                    direction=directions[n % len(directions)],
                    code=f"BENCH-{n:04d}",
                    title=f"Zadanie {n}: modernizacja infrastruktury",
                    status="in_progress",
                    responsible_unit="Wydział Inwestycji",
                    budget=Decimal(1_000_000),
                    starts_on=dt.date(2031, 3, 1),
                    ends_on=dt.date(2034, 12, 31),
                )
                for n in range(TASKS)
            ),
            batch_size=500,
        )
        districts = list(District.objects.order_by("pk"))
        through = Task.districts.through
        through.objects.bulk_create(
            (
                through(task_id=task.pk, district_id=districts[n % len(districts)].pk)
                for n, task in enumerate(tasks)
            ),
            batch_size=2000,
        )
        ImplementationUpdate.objects.bulk_create(
            (
                ImplementationUpdate(
                    task=task,
                    published_on=dt.date(2031, 1, 1) + dt.timedelta(days=30 * u),
                    text=f"Informacja o realizacji nr {u + 1}: wykonano kolejny etap prac.",
                )
                for task in tasks
                for u in range(UPDATES_PER_TASK)
            ),
            batch_size=5000,
        )


def prepare() -> Figures:
    from django.urls import reverse

    from stages.models import Goal, ImplementationUpdate, Indicator, Measurement, Strategy, Task

    if not Strategy.objects.filter(key=KEY).exists():
        _seed()
    strategy = Strategy.objects.get(key=KEY)
    goal = Goal.objects.filter(area__strategy=strategy).order_by("code").first()
    task = Task.objects.filter(direction__goal__area__strategy=strategy).order_by("pk").first()
    assert goal is not None and task is not None
    district = task.districts.get()
    scope = {"goal__area__strategy": strategy}
    return {
        "pages": [
            ("strategy page", reverse("stages:strategy")),
            ("goal page", goal.get_absolute_url()),
            ("district page", reverse("stages:strategy_district", args=[district.slug])),
            ("task page (20 updates)", task.get_absolute_url()),
        ],
        "data": {
            "areas": strategy.areas.count(),
            "goals": Goal.objects.filter(area__strategy=strategy).count(),
            "indicators": Indicator.objects.filter(**scope).count(),
            "measurements": Measurement.objects.filter(
                indicator__goal__area__strategy=strategy
            ).count(),
            "tasks": Task.objects.filter(direction__goal__area__strategy=strategy).count(),
            "updates": ImplementationUpdate.objects.filter(
                task__direction__goal__area__strategy=strategy
            ).count(),
        },
    }


def report_timing() -> Figures:
    from lublin2030.models import User
    from stages.models import MonitoringReport, Strategy
    from stages.strategy.monitoring import build_monitoring_report

    strategy = Strategy.objects.get(key=KEY)
    actor = User.objects.filter(is_superuser=True).first()
    report = MonitoringReport.objects.create(
        strategy=strategy,
        year=2035,
        version=MonitoringReport.objects.count() + 1,
        requested_by=actor,
    )
    started = time.perf_counter()
    built = build_monitoring_report(report_id=report.pk)
    seconds = time.perf_counter() - started
    return {
        "year": built.year,
        "seconds": round(seconds, 2),
        "status": built.status,
        "pdf_bytes": built.pdf.size if built.pdf else 0,
        "xlsx_bytes": built.xlsx.size if built.xlsx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("prepare", "report-timing"))
    args = parser.parse_args()
    setup_django()
    result = prepare() if args.command == "prepare" else report_timing()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
