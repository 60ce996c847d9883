"""The same public pages at growing numbers of opinions, p50 side by side (`growth` in run.py).

Issue 18, part 5: whether a page's cost grows with the data. Each size has its own database
(a SQLite file under var/bench/, or a PostgreSQL database named after DATABASE_URL's with
`_growth_<size>` added, created if missing), seeded once and kept between runs like the main
bench database; the size the rest of the run uses is that database itself. The pages are the
floor section's anonymous ones, read with wrk at one connection under the Procfile's gunicorn
settings, with the anonymous page cache off (PAGE_CACHE_SECONDS=0): what a page costs to
render, which the cache would otherwise hide.

Sizes: 10,000, 100,000 and 1,000,000 opinions; with --quick 2,000 and 20,000 (CI checks that
it runs, in about a minute).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import floor_bench
from harness import gunicorn_server, run_django_side

Figures = dict[str, Any]

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 20_000)
# A search at a million opinions may take longer than wrk's default 2 s: it would be counted
# as a timeout and left out of the percentiles.
WRK_TIMEOUT = "30s"


def database_url(env: dict[str, str], out: Path, opinions: int) -> str:
    url = env["DATABASE_URL"]
    if not url.startswith("postgres"):
        return f"sqlite:///{out / f'bench-growth-{opinions}.sqlite3'}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + f"_growth_{opinions}"
    return urlunsplit(parts._replace(path="/" + name))


def ensure_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not connection.execute(exists, [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def p50(url: str, *, seconds: float) -> Figures:
    args = [floor_bench.ensure_wrk(), "--latency", "-t1", "-c1", f"-d{max(1, round(seconds))}s",
            "--timeout", WRK_TIMEOUT, url]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    figures = floor_bench.parse_wrk(done.stdout)
    timeouts = re.search(r"timeout (\d+)", figures["socket_errors"])
    return {"requests": figures["requests"], "p50_ms": figures["p50_ms"],
            "timeouts": int(timeouts.group(1)) if timeouts else 0}  # fmt: skip


def run(
    env: dict[str, str],
    out: Path,
    *,
    prepare: Callable[..., float],
    main_opinions: int,
    quick: bool,
    seconds: float,
    database: str,
) -> Figures:
    """`prepare(env, opinions=n)` (run.py's) migrates and seeds the database of `env`."""
    sizes = QUICK_SIZES if quick else SIZES
    columns = []
    for opinions in sizes:
        sized = dict(env)
        if opinions != main_opinions:
            sized["DATABASE_URL"] = database_url(env, out, opinions)
            if database == "postgresql":
                ensure_postgres_database(sized["DATABASE_URL"])
            started = time.perf_counter()
            prepare(sized, opinions=opinions)
            print(f"growth: {opinions:,} opinions ready in {time.perf_counter() - started:.0f} s",
                  flush=True)  # fmt: skip
        paths = run_django_side(floor_bench.__file__, sized, "paths")
        pages = [(name, path.format(**paths)) for name, path in floor_bench.ANONYMOUS_PAGES]
        rows = {}
        server = floor_bench.gunicorn(
            sized | {"PAGE_CACHE_SECONDS": "0"}, "lublin2030.wsgi", "bench.bench_settings"
        )
        with server as base:
            for name, path in pages:
                p50(base + path, seconds=1)  # warm up: the first render, the caches of counts
                rows[name] = p50(base + path, seconds=seconds)
        columns.append({"opinions": opinions, "pages": rows})
    return {
        "benchmark": "growth",
        "server": gunicorn_server(),
        "database": database,
        "page_cache": "off",
        "connections": 1,
        "sizes": columns,
    }


def print_report(report: Figures, database: str) -> None:
    columns = report["sizes"]
    print(f"\ngrowth ({report['server']}, {database}; p50 ms at 1 connection, wrk on loopback,")
    print("page cache off: what each page costs to render as the opinions grow)")
    print(f"{'page':<40}" + "".join(f"{column['opinions']:>14,}" for column in columns))
    for name in columns[0]["pages"]:
        cells = []
        for column in columns:
            row = column["pages"][name]
            cell = f"{row['p50_ms']}" if row["requests"] else "—"
            cells.append(f"{cell + ('*' if row['timeouts'] else ''):>14}")
        print(f"{name:<40}" + "".join(cells))
    if any(row["timeouts"] for column in columns for row in column["pages"].values()):
        print(f"* some requests took longer than wrk's {WRK_TIMEOUT} and are not counted")
