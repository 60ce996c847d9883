"""Traceability benchmark, run by bench/run.py (figures printed and written to
var/bench/trace.json, never judged):

trace_pages  the private tracking page of an opinion with 50 links (the thematic report
             versions it is in and the published recommendations that cite it: the
             issue's figure, target p99 < 30 ms), its public page (the same walk, public
             part), and the numbers page over every opinion of the bench database (target
             p99 < 100 ms at 1,000,000), each under load from a second process on loopback
             (gunicorn, DEBUG off) with one client and with four; and the walk back from
             a goal backed by 10,000 published opinions: the goal page and the list of
             the opinions behind it, its first page and a later one (target p99 < 100 ms).

    python bench/trace_bench.py prepare     (idempotent: links one opinion 50 times, and
                                             cites 10,000 opinions by one goal's
                                             recommendations)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import opinions_bench
from harness import gunicorn_server, run_django_side, setup_django

LINKS = 50
GOAL_OPINIONS = 10_000
LATER_PAGE = 400  # of 500: the list's pages are 20 opinions
Figures = dict[str, Any]


def run(env: dict[str, str], *, seconds: float, database: str) -> Figures:
    spec = run_django_side(__file__, env, "prepare")
    pages = []
    with opinions_bench.bench_server(env) as base:
        for name, path, target in spec["pages"]:
            url = base + path
            opinions_bench.warm_up(url, connections=4)
            for clients in (1, 4):
                figures = opinions_bench.load(url, seconds=seconds, connections=clients)
                pages.append({"page": name, "path": path, "target_p99_ms": target, **figures})
    return {
        "benchmark": "trace_pages",
        "database": database,
        "server": gunicorn_server(),
        "data": spec["data"],
        "results": pages,
    }


def print_report(report: Figures, database: str) -> None:
    data = report["data"]
    print(
        f"\ntrace_pages ({report['server']}, {database}; an opinion with {data['links']} links: "
        f"{data['reports']} report versions, {data['recommendations']} recommendations; "
        f"{data['opinions']:,} opinions counted)"
    )
    print(
        f"a goal backed by {data['goal_opinions']:,} published opinions through "
        f"{data['goal_recommendations']} adopted recommendations"
    )
    print(f"{'page':<44}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'target':>8}")  # fmt: skip
    for row in report["results"]:
        print(
            f"{row['page']:<44}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['target_p99_ms']:>8}"
        )


# --- Django side (runs in a subprocess with the bench settings) ------------------------------


def prepare() -> Figures:
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from opinions.models import Opinion, ReportMembership, ThematicReport
    from workgroups.models import OpinionEvidence, Recommendation
    from workgroups.strategy_links import opinions_behind, recommendations_behind

    opinion = Opinion.objects.published().filter(area__isnull=False).order_by("pk").first()
    assert opinion is not None, "seed_demo first"
    with transaction.atomic():
        reports = list(ThematicReport.objects.built().order_by("pk")[: LINKS // 5])
        now = timezone.now()
        for report in reports:
            if report.published_at is None:
                ThematicReport.objects.filter(pk=report.pk).update(published_at=now)
            ReportMembership.objects.get_or_create(report=report, opinion=opinion)
        wanted = LINKS - len(reports)
        recommendations = list(Recommendation.objects.order_by("pk")[:wanted])
        for recommendation in recommendations:
            if recommendation.published_at is None:
                Recommendation.objects.filter(pk=recommendation.pk).update(published_at=now)
            OpinionEvidence.objects.get_or_create(recommendation=recommendation, opinion=opinion)
    links = len(reports) + len(recommendations)
    goal, goal_recommendations = _goal_backed_by_many(exclude=opinion.pk)
    walk_back = reverse("workgroups:goal_opinions", args=[goal.code])
    behind = opinions_behind(recommendations_behind(goal)).count()
    return {
        "pages": [
            (f"tracking page ({links} links)", opinion.get_tracking_url(), 30),
            (f"public opinion page ({links} links)", opinion.get_absolute_url(), 30),
            ("numbers page", reverse("workgroups:numbers"), 100),
            (f"goal page ({behind:,} opinions behind it)", goal.get_absolute_url(), 100),
            ("walk back from the goal, first page", walk_back, 100),
            (f"walk back from the goal, page {LATER_PAGE}", f"{walk_back}?page={LATER_PAGE}", 100),
        ],
        "data": {
            "links": links,
            "reports": len(reports),
            "recommendations": len(recommendations),
            "opinions": Opinion.objects.count(),
            "goal": goal.code,
            "goal_opinions": behind,
            "goal_recommendations": goal_recommendations,
        },
    }


def _goal_backed_by_many(*, exclude: int) -> tuple[Any, int]:
    """The first strategic goal with published, adopted recommendations linked to it (the
    demo links them), which then cite the newest GOAL_OPINIONS published opinions, spread
    over them (bulk, ignoring the citations already there: safe to run again). `exclude`:
    the tracking page's opinion, whose 50 links stay 50."""
    from django.db.models import Exists, OuterRef

    from opinions.models import Opinion
    from stages.models import Goal
    from workgroups.models import OpinionEvidence, Recommendation, StrategyLink

    linked = StrategyLink.objects.filter(
        goal=OuterRef("pk"),
        recommendation__published_at__isnull=False,
        recommendation__status=Recommendation.Status.ADOPTED,
    )
    goal = (
        Goal.objects.filter(parent__isnull=True)
        .filter(Exists(linked))
        .order_by("area__number", "code")
        .first()
    )
    if goal is None:
        # A bench database whose demo strategy has no adopted recommendation yet (the demo
        # adopts them only once the strategy is loaded): the first published, verified
        # recommendation is adopted into the first strategic goal.
        goal = Goal.objects.filter(parent__isnull=True).order_by("area__number", "code").first()
        recommendation = (
            Recommendation.objects.filter(published_at__isnull=False)
            .filter(status__in=[Recommendation.Status.VERIFIED, Recommendation.Status.ADOPTED])
            .order_by("pk")
            .first()
        )
        assert goal is not None and recommendation is not None, "seed_demo first"
        Recommendation.objects.filter(pk=recommendation.pk).update(
            status=Recommendation.Status.ADOPTED
        )
        StrategyLink.objects.get_or_create(
            recommendation=recommendation, goal=goal, defaults={"how": StrategyLink.How.AS_IS}
        )
    recommendation_ids = sorted(
        set(
            StrategyLink.objects.filter(
                goal=goal,
                recommendation__published_at__isnull=False,
                recommendation__status=Recommendation.Status.ADOPTED,
            ).values_list("recommendation_id", flat=True)
        )
    )
    opinion_ids = list(
        Opinion.objects.published()
        .exclude(pk=exclude)
        .order_by("-pk")
        .values_list("pk", flat=True)[:GOAL_OPINIONS]
    )
    OpinionEvidence.objects.bulk_create(
        (
            OpinionEvidence(
                recommendation_id=recommendation_ids[index % len(recommendation_ids)],
                opinion_id=pk,
            )
            for index, pk in enumerate(opinion_ids)
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    return goal, len(recommendation_ids)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("prepare",))
    parser.parse_args()
    setup_django()
    json.dump(prepare(), sys.stdout)


if __name__ == "__main__":
    main()
