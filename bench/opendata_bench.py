"""Open data benchmark, run by bench/run.py (figures printed and written to
var/bench/opendata.json, never judged):

api_opinions   /api/v1/opinions (newest 50), the same filtered by an area, and a Polish search
               (q=drzewo), under load from a second process on loopback (gunicorn, DEBUG off,
               the API's rate limit lifted) with one client and with four. Target p99 < 50 ms.
export         every published opinion written as CSV and as XLSX (the nightly job's writers,
               lublin2030/opendata/writing.py), each in a fresh process: seconds and the
               process's peak memory. Targets at 1,000,000 opinions: CSV < 60 s, XLSX < 5 min,
               peak < 300 MB.

The Django side runs in a subprocess through this file's command line:

    python bench/opendata_bench.py spec                  the URLs and the number of opinions
    python bench/opendata_bench.py export csv|xlsx DIR   one export, timed
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from typing import Any

import opinions_bench
from harness import gunicorn_server, run_django_side, setup_django

Figures = dict[str, Any]
TARGET_P99_MS = 50


# --- Orchestration (no Django here: it runs in bench/run.py's process) ----------------------


def run(env: dict[str, str], *, seconds: float, database: str) -> Figures:
    spec = run_django_side(__file__, env, "spec")
    results = []
    with opinions_bench.bench_server(env | {"API_RATE_LIMIT": str(10**9)}) as base:
        for name, path in spec["pages"]:
            url = base + path
            opinions_bench.warm_up(url, connections=4)
            for clients in (1, 4):
                figures = opinions_bench.load(url, seconds=seconds, connections=clients)
                results.append({"page": name, "path": path, **figures})
    exports = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("csv", "xlsx"):
            exports.append(run_django_side(__file__, env, "export", kind, folder))
    return {
        "benchmark": "opendata",
        "database": database,
        "server": gunicorn_server(),
        "published_opinions": spec["published"],
        "target_p99_ms": TARGET_P99_MS,
        "api": results,
        "export": exports,
        "export_targets": {"csv_seconds": 60, "xlsx_seconds": 300, "peak_mb": 300},
    }


def print_report(report: Figures, database: str) -> None:
    print(
        f"\nopendata API ({report['server']}, {database}; {report['published_opinions']:,} "
        f"published opinions; target p99 < {report['target_p99_ms']} ms)"
    )
    print(f"{'request':<30}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}")  # fmt: skip
    for row in report["api"]:
        print(
            f"{row['page']:<30}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
        )
    targets = report["export_targets"]
    print(
        f"\nopendata export (targets: CSV < {targets['csv_seconds']} s, XLSX < "
        f"{targets['xlsx_seconds']} s, peak < {targets['peak_mb']} MB)"
    )
    for row in report["export"]:
        print(
            f"{row['format']:<6}{row['rows']:>12,} rows{row['seconds']:>9.1f} s"
            f"{row['peak_mb']:>9.0f} MB{row['bytes'] / 1e6:>10.1f} MB file"
        )


# --- Django side (runs in a subprocess with the bench settings) ------------------------------


def spec() -> Figures:
    from opinions.models import Opinion
    from stages.models import ThematicArea

    area = ThematicArea.objects.order_by("number").first()
    assert area is not None, "load_process first"
    return {
        "published": Opinion.objects.published().count(),
        "pages": [
            ("opinions, newest 50", "/api/v1/opinions"),
            ("opinions of an area", f"/api/v1/opinions?area={area.slug}"),
            ("search q=drzewo", "/api/v1/opinions?q=drzewo"),
        ],
    }


def export(kind: str, folder: str) -> Figures:
    import resource
    import time
    from pathlib import Path

    from lublin2030.opendata import writing
    from lublin2030.opendata.datasets import BY_NAME

    dataset = BY_NAME["opinions"]
    header = [column.name for column in dataset.columns]
    path = Path(folder) / f"opinions.{kind}"
    started = time.perf_counter()
    if kind == "csv":
        rows = writing.write_csv(path, header, dataset.rows())
    else:
        rows = writing.write_xlsx(path, header, dataset.rows(), title="opinions")
    seconds = time.perf_counter() - started
    # ru_maxrss is in kilobytes on Linux: the process's peak, Django and all.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "format": kind,
        "rows": rows,
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb, 1),
        "bytes": path.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("spec", "export"))
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    setup_django()
    if options.command == "spec":
        json.dump(spec(), sys.stdout)
    else:
        kind, folder = options.args
        json.dump(export(kind, folder), sys.stdout)


if __name__ == "__main__":
    main()
