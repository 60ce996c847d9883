"""Consultation pages benchmark, run by bench/run.py (figures printed and written to
var/bench/consultations.json, never judged):

consultation_pages  a consulted document of 200 sections with 20,000 comments (the issue's
                    figure), half of them answered: the document page (contents with each
                    section's count and the whole text), the section with the most comments
                    (its first page of 25, answers included) and the moderators' answer queue
                    (the default view: comments without an answer, 50 a page), each under
                    load from a second process on loopback (gunicorn, DEBUG off) with one
                    client and with four. Target p99 < 100 ms.

The Django side runs in a subprocess through this file's command line:

    python bench/consultations_bench.py prepare     (idempotent: seeds the bench size once)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import opinions_bench
from harness import gunicorn_server, run_django_side, setup_django

SLUG = "bench-projekt-strategii"
SECTIONS = 200
COMMENTS = 20_000

Figures = dict[str, Any]


# --- Orchestration (no Django here: it runs in bench/run.py's process) ----------------------


def run(env: dict[str, str], *, seconds: float, database: str) -> Figures:
    spec = run_django_side(__file__, env, "prepare")
    cookie = f"sessionid={spec['session']}"
    pages = []
    with opinions_bench.bench_server(env) as base:
        for name, path, signed_in in spec["pages"]:
            url = base + path
            page_cookie = cookie if signed_in else ""
            opinions_bench.warm_up(url, connections=4, cookie=page_cookie)
            for clients in (1, 4):
                figures = opinions_bench.load(
                    url, seconds=seconds, connections=clients, cookie=page_cookie
                )
                pages.append({"page": name, "path": path, **figures})
    return {
        "benchmark": "consultation_pages",
        "database": database,
        "server": gunicorn_server(),
        "data": spec["data"],
        "target_p99_ms": 100,
        "results": pages,
    }


def print_report(report: Figures, database: str) -> None:
    data = report["data"]
    print(
        f"\nconsultation_pages ({report['server']}, {database}; {data['sections']} sections, "
        f"{data['comments']:,} comments, {data['answered']:,} answered; target p99 < "
        f"{report['target_p99_ms']} ms)"
    )
    print(f"{'page':<34}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}")  # fmt: skip
    for row in report["results"]:
        print(
            f"{row['page']:<34}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
        )


# --- Django side (runs in a subprocess with the bench settings) ------------------------------


def prepare() -> Figures:
    import datetime as dt

    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from lublin2030.models import User
    from opinions.models import Opinion
    from stages.models import Consultation, Stage

    consultation = Consultation.objects.filter(slug=SLUG).first()
    if consultation is None:
        now = timezone.now()
        stage = Stage.objects.order_by("number").last()
        assert stage is not None, "load_process first"
        consultation = Consultation.objects.create(
            stage=stage,
            slug=SLUG,
            kind=Consultation.Kind.DOCUMENT,
            title="Projekt strategii (benchmark)",
            statutory=True,
            opens_at=now - dt.timedelta(days=50),
            closes_at=now - dt.timedelta(days=5),
        )
    if not consultation.document_versions.exists():
        from document_sections import make_document_version

        make_document_version(consultation=consultation, sections=SECTIONS)
    if Opinion.objects.filter(consultation=consultation).count() < COMMENTS:
        _seed_comments(consultation)
    _analyze()
    version = consultation.document_versions.get(number=1)
    busiest = version.sections.annotate(n=Count("comments")).order_by("-n", "position").first()
    assert busiest is not None
    moderator = User.objects.filter(email="moderacja@demo.lublin2030.pl").first()
    assert moderator is not None, "seed_demo makes the moderator"
    comments = Opinion.objects.filter(consultation=consultation)
    return {
        "session": opinions_bench.signed_in_session(moderator),
        "pages": [
            ("document (200 sections)", reverse("opinions:consultation", args=[SLUG]), False),
            ("busiest section's comments", busiest.get_absolute_url(), False),
            ("answer queue (unanswered)", reverse("opinions:answer_queue", args=[SLUG]), True),
        ],
        "data": {
            "sections": version.sections.count(),
            "comments": comments.count(),
            "answered": comments.filter(answer__isnull=False).count(),
            "busiest_section_comments": busiest.comment_count,
        },
    }


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled (PostgreSQL).

    20,000 comments bulk-inserted a moment before the load starts are not yet in the
    statistics (autovacuum analyses them later, as it does in production): the planner
    then takes the consultation's comments for one row and joins them row by row. On a
    document of 200 sections and 20,000 comments just bulk-inserted (the report bench's),
    the answer queue's queries took 104 ms before ANALYZE and 34 ms after (its count of
    unanswered comments 49 ms, then 18 ms): without this the bench measured stale
    statistics, not the pages."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in (
            "opinions_opinion",
            "opinions_consultationanswer",
            "stages_section",
            "stages_documentversion",
        ):
            cursor.execute(f"ANALYZE {table}")


def _seed_comments(consultation: Any) -> None:
    """The demo's generator at the bench's size (bulk inserts, answers, section counts)."""
    from lublin2030.demo.consultations import seed_consultation_comments
    from lublin2030.models import User

    moderator = User.objects.get(email="moderacja@demo.lublin2030.pl")
    editor = User.objects.get(email="redakcja@demo.lublin2030.pl")
    seed_consultation_comments(
        consultation=consultation, moderator=moderator, editor=editor, count=COMMENTS
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("prepare",))
    parser.parse_args()
    setup_django()
    json.dump(prepare(), sys.stdout)


if __name__ == "__main__":
    main()
