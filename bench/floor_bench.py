"""The portal's public pages against the floor of the stack, in one run (`floor` in run.py).

The floor is bench/floor_app.py: a bare Django app, no middleware and no apps, one 20-row
SELECT view and one INSERT view, under the same gunicorn settings as the portal (gunicorn.conf.py
and the Procfile's web line). wrk (Debian's package; installed here if missing, from the [bench]
section of deploy/system-packages.txt) loads each page at 1 and 8 connections, and before
each portal run the floor's SELECT runs with as many connections, so that noise on a shared
machine falls on both: each page's ratio is to the floor run next to it.

Anonymous pages are what a resident reads (and what the anonymous page cache serves);
"signed in" ones carry a session cookie and are never cached. The answer form's POST is
compared with the floor's INSERT (and so is the bare INSERT behind the whole middleware
stack, bench/bench_urls.py), also with wrk at 1 and 8 connections, a floor run before each
(bench/wrk_post.py: the form's CSRF token, a fresh submission key for every request, and
the rows each run inserted counted against the answers).

Targets (issue 18), at 8 connections: an anonymous page ≥ 0.25 of the floor's throughput
with p99 < 50 ms; signed-in list and search p99 < 100 ms; the answer form ≥ 0.5 of the
floor's INSERT throughput.

    python bench/floor_bench.py paths       (its Django side: the paths of a few pages)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import opinions_bench
import wrk_post
from harness import ROOT, free_port, gunicorn_server, run_django_side, setup_django, wait_until_up

Figures = dict[str, Any]

ANONYMOUS_PAGES = (
    *opinions_bench.LIST_PAGES[:4],  # two lists and two searches
    ("opinion page", "{opinion}"),
    ("home", "/"),
    ("stage page", "/stages/rozmawiamy-o-przyszlosci/"),
)
SIGNED_IN_PAGES = tuple(
    (f"signed in: {name}", path) for name, path in opinions_bench.LIST_PAGES[0:3:2]
)
CONNECTIONS = (1, 8)
TARGET_ANONYMOUS_RATIO = 0.25
TARGET_ANONYMOUS_P99_MS = 50
TARGET_SIGNED_IN_P99_MS = 100
TARGET_INSERT_RATIO = 0.5
# The floor's INSERT goes to this table of its own (bench/floor_app.py).
FLOOR_TABLE = "bench_floor_row"


# --- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package (the [bench] section) if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    missing = subprocess.run(
        ["sh", str(ROOT / "deploy" / "system-packages.sh"), "--missing", "bench"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print(f"installing {' '.join(missing)} (deploy/system-packages.txt [bench])", flush=True)
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(install, capture_output=True, check=False).returncode:
        subprocess.run([*sudo, "apt-get", "update"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and could not be installed")
    return found


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * UNITS_MS[unit], 2)


def parse_wrk(output: str) -> Figures:
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if not (requests and rps and "50" in latency and "99" in latency):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    return {
        "requests": int(requests.group(1)),
        "errors": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "rps": round(float(rps.group(1)), 1),
        "p50_ms": milliseconds(latency["50"]),
        "p99_ms": milliseconds(latency["99"]),
    }


def wrk(url: str, *, connections: int, seconds: float, cookie: str = "") -> Figures:
    threads = min(connections, os.cpu_count() or 1)
    args = [
        ensure_wrk(),
        "--latency",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
    ]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=True)
    return {"connections": connections, **parse_wrk(done.stdout)}


# --- servers ---------------------------------------------------------------------------------


def procfile_web_options() -> list[str]:
    """gunicorn's options on the Procfile's web line, less the address and the access log."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    words = shlex.split(line.removeprefix("web:"))
    options, skip = [], False
    for word in words[words.index("lublin2030.wsgi") + 1 :]:
        if skip:
            skip = False
        elif word in ("--bind", "-b", "--access-logfile"):
            skip = True
        else:
            options.append(word)
    return options


@contextmanager
def gunicorn(env: dict[str, str], app: str, settings: str) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
         *procfile_web_options(), "--log-level", "warning"],
        cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": settings},
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + ("/select/" if "floor" in app else "/health/"))
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


# --- the run ---------------------------------------------------------------------------------


def warm(url: str, *, cookie: str = "", seconds: float = 1.0) -> None:
    wrk(url, connections=max(CONNECTIONS), seconds=seconds, cookie=cookie)


def measure_pages(
    floor: str, portal: str, pages: list[tuple[str, str, str]], *, seconds: float
) -> tuple[list[Figures], list[Figures]]:
    """Each page at each connection count, a floor SELECT run just before it."""
    warm(floor + "/select/")
    rows, floors = [], []
    for name, path, cookie in pages:
        warm(portal + path, cookie=cookie)
        for connections in CONNECTIONS:
            under = wrk(floor + "/select/", connections=connections, seconds=seconds)
            floors.append(under)
            row = wrk(portal + path, connections=connections, seconds=seconds, cookie=cookie)
            ratio = round(row["rps"] / under["rps"], 3) if under["rps"] else None
            rows.append({"page": name, "path": path, **row, "floor_rps": under["rps"],
                         "floor_p99_ms": under["p99_ms"], "ratio": ratio})  # fmt: skip
    return rows, floors


def measure_inserts(
    env: dict[str, str], out: Path, floor: str, portal: str, *, seconds: float
) -> Figures:
    """The answer form and the bare INSERT behind the middleware, each at 1 and 8 connections
    with wrk, a run of the floor's INSERT just before each (as for the pages); every run's
    rows are counted, so a POST answered without its row shows as an error."""
    specs = run_django_side(
        opinions_bench.__file__, env, "form-spec", "--base", portal, "--out", str(out)
    )
    floor_spec = out / "floor-insert.json"
    fields = json.loads(Path(specs["form"]).read_text())["fields"]
    floor_spec.write_text(json.dumps({"form_url": "", "fields": {"text": fields["text"]}}))
    floor_env = env | {"DJANGO_SETTINGS_MODULE": "bench.floor_app"}

    def rows_of(table: str) -> Any:
        app = str(ROOT / "bench" / "floor_app.py")
        return lambda: run_django_side(app, floor_env, "count", table)["rows"]

    floor_run = (floor + "/insert/", floor_spec, rows_of(FLOOR_TABLE))
    portal_runs = {
        "answer form": (specs["post_url"], Path(specs["form"]), rows_of("opinions_opinion")),
        "bare INSERT (middleware)": (
            portal + opinions_bench.BARE_INSERT,
            Path(specs["bare"]),
            rows_of("opinions_opinion"),
        ),
    }
    for url, spec, _rows in (floor_run, *portal_runs.values()):
        opinions_bench.warm_up(url, connections=max(CONNECTIONS), post=spec)
    rows: list[Figures] = []
    for connections in CONNECTIONS:
        for name, (url, spec, count) in portal_runs.items():
            under = wrk_post.wrk_post(floor_run[0], floor_run[1], connections=connections,
                                      seconds=seconds, count_rows=floor_run[2])  # fmt: skip
            row = wrk_post.wrk_post(
                url, spec, connections=connections, seconds=seconds, count_rows=count
            )
            ratio = round(row["rps"] / under["rps"], 3) if under["rps"] else None
            rows.append({"name": name, **row, "floor": under, "ratio": ratio})
    form_eight = next(r for r in rows if r["name"] == "answer form" and r["connections"] == 8)
    return {"runs": rows, "form_ratio": form_eight["ratio"]}


def run(env: dict[str, str], out: Path, *, seconds: float, database: str) -> Figures:
    run_django_side(str(ROOT / "bench" / "floor_app.py"), env | {
        "DJANGO_SETTINGS_MODULE": "bench.floor_app"}, "create-table")  # fmt: skip
    paths = run_django_side(__file__, env, "paths")
    session = run_django_side(opinions_bench.__file__, env, "staff-session")["session"]
    pages = [(name, path.format(**paths), "") for name, path in ANONYMOUS_PAGES]
    pages += [(name, path, f"sessionid={session}") for name, path in SIGNED_IN_PAGES]
    before = run_django_side(opinions_bench.__file__, env, "max-pk")["max_pk"]
    portal_env = env | {"OPINION_RATE_LIMIT": str(10**9)}
    try:
        floor_server = gunicorn(env, "bench.floor_app:application", "bench.floor_app")
        portal_server = gunicorn(portal_env, "lublin2030.wsgi", "bench.bench_settings")
        with floor_server as floor, portal_server as portal:
            rows, floors = measure_pages(floor, portal, pages, seconds=seconds)
            inserts = measure_inserts(env, out, floor, portal, seconds=seconds)
    finally:
        run_django_side(opinions_bench.__file__, env, "cleanup", "--after", str(before))
    stats = run_django_side(opinions_bench.__file__, env, "stats")
    floor_summary = {
        connections: {
            "rps": statistics.median(f["rps"] for f in floors if f["connections"] == connections),
            "p99_ms": statistics.median(
                f["p99_ms"] for f in floors if f["connections"] == connections
            ),
        }
        for connections in CONNECTIONS
    }
    return {
        "benchmark": "floor",
        "server": gunicorn_server(),
        "database": database,
        "opinions_in_database": stats["opinions"],
        "pages": rows,
        "floor_select": floor_summary,
        "inserts": inserts,
    }


def print_report(report: Figures, database: str) -> None:
    opinions = report["opinions_in_database"]
    print(f"\nfloor ({report['server']}, {database}, {opinions:,} opinions; wrk on loopback;")
    print("ratio = req/s ÷ that of the floor's SELECT run just before, same connections)")
    print(f"{'page':<40}{'1 conn: req/s':>14}{'p50 ms':>8}{'8 conns: req/s':>16}{'p50 ms':>8}"
          f"{'p99 ms':>8}{'ratio':>8}  {'target (8 conns)':<22}")  # fmt: skip
    by_page: dict[str, dict[int, Figures]] = {}
    for row in report["pages"]:
        by_page.setdefault(row["page"], {})[row["connections"]] = row
    for page, runs in by_page.items():
        one, eight = runs[1], runs[8]
        signed_in = page.startswith("signed in")
        if signed_in:
            met = eight["p99_ms"] < TARGET_SIGNED_IN_P99_MS
            target = f"p99<{TARGET_SIGNED_IN_P99_MS} " + ("met" if met else "MISSED")
        else:
            met = (
                eight["ratio"] >= TARGET_ANONYMOUS_RATIO
                and eight["p99_ms"] < TARGET_ANONYMOUS_P99_MS
            )
            target = f"≥{TARGET_ANONYMOUS_RATIO},<{TARGET_ANONYMOUS_P99_MS}ms " + (
                "met" if met else "MISSED"
            )
        errors = one["errors"] + eight["errors"]
        print(f"{page:<40}{one['rps']:>14}{one['p50_ms']:>8}{eight['rps']:>16}{eight['p50_ms']:>8}"
              f"{eight['p99_ms']:>8}{eight['ratio']:>8}  {target:<22}"
              + (f"  ({errors} non-2xx)" if errors else ""))  # fmt: skip
    for connections, floor in report["floor_select"].items():
        print(f"{'floor: 20-row SELECT, ' + str(connections) + ' conn(s), median':<40}"
              f"{floor['rps']:>14} req/s, p99 {floor['p99_ms']} ms")  # fmt: skip
    print_inserts(report["inserts"])


def print_inserts(inserts: Figures) -> None:
    print("\nPOSTs with wrk; ratio = req/s ÷ that of the floor's INSERT run just before, same")
    print("connections; errors = answers outside 2xx/3xx, or answered without their row")
    print(f"{'POST':<28}{'conns':>6}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}"
          f"{'floor INSERT req/s':>20}{'p99 ms':>8}{'ratio':>8}")  # fmt: skip
    for row in inserts["runs"]:
        under = row["floor"]
        print(f"{row['name']:<28}{row['connections']:>6}{row['rps']:>9}{row['p50_ms']:>8}"
              f"{row['p99_ms']:>8}{row['errors']:>8}{under['rps']:>20}{under['p99_ms']:>8}"
              f"{row['ratio']:>8}" + (f"  (floor: {under['errors']} errors)"
                                      if under["errors"] else ""))  # fmt: skip
    ratio = inserts["form_ratio"]
    verdict = "met" if ratio is not None and ratio >= TARGET_INSERT_RATIO else "MISSED"
    print(
        f"answer form ÷ floor INSERT, 8 conns: {ratio} (target ≥ {TARGET_INSERT_RATIO}: {verdict})"
    )


def command_paths() -> Figures:
    from opinions.models import Opinion

    opinion = Opinion.objects.published().order_by("-pk").first()
    return {"opinion": opinion.get_absolute_url() if opinion else "/opinions/"}


if __name__ == "__main__":
    setup_django()
    if sys.argv[1:] == ["paths"]:
        print(json.dumps(command_paths()))
