"""Working-group benchmarks, run by bench/run.py (figures printed and written to
var/bench/workgroups.json, never judged):

workgroups_pages  the workspace and recommendation pages of a database holding 12 groups,
                  120 members, 300 recommendations of 50 versions each and 1,000 evidence
                  links (the issue's figure; workgroups/demo.py BENCH), requested by a
                  signed-in member under load from a second process on loopback (gunicorn,
                  DEBUG off): p50 and p99 with one client and with four. Target p99 < 100 ms.
                  The comparison page of two 20,000-character versions is among them
                  (target < 200 ms), and the comparison itself is also timed in-process.

The work that needs Django runs in a subprocess through this file's own command line:

    python bench/workgroups_bench.py prepare     (idempotent: seeds the bench size once)
    python bench/workgroups_bench.py diff-timing
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import opinions_bench
from harness import gunicorn_server, run_django_side, setup_django

ROOT = Path(__file__).resolve().parent.parent
LONG_TEXT_CHARS = 20_000
LONG_TITLE = "Rekomendacja o długim tekście (benchmark porównania wersji)"

Figures = dict[str, Any]


# --- Orchestration (no Django here: it runs in bench/run.py's process) ----------------------


def run(env: dict[str, str], *, seconds: float, database: str) -> Figures:
    spec = run_django_side(__file__, env, "prepare")
    diff = run_django_side(__file__, env, "diff-timing")
    cookie = f"sessionid={spec['session']}"
    pages = []
    with opinions_bench.bench_server(env) as base:
        for name, path in spec["pages"]:
            url = base + path
            opinions_bench.warm_up(url, connections=4, cookie=cookie)
            for clients in (1, 4):
                figures = opinions_bench.load(
                    url, seconds=seconds, connections=clients, cookie=cookie
                )
                pages.append({"page": name, "path": path, **figures})
    return {
        "benchmark": "workgroups_pages",
        "database": database,
        "server": gunicorn_server(),
        "data": spec["data"],
        "target_p99_ms": 100,
        "target_compare_ms": 200,
        "results": pages,
        "diff_in_process": diff,
    }


def print_report(report: Figures, database: str) -> None:
    data = report["data"]
    print(
        f"\nworkgroups_pages ({report['server']}, {database}; {data['groups']} groups, "
        f"{data['members']} members, {data['recommendations']} recommendations, "
        f"{data['versions']} versions, {data['evidence_links']} evidence links)"
    )
    print(f"{'page':<34}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}")  # fmt: skip
    for row in report["results"]:
        print(
            f"{row['page']:<34}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
        )
    diff = report["diff_in_process"]
    print(
        f"comparison of two {diff['chars_a']:,} / {diff['chars_b']:,}-character versions, "
        f"in-process: median {diff['median_ms']:.1f} ms, worst {diff['max_ms']:.1f} ms "
        f"({diff['runs']} runs)"
    )


# --- Django side (runs in a subprocess with the bench settings) ------------------------------


def _long_text(seed: int, chars: int) -> str:
    import random

    from lublin2030.demo.workgroups import SENTENCES

    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < chars:
        sentence = rng.choice(SENTENCES)
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)[:chars]


def _edit(text: str, seed: int) -> str:
    """The same text with about one sentence in twenty rewritten, as a real revision."""
    import random

    from lublin2030.demo.workgroups import SENTENCES

    rng = random.Random(seed)
    sentences = text.split(". ")
    for index in range(0, len(sentences), 20):
        sentences[index] = rng.choice(SENTENCES).rstrip(".")
    return ". ".join(sentences)[: len(text)]


def prepare() -> Figures:
    from django.db import transaction
    from django.urls import reverse

    from lublin2030.demo import workgroups as demo
    from lublin2030.models import User
    from workgroups.models import (
        Membership,
        OpinionEvidence,
        Recommendation,
        RecommendationVersion,
        Seat,
        WorkingGroup,
    )

    wanted = demo.BENCH
    per_rec = wanted.versions_per_recommendation
    enough = RecommendationVersion.objects.filter(number=per_rec).count() >= 12 * (
        wanted.recommendations_per_group
    )
    if not enough:
        with transaction.atomic():
            _clear_working_groups()
            leader = User.objects.filter(email="lider@demo.lublin2030.pl").first()
            named = [(leader, Seat.LEADER)] if leader else []
            demo.seed_working_groups(size=wanted, named_members=named)
    member = Membership.objects.active().select_related("user", "group").filter(seat=Seat.LEADER)
    seat = member.order_by("group__area__number").first()
    assert seat is not None
    group: WorkingGroup = seat.group
    rec = (
        Recommendation.objects.filter(group=group, status=Recommendation.Status.DRAFT)
        .exclude(title=LONG_TITLE)
        .order_by("-version", "number")
        .first()
    )
    assert rec is not None
    published = Recommendation.objects.published().order_by("pk").first()
    long_rec = _long_recommendation(group, seat.user)
    session_key = opinions_bench.signed_in_session(seat.user)
    pages = [
        ("workspace", reverse("workgroups:workspace", kwargs={"slug": group.slug})),
        (
            "recommendation (50 versions)",
            reverse("workgroups:recommendation_detail", args=[rec.pk]),
        ),
        ("versions list", reverse("workgroups:recommendation_versions", args=[rec.pk])),
        ("editor", reverse("workgroups:recommendation_edit", args=[rec.pk])),
        (
            "compare 2 × 20,000 characters",
            reverse("workgroups:recommendation_compare", args=[long_rec.pk]) + "?a=1&b=2",
        ),
    ]
    if published is not None:
        pages.append(
            (
                "public recommendation",
                reverse("workgroups:recommendation_public", args=[published.pk]),
            )
        )
    return {
        "session": session_key,
        "pages": pages,
        "data": {
            "groups": WorkingGroup.objects.count(),
            "members": Membership.objects.active().count(),
            "recommendations": Recommendation.objects.exclude(title=LONG_TITLE).count(),
            "versions": RecommendationVersion.objects.exclude(
                recommendation__title=LONG_TITLE
            ).count(),
            "evidence_links": OpinionEvidence.objects.count(),
        },
    }


def _clear_working_groups() -> None:
    from lublin2030.models import User
    from workgroups.models import (
        Application,
        Membership,
        Recommendation,
        RecommendationVersion,
        RecruitmentCall,
        Verification,
        Workshop,
    )

    Verification.objects.all().delete()
    Recommendation.objects.update(current=None)
    RecommendationVersion.objects.all().delete()
    Recommendation.objects.all().delete()
    Workshop.objects.all().delete()
    Membership.objects.all().delete()
    Application.objects.all().delete()
    RecruitmentCall.objects.all().delete()
    User.objects.filter(username__startswith="tgr-").delete()
    User.objects.filter(username__startswith="kandydat-").delete()


def _long_recommendation(group: Any, author: Any) -> Any:
    """A recommendation whose two versions have 20,000-character diagnoses."""
    from workgroups.models import Recommendation, RecommendationVersion

    existing = Recommendation.objects.filter(group=group, title=LONG_TITLE).first()
    if existing is not None:
        return existing
    numbers = Recommendation.objects.filter(group=group).values_list("number", flat=True)
    number = max(numbers, default=0) + 1
    rec = Recommendation.objects.create(group=group, number=number, title=LONG_TITLE, version=2)
    first = _long_text(7, LONG_TEXT_CHARS)
    versions = [
        RecommendationVersion.objects.create(
            recommendation=rec,
            number=n,
            title=LONG_TITLE,
            diagnosis=text,
            author=author,
            vision=text[:2000],
            goals="Cel 1.",
            directions=[],
            evidence={},
        )
        for n, text in ((1, first), (2, _edit(first, 8)))
    ]
    rec.current = versions[-1]
    rec.save(update_fields=["current"])
    return rec


def diff_timing(runs: int = 20) -> Figures:
    from workgroups import diffing
    from workgroups.models import RecommendationVersion

    a, b = RecommendationVersion.objects.filter(recommendation__title=LONG_TITLE).order_by("number")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        diffing.compare_versions(a, b)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "chars_a": len(a.diagnosis),
        "chars_b": len(b.diagnosis),
        "runs": runs,
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("prepare", "diff-timing"))
    args = parser.parse_args()
    setup_django()
    result = prepare() if args.command == "prepare" else diff_timing()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
