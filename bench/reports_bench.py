"""Thematic reports benchmark, run by bench/run.py (figures printed and written to
var/bench/reports_build.json, never judged):

reports_build  all 12 area reports built by a real Celery worker — `celery -A lublin2030
               worker --concurrency 2` in a subprocess, on a queue of its own — over the
               opinions of the bench database received up to a cutoff chosen so that 10,000
               (--quick), 100,000 and 1,000,000 (full run, PostgreSQL only) opinions are in
               scope. Figures: seconds from sending the Celery group to the last report built
               (targets: 60 s for 100,000, 10 minutes for 1,000,000), each report's own build
               time, the peak resident memory of the worker (its main process and pool
               children together, /proc/<pid>/status VmRSS sampled every 0.5 s; target
               2 GiB), and beside it the time of ONE SQL query computing the per-area counts
               of every figure (area × channel × district × age band × month): the floor of
               the figures part, and the ratio of the build to it.

Each run's report versions (and their memberships) are deleted afterwards, and so are the
file-rendering tasks their builds enqueued (the bench worker does not consume them), so the
bench database and broker stay as they were and a re-run measures the same work.

The work that needs Django runs in a subprocess through this file's own command line:

    python bench/reports_bench.py scope --opinions N
    python bench/reports_bench.py build --cutoff ISO --queue NAME --timeout SECONDS
    python bench/reports_bench.py floor --cutoff ISO
    python bench/reports_bench.py cleanup --ids 1,2,3
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import run_django_side, setup_django

ROOT = Path(__file__).resolve().parent.parent
QUICK_SCOPE = 10_000
FULL_SCOPES = (100_000, 1_000_000)
TARGET_SECONDS = {100_000: 60, 1_000_000: 600}
RSS_TARGET_MIB = 2048
SAMPLE_EVERY = 0.5
WORKER_READY_TIMEOUT = 120

Figures = dict[str, Any]


# --- Orchestration (no Django here: it runs in bench/run.py's process) ----------------------


def _children(pid: int) -> list[int]:
    """The process and all its descendants (the prefork pool's children)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (in parentheses) may contain spaces; the ppid follows it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Peak of the summed VmRSS of a process tree, sampled every SAMPLE_EVERY seconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.peak_processes = 0
        self.samples = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            pids = _children(self.pid)
            total = sum(_rss_kib(pid) for pid in pids)
            if total > self.peak_kib:
                self.peak_kib, self.peak_processes = total, len(pids)
            self.samples += 1
            self.stopped.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self.stopped.set()
        self.join(5)


@contextmanager
def celery_worker(env: dict[str, str], queue: str) -> Iterator[subprocess.Popen[str]]:
    """A real worker (prefork, concurrency 2) consuming only the bench's own queue."""
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "lublin2030", "worker",
            "--concurrency", "2", "--pool", "prefork", "-Q", queue,
            "-n", f"{queue}@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ready = threading.Event()
    errors: list[str] = []

    def watch() -> None:
        assert worker.stderr is not None
        for line in worker.stderr:
            if " ready." in line:
                ready.set()
            if "ERROR" in line or "Traceback" in line:
                errors.append(line.rstrip())

    threading.Thread(target=watch, daemon=True).start()
    try:
        if not ready.wait(WORKER_READY_TIMEOUT):
            raise RuntimeError("the Celery worker did not start")
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        for line in errors[:20]:
            print(f"  worker: {line}", file=sys.stderr)


def run(env: dict[str, str], out: Path, *, quick: bool, database: str) -> Figures:
    scopes = [QUICK_SCOPE] if quick else list(FULL_SCOPES)
    runs: list[Figures] = []
    for wanted in scopes:
        if wanted > 100_000 and database != "postgresql":
            runs.append({"scope_opinions": wanted, "skipped": "PostgreSQL only"})
            continue
        scope = run_django_side(__file__, env, "scope", "--opinions", str(wanted))
        queue = f"reports-bench-{os.getpid()}"
        print(
            f"reports_build: {scope['opinions']:,} opinions in scope "
            f"({scope['in_reports']:,} published with an area), building 12 reports…",
            flush=True,
        )
        timeout = 600 if wanted <= 100_000 else 3600
        with celery_worker(env, queue) as worker:
            sampler = RssSampler(worker.pid)
            sampler.start()
            try:
                built = run_django_side(
                    __file__,
                    env, "build", "--cutoff", scope["cutoff"], "--queue", queue,
                    "--timeout", str(timeout),
                )  # fmt: skip
            finally:
                sampler.stop()
        try:
            floor = run_django_side(__file__, env, "floor", "--cutoff", scope["cutoff"])
        finally:
            # The build command always answers (on a timeout too), so its versions are known.
            run_django_side(
                __file__, env, "cleanup", "--ids", ",".join(str(pk) for pk in built["report_ids"])
            )
        seconds = built["wall_seconds"]
        runs.append(
            {
                "scope_opinions": scope["opinions"],
                "opinions_in_reports": scope["in_reports"],
                "cutoff": scope["cutoff"],
                "reports": len(built["reports"]),
                "failed": built["failed"],
                "wall_seconds": seconds,
                "target_seconds": TARGET_SECONDS.get(wanted),
                "peak_rss_mib": round(sampler.peak_kib / 1024),
                "peak_rss_processes": sampler.peak_processes,
                "rss_samples": sampler.samples,
                "rss_target_mib": RSS_TARGET_MIB,
                "floor_seconds": floor["seconds"],
                "floor_rows": floor["rows"],
                "ratio_to_floor": round(seconds / floor["seconds"]) if floor["seconds"] else None,
                "per_report": built["reports"],
            }
        )
    (out / "reports_build.json").parent.mkdir(parents=True, exist_ok=True)
    return {
        "benchmark": "reports_build",
        "worker": "celery prefork, concurrency 2, prefetch 1, one queue of its own",
        "runs": runs,
    }


def print_report(report: Figures, database: str) -> None:
    print(f"\nreports_build (12 area reports, {report['worker']}, {database})")
    print(
        f"{'opinions':>10}{'in reports':>12}{'seconds':>9}{'target':>8}{'peak RSS':>10}"
        f"{'floor s':>9}{'ratio':>7}{'slowest report':>26}"
    )
    for row in report["runs"]:
        if "skipped" in row:
            print(f"{row['scope_opinions']:>10,}  skipped: {row['skipped']}")
            continue
        slowest = max(row["per_report"], key=lambda item: item["build_seconds"], default=None)
        slow = f"{slowest['area']} {slowest['build_seconds']} s" if slowest else "-"
        target = f"{row['target_seconds']} s" if row["target_seconds"] else "-"
        print(
            f"{row['scope_opinions']:>10,}{row['opinions_in_reports']:>12,}"
            f"{row['wall_seconds']:>9}{target:>8}{row['peak_rss_mib']:>6} MiB"
            f"{row['floor_seconds']:>9}{row['ratio_to_floor'] or '-':>7}{slow:>26}"
        )
        if row["failed"]:
            print(f"  {row['failed']} report(s) failed: see per_report in the JSON")


# --- The Django side (this file's command line, run in the bench environment) ---------------


def command_scope(wanted: int) -> Figures:
    """The cutoff that puts the first `wanted` opinions (by arrival) in scope."""
    from django.db.models import Max
    from django.utils import timezone

    from opinions.models import Opinion

    total = Opinion.objects.count()
    if wanted >= total:
        cutoff = Opinion.objects.aggregate(last=Max("created_at"))["last"] or timezone.now()
    else:
        cutoff = Opinion.objects.order_by("created_at", "pk").values_list("created_at", flat=True)[
            wanted - 1
        ]
    return {
        "cutoff": cutoff.isoformat(),
        "opinions": Opinion.objects.filter(created_at__lte=cutoff).count(),
        "in_reports": Opinion.objects.published()
        .filter(created_at__lte=cutoff, area__isnull=False)
        .count(),
        "in_database": total,
    }


def command_build(cutoff_text: str, queue: str, timeout: float) -> Figures:
    import datetime as dt

    from django.utils import timezone

    from opinions.models import ThematicReport
    from opinions.reports.building import (
        create_report_versions,
        enqueue_report_builds,
        largest_first,
    )

    cutoff = dt.datetime.fromisoformat(cutoff_text)
    reports = create_report_versions(now=cutoff)
    ids = [report.pk for report in reports]
    sent_at = timezone.now()
    if not enqueue_report_builds(largest_first(reports), queue=queue):
        raise SystemExit("the broker did not take the tasks")
    finished = {ThematicReport.Status.BUILT, ThematicReport.Status.FAILED}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = set(ThematicReport.objects.filter(pk__in=ids).values_list("status", flat=True))
        if statuses <= finished:
            break
        time.sleep(0.25)
    rows = list(
        ThematicReport.objects.filter(pk__in=ids)
        .select_related("area")
        .order_by("area__number")
        .only("area__slug", "status", "error", "opinion_count", "started_at", "built_at")
    )
    per_report = []
    for report in rows:
        started, built = report.started_at, report.built_at
        per_report.append(
            {
                "area": report.area.slug,
                "status": report.status,
                "opinions": report.opinion_count,
                "waited_seconds": round((started - sent_at).total_seconds(), 2)
                if started
                else None,
                "build_seconds": round((built - started).total_seconds(), 2)
                if started and built
                else None,
                "error": report.error[:300],
            }
        )
    ends = [report.built_at for report in rows if report.built_at]
    done = all(report.status in finished for report in rows)
    return {
        "report_ids": ids,
        "reports": per_report,
        "failed": sum(1 for report in rows if report.status != ThematicReport.Status.BUILT),
        "wall_seconds": round((max(ends) - sent_at).total_seconds(), 1) if ends and done else None,
    }


def command_floor(cutoff_text: str) -> Figures:
    """One query computing every figure's per-area counts: the floor of the figures part."""
    import datetime as dt

    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from opinions.models import Opinion

    cutoff = dt.datetime.fromisoformat(cutoff_text)
    query = (
        Opinion.objects.published()
        .filter(created_at__lte=cutoff, area__isnull=False)
        .order_by()
        .annotate(month=TruncMonth("collected_on"))
        .values("area", "channel", "district", "age_band", "month")
        .annotate(count=Count("pk"))
    )
    best, rows = float("inf"), 0
    for _attempt in range(3):
        started = time.perf_counter()
        rows = len(list(query.values_list("area", "count")))
        best = min(best, time.perf_counter() - started)
    return {"seconds": round(best, 3), "rows": rows}


def command_cleanup(ids: list[int]) -> Figures:
    """Delete the bench's report versions and the file-rendering tasks their builds sent."""
    from django.db import transaction

    from opinions.models import ReportMembership, ThematicReport

    with transaction.atomic():
        memberships, _ = ReportMembership.objects.filter(report_id__in=ids).delete()
        reports, _ = ThematicReport.objects.filter(pk__in=ids).delete()
    return {
        "reports": reports,
        "memberships": memberships,
        "render_tasks_dropped": _drop_render_tasks(set(ids)),
    }


def _render_task_of(message: bytes | str, ids: set[int]) -> bool:
    import base64

    from opinions.reports.building import RENDER_TASK

    try:
        envelope = json.loads(message)
        if envelope.get("headers", {}).get("task") != RENDER_TASK:
            return False
        body = json.loads(base64.b64decode(envelope["body"]))
        return bool(body[0]) and body[0][0] in ids
    except (ValueError, KeyError, TypeError, IndexError):
        return False


def _drop_render_tasks(ids: set[int]) -> int:
    """The builds enqueued one render task each on the default queue, which the bench worker
    does not consume; remove exactly those messages (the reports are gone)."""
    from django.conf import settings

    dropped = 0
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
        for message in client.lrange(queue, 0, -1):
            if _render_task_of(message, ids):
                dropped += int(client.lrem(queue, 1, str(message)))
        return dropped
    folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
    for path in folder.glob(f"*.{queue}.msg"):
        try:
            if _render_task_of(path.read_bytes(), ids):
                path.unlink()
                dropped += 1
        except OSError:
            continue
    return dropped


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    scope = commands.add_parser("scope")
    scope.add_argument("--opinions", type=int, required=True)
    build = commands.add_parser("build")
    build.add_argument("--cutoff", required=True)
    build.add_argument("--queue", required=True)
    build.add_argument("--timeout", type=float, default=600)
    floor = commands.add_parser("floor")
    floor.add_argument("--cutoff", required=True)
    cleanup = commands.add_parser("cleanup")
    cleanup.add_argument("--ids", required=True)
    args = parser.parse_args()

    setup_django()
    if args.command == "scope":
        result = command_scope(args.opinions)
    elif args.command == "build":
        result = command_build(args.cutoff, args.queue, args.timeout)
    elif args.command == "floor":
        result = command_floor(args.cutoff)
    else:
        result = command_cleanup([int(pk) for pk in args.ids.split(",") if pk])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
