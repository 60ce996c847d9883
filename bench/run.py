"""Benchmarks (`make bench`): figures are printed and written to var/bench/*.json, not judged.

http_pages: the home page and a stage page under load from a second process on loopback,
with the server in its production configuration (gunicorn, DEBUG off, hashed static files).
The database is a fresh SQLite file under var/bench/, or DATABASE_URL when it is set.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBUG"] = "0"
    env.setdefault("SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{OUT / 'bench.sqlite3'}"
    env["VAR_DIR"] = str(OUT / "var")
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "load_process", "--verbosity", "0")
    manage(env, "seed_demo", "--verbosity", "0")


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def http_pages(env: dict[str, str], seconds: float, connections: int) -> list[dict[str, object]]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "lublin2030.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short runs (CI checks it runs)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = bench_env()
    prepare(env)
    seconds = 3.0 if args.quick else 15.0
    results = http_pages(env, seconds=seconds, connections=8)
    database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    report = {
        "benchmark": "http_pages",
        "server": "gunicorn 2 workers x 4 threads, DEBUG off",
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
    print(f"written to {OUT / 'http_pages.json'}")


if __name__ == "__main__":
    main()
