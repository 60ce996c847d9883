"""Consultation report benchmark, run by bench/run.py (figures printed and written to
var/bench/consultation_report.json, never judged):

consultation_report  one version of the report on a statutory consultation of a document of
                     200 sections with 20,000 comments (--quick: 20 sections, 1,000
                     comments): about 95 % answered (one published answer per group of five
                     identical comments, some with a changed section of the next version),
                     the rest unanswered, 2 % rejected, a tenth from organisations. Figures:
                     seconds of the whole build as the Celery task does it (content, PDF,
                     XLSX, saved) and of each step, its CPU seconds (the printing processes'
                     included), the PDF's pages and both files' sizes, and the peak memory
                     of the building process (ru_maxrss of the separate process that runs
                     the build, Django and WeasyPrint included) and of the largest of the
                     processes that print the PDF's parts ("printer"). Target: under 60 s
                     for 20,000 comments.

The consultation and its comments are made once (bulk_create) and reused; each run's report
version is deleted afterwards with its files, so a re-run measures the same work.

The work that needs Django runs in a subprocess through this file's own command line:

    python bench/consultation_report_bench.py prepare --sections N --comments N
    python bench/consultation_report_bench.py build --slug SLUG
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

from harness import run_django_side, setup_django

ROOT = Path(__file__).resolve().parent.parent
FULL = {"sections": 200, "comments": 20_000}
QUICK = {"sections": 20, "comments": 1_000}
TARGET_SECONDS = 60
ANSWERED_SHARE = 0.95
REJECTED_SHARE = 0.02
INSTITUTION_SHARE = 0.1
PER_ANSWER = 5
SEED = 2021

Figures = dict[str, Any]


# --- Orchestration (no Django here: it runs in bench/run.py's process) ----------------------


def run(env: dict[str, str], out: Path, *, quick: bool, database: str) -> Figures:
    size = QUICK if quick else FULL
    prepared = run_django_side(
        __file__,
        env, "prepare", "--sections", str(size["sections"]), "--comments", str(size["comments"]),
    )  # fmt: skip
    print(
        f"consultation_report: {prepared['comments']:,} comments on {prepared['sections']} "
        f"sections ({prepared['unanswered']:,} unanswered), building one version…",
        flush=True,
    )
    built = run_django_side(__file__, env, "build", "--slug", prepared["slug"])
    return {
        "benchmark": "consultation_report",
        "worker": "the build in one process, as the Celery task runs it",
        "database": database,
        **prepared,
        **built,
        "target_seconds": TARGET_SECONDS,
    }


def print_report(report: Figures, database: str) -> None:
    print(f"\nconsultation_report ({report['worker']}, {database})")
    print(
        f"{'sections':>9}{'comments':>10}{'seconds':>9}{'CPU s':>7}{'target':>8}{'peak RSS':>10}"
        f"{'printer':>9}"
        f"{'pages':>7}{'PDF MiB':>9}{'XLSX MiB':>10}"
    )
    print(
        f"{report['sections']:>9}{report['comments']:>10,}{report['build_seconds']:>9}"
        f"{report['cpu_seconds']:>7}"
        f"{report['target_seconds']:>6} s{report['peak_rss_mib']:>6} MiB"
        f"{report['printer_peak_rss_mib']:>5} MiB{report['pdf_pages']:>7}"
        f"{report['pdf_mib']:>9}{report['xlsx_mib']:>10}"
    )
    steps = ", ".join(f"{name} {seconds} s" for name, seconds in report["steps"].items())
    print(f"  steps: {steps}")


# --- The Django side (this file's command line, run in the bench environment) ---------------


def _text(rng: random.Random, sentences: int) -> str:
    from document_sections import WORDS

    return " ".join(
        " ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() + "."
        for _ in range(sentences)
    )


def command_prepare(sections: int, comments: int) -> Figures:
    """The consultation, its document and comments, made once (found again on a re-run)."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone
    from document_sections import make_document_version

    from opinions.answers.models import ConsultationAnswer, Decision
    from opinions.answers.report.content import unanswered_count
    from opinions.models import Channel, Opinion, RejectionReason, SubmitterKind
    from stages.models import Consultation, Stage

    slug = f"bench-raport-{sections}-{comments}"
    consultation = Consultation.objects.filter(slug=slug).first()
    if consultation is None:
        rng = random.Random(SEED)
        closes_at = timezone.now() - dt.timedelta(days=3)
        with transaction.atomic():
            consultation = Consultation.objects.create(
                stage=Stage.objects.latest("number"),
                slug=slug,
                kind=Consultation.Kind.DOCUMENT,
                title=f"Projekt strategii (benchmark, {comments} uwag)",
                statutory=True,
                opens_at=closes_at - dt.timedelta(days=35),
                closes_at=closes_at,
            )
            version = make_document_version(consultation=consultation, sections=sections)
            revised = make_document_version(consultation=consultation, sections=sections)
            section_ids = list(version.sections.order_by("position").values_list("pk", flat=True))
            next_ids = list(revised.sections.order_by("position").values_list("pk", flat=True))
            _make_comments(consultation, section_ids, next_ids, comments, rng)
    else:
        sections = consultation.document_versions.get(number=1).sections.count()
    return {
        "slug": slug,
        "sections": sections,
        "comments": Opinion.objects.filter(consultation=consultation).count(),
        "unanswered": unanswered_count(consultation),
        "answers": ConsultationAnswer.objects.filter(consultation=consultation).count(),
        "decisions": len(Decision.choices),
        "channels": len(Channel.choices),
        "kinds": len(SubmitterKind.choices),
        "reasons": len(RejectionReason.choices),
    }


def _make_comments(
    consultation: Any, section_ids: list[int], next_ids: list[int], total: int, rng: random.Random
) -> None:
    from django.utils import timezone

    from opinions.answers.models import ConsultationAnswer, Decision
    from opinions.models import Channel, Opinion, RejectionReason, SubmitterKind

    now = timezone.now()
    channels = [value for value, _label in Channel.choices]
    decisions = [value for value, _label in Decision.choices]
    answers: list[ConsultationAnswer] = []
    rows: list[Opinion] = []
    groups: list[int | None] = []
    for index in range(total):
        group = index // PER_ANSWER
        section = rng.randrange(len(section_ids) + 1)
        kind = SubmitterKind.PERSON
        organisation = ""
        if rng.random() < INSTITUTION_SHARE:
            kind = rng.choice([SubmitterKind.ORGANISATION, SubmitterKind.PUBLIC_BODY])
            organisation = f"Stowarzyszenie nr {rng.randrange(200)}"
        rejected = rng.random() < REJECTED_SHARE
        answered = not rejected and rng.random() < ANSWERED_SHARE
        if answered and len(answers) <= group:
            answers.extend(
                ConsultationAnswer(
                    consultation=consultation,
                    decision=rng.choice(decisions),
                    justification=_text(rng, 3),
                    changed_section_id=next_ids[rng.randrange(len(next_ids))]
                    if rng.random() < 0.3
                    else None,
                    status=ConsultationAnswer.Status.PUBLISHED,
                    published_at=now,
                )
                for _ in range(group + 1 - len(answers))
            )
        rows.append(
            Opinion(
                consultation=consultation,
                section_id=section_ids[section] if section < len(section_ids) else None,
                text=_text(rng, rng.randint(2, 6)),
                proposed_wording=_text(rng, 2) if rng.random() < 0.4 else "",
                justification=_text(rng, 2) if rng.random() < 0.4 else "",
                submitter_kind=kind,
                organisation=organisation,
                author_email=f"osoba{index}@example.org" if kind == SubmitterKind.PERSON else "",
                channel=rng.choice(channels),
                status=Opinion.Status.REJECTED if rejected else Opinion.Status.PUBLISHED,
                rejection_reason=RejectionReason.OFFENSIVE if rejected else "",
                collected_on=now.date(),
                created_at=now,
                tracking_token=f"bench-{consultation.pk}-{index}",
            )
        )
        groups.append(group if answered else None)
    ConsultationAnswer.objects.bulk_create(answers, batch_size=2_000)
    for row, answer_group in zip(rows, groups, strict=True):
        row.answer_id = answers[answer_group].pk if answer_group is not None else None
    Opinion.objects.bulk_create(rows, batch_size=2_000)


def command_build(slug: str) -> Figures:
    """One version built as the Celery task builds it, timed step by step; then deleted."""
    from django.db.models import Max

    from opinions.answers.models import ConsultationReport
    from opinions.answers.report.building import build_report
    from stages.models import Consultation

    consultation = Consultation.objects.get(slug=slug)
    # A queued version as request_report makes it, but no task is sent: this process builds
    # it, as the worker would.
    latest = ConsultationReport.objects.filter(consultation=consultation).aggregate(
        top=Max("version")
    )["top"]
    report = ConsultationReport.objects.create(consultation=consultation, version=(latest or 0) + 1)
    marks: list[tuple[str, float]] = []
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    built = build_report(
        report_id=report.pk,
        on_progress=lambda _percent, note: marks.append((note, time.perf_counter())),
    )
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - cpu_started
    # Read before pdfinfo runs: a child forked from this process starts with its memory.
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    printer_peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Each progress note starts a step, which lasts until the next different note (the PDF
    # notes its progress after each of its parts).
    starts = [
        mark for index, mark in enumerate(marks) if not index or marks[index - 1][0] != mark[0]
    ]
    steps = {
        note: round(end - start, 2) for (note, start), (_next, end) in itertools.pairwise(starts)
    }
    try:
        if built.status != ConsultationReport.Status.BUILT:
            raise RuntimeError(f"the build failed: {built.error}")
        figures = {
            "build_seconds": round(seconds, 1),
            # The CPU time of the building process: on a machine shared with other work
            # the wall-clock seconds say as much about the neighbours as about the build.
            "cpu_seconds": round(cpu_seconds, 1),
            "steps": steps,
            "comments_in_report": built.comment_count,
            "pdf_mib": round(built.pdf.size / 2**20, 1),
            "xlsx_mib": round(built.xlsx.size / 2**20, 1),
            "pdf_pages": _pdf_pages(built.pdf.path),
            # Linux reports kibibytes. The parts are printed by processes of their own
            # (opinions/answers/report/printers.py): the largest of them, apart.
            "peak_rss_mib": round(peak_kib / 1024),
            "printer_peak_rss_mib": round(printer_peak_kib / 1024),
        }
    finally:
        for field in (built.pdf, built.xlsx):
            if field:
                field.storage.delete(field.name)
        ConsultationReport.objects.filter(pk=report.pk).delete()
    return figures


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the printers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _pdf_pages(path: str) -> int | None:
    """The PDF's pages, as poppler's pdfinfo counts them (None without poppler-utils)."""
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        return None
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=False).stdout
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare")
    prepare.add_argument("--sections", type=int, required=True)
    prepare.add_argument("--comments", type=int, required=True)
    build = commands.add_parser("build")
    build.add_argument("--slug", required=True)
    args = parser.parse_args()

    setup_django()
    if args.command == "prepare":
        result = command_prepare(args.sections, args.comments)
    else:
        result = command_build(args.slug)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
