"""Benchmarks (`make bench`): figures are printed and written to var/bench/*.json, not judged.

floor: the public pages and the answer form beside a bare Django app with no middleware (one
20-row SELECT, one INSERT) under the Procfile's gunicorn settings, loaded with wrk at 1 and
8 connections, with each page's ratio to the floor and issue 18's targets: bench/floor_bench.py.

http_pages: the home page and a stage page under load from a second process on loopback,
with the server in its production configuration (gunicorn, DEBUG off, hashed static files).
opinions_submit, opinions_list, opinions_import: see bench/opinions_bench.py.
reports_build: bench/reports_bench.py; workgroups: bench/workgroups_bench.py;
consultations: bench/consultations_bench.py; trace: bench/trace_bench.py;
opendata: bench/opendata_bench.py (the API's opinion list and search, the CSV/XLSX export);
strategy: bench/strategy_bench.py.
growth: bench/growth_bench.py (the floor's anonymous pages at 10,000, 100,000 and 1,000,000
opinions, each in its own database, p50 side by side, page cache off; with --quick 2,000 and
20,000).
consultation_report: bench/consultation_report_bench.py (200 sections, 20,000 comments; with
--quick 20 sections, 1,000 comments).
faults: bench/faults_bench.py (Redis, the worker and the web server killed under load; about
two and a half minutes, PostgreSQL needed): only with `--only faults`, not in the default or
--quick run.

The database is a SQLite file under var/bench/ (kept between runs), or DATABASE_URL when it
is set. It holds the Lublin 2030 process and demo opinions: 20,000 with --quick (CI checks
that the benchmarks run; the import file then has 20,000 rows), 1,000,000 otherwise (and
50,000 rows to import). The opinions are seeded once and reused: seeding adds only those
missing. `--opinions`, `--import-rows` and `--only SECTION` narrow a run down.
Files go to var/bench/, or to $VAR_DIR/bench/ when VAR_DIR is set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import opinions_bench
from harness import free_port, gunicorn_server, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("VAR_DIR") or ROOT / "var") / "bench"
QUICK_OPINIONS = 20_000
FULL_OPINIONS = 1_000_000
IMPORT_ROWS = 50_000
QUICK_IMPORT_ROWS = 20_000


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBUG"] = "0"
    env.setdefault("SECRET_KEY", "bench-only-" + os.urandom(32).hex())
    # Plain HTTP on loopback: the HTTPS-only production defaults would redirect every request.
    for name in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"):
        env.setdefault(name, "0")
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{OUT / 'bench.sqlite3'}"
    env["VAR_DIR"] = str(OUT / "var")
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str], *, opinions: int) -> float:
    """Migrate, load the process and seed the demo; returns the seconds the seeding took."""
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "load_process", "--verbosity", "0")
    started = time.perf_counter()
    manage(env, "seed_demo", "--opinions", str(opinions), "--verbosity", "0")
    return time.perf_counter() - started


def http_pages(env: dict[str, str], seconds: float, connections: int) -> list[dict[str, object]]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "lublin2030.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/health/")
        for name, path in (("home", "/"), ("stage", "/stages/rozmawiamy-o-przyszlosci/")):
            urllib.request.urlopen(base + path).read()  # warm up
            load = subprocess.run(
                [
                    sys.executable, str(ROOT / "bench" / "load.py"), base + path,
                    "--seconds", str(seconds), "--connections", str(connections),
                ],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(load.stdout)
            figures["page"] = name
            results.append(figures)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return results


SECTIONS = (
    "floor", "http_pages", "opinions_http", "opinions_import", "reports_build", "workgroups",
    "consultations", "trace", "consultation_report", "strategy", "opendata", "growth", "faults",
)  # fmt: skip
# Run when no --only is given; faults takes minutes and brings up its own Redis and database.
DEFAULT_SECTIONS = tuple(section for section in SECTIONS if section != "faults")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short runs (CI checks it runs)")
    parser.add_argument(
        "--opinions",
        type=int,
        help=f"demo opinions in the database ({QUICK_OPINIONS} with --quick, else {FULL_OPINIONS})",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); opinions_http is opinions_submit and "
        "opinions_list",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        help=f"rows of the generated import file ({QUICK_IMPORT_ROWS} with --quick, "
        f"else {IMPORT_ROWS})",
    )
    args = parser.parse_args()
    sections = set(args.only or DEFAULT_SECTIONS)
    OUT.mkdir(parents=True, exist_ok=True)
    env = bench_env()
    if "faults" in sections:
        import faults_bench  # see bench/faults_bench.py

        write("faults", faults_bench.run(env, OUT), faults_bench.print_report)
        sections.discard("faults")
        if not sections:
            return
    opinions = (
        args.opinions
        if args.opinions is not None
        else (QUICK_OPINIONS if args.quick else FULL_OPINIONS)
    )
    print(f"preparing the bench database ({opinions:,} demo opinions)…", flush=True)
    seed_seconds = prepare(env, opinions=opinions)
    print(f"seed_demo --opinions {opinions}: {seed_seconds:.1f} s (adds missing opinions only)")
    seconds = 3.0 if args.quick else 15.0
    database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    if "floor" in sections:
        import floor_bench  # see bench/floor_bench.py

        floor_seconds = 2.0 if args.quick else 10.0
        report = floor_bench.run(env, OUT, seconds=floor_seconds, database=database)
        write("floor", report | {"demo_opinions": opinions}, floor_bench.print_report)
    if "growth" in sections:
        import growth_bench  # see bench/growth_bench.py

        report = growth_bench.run(
            env, OUT, prepare=prepare, main_opinions=opinions, quick=args.quick,
            seconds=2.0 if args.quick else 10.0, database=database,
        )  # fmt: skip
        write("growth", report, growth_bench.print_report)
    if "http_pages" in sections:
        report_http_pages(env, database, seconds=seconds)
    context = {"database": database, "cpus": os.cpu_count(), "demo_opinions": opinions,
               "seed_demo_seconds": round(seed_seconds, 1)}  # fmt: skip
    if "opinions_http" in sections:
        submit, listing = opinions_bench.run_http(
            env, OUT, seconds=seconds, connections=8, list_connections=(1, 4)
        )
        write("opinions_submit", submit | context, opinions_bench.print_submit)
        write("opinions_list", listing | context, opinions_bench.print_list)
    if "opinions_import" in sections:
        rows = args.import_rows or (QUICK_IMPORT_ROWS if args.quick else IMPORT_ROWS)
        imported = opinions_bench.run_import(env, OUT, rows=rows)
        write("opinions_import", imported | context, opinions_bench.print_import)
    if "reports_build" in sections:
        import reports_bench  # see bench/reports_bench.py

        built = reports_bench.run(env, OUT, quick=args.quick, database=database)
        write("reports_build", built | context, reports_bench.print_report)
    if "workgroups" in sections:
        import workgroups_bench  # see bench/workgroups_bench.py

        pages = workgroups_bench.run(env, seconds=seconds, database=database)
        write("workgroups", pages | context, workgroups_bench.print_report)
    if "consultations" in sections:
        import consultations_bench  # see bench/consultations_bench.py

        pages = consultations_bench.run(env, seconds=seconds, database=database)
        write("consultations", pages | context, consultations_bench.print_report)
    if "trace" in sections:
        import trace_bench  # see bench/trace_bench.py

        pages = trace_bench.run(env, seconds=seconds, database=database)
        write("trace", pages | context, trace_bench.print_report)
    if "consultation_report" in sections:
        import consultation_report_bench  # see bench/consultation_report_bench.py

        report = consultation_report_bench.run(env, OUT, quick=args.quick, database=database)
        write("consultation_report", report | context, consultation_report_bench.print_report)
    if "strategy" in sections:
        import strategy_bench  # see bench/strategy_bench.py

        pages = strategy_bench.run(env, seconds=seconds, database=database)
        write("strategy", pages | context, strategy_bench.print_report)
    if "opendata" in sections:
        import opendata_bench  # see bench/opendata_bench.py

        report = opendata_bench.run(env, seconds=seconds, database=database)
        write("opendata", report | context, opendata_bench.print_report)


def write(name: str, report: dict[str, Any], show: Callable[[dict[str, Any], str], None]) -> None:
    (OUT / f"{name}.json").write_text(json.dumps(report, indent=2))
    show(report, report["database"])
    print(f"written to {OUT / f'{name}.json'}", flush=True)


def report_http_pages(env: dict[str, str], database: str, *, seconds: float) -> None:
    results = http_pages(env, seconds=seconds, connections=8)
    report = {
        "benchmark": "http_pages",
        "server": gunicorn_server(),
        "database": database,
        "cpus": os.cpu_count(),
        "results": results,
    }
    (OUT / "http_pages.json").write_text(json.dumps(report, indent=2))

    print(f"\nhttp_pages ({report['server']}, {database}, {os.cpu_count()} CPUs, load on loopback)")
    print(f"{'page':<8}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for row in results:
        print(
            f"{row['page']:<8}{row['requests']:>10}{row['errors']:>8}{row['rps']:>9}"
            f"{row['p50_ms']:>9}{row['p99_ms']:>9}"
        )
    print(f"written to {OUT / 'http_pages.json'}", flush=True)


if __name__ == "__main__":
    main()
