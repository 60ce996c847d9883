"""Faults benchmark (`make bench BENCH_ARGS="--only faults"`; not part of the default or
`--quick` run: it takes about two and a half minutes). Figures go to var/bench/faults.json.

The portal as production runs it, each part started here as its own process: Redis on a
free port of its own (broker and cache: REDIS_URL=redis://127.0.0.1:PORT/0), gunicorn as in
the Procfile (DEBUG off), a Celery worker and Celery beat. Eight clients, each keeping its
cookies like a browser, send 2,000 opinions through the real answer form (GET the form for
the CSRF token, cookies and submission key, then POST), at an even pace over LOAD_SECONDS;
nobody retries a failed request. Every text carries a UUID, so it is found in the database
afterwards. The rate limit is lifted (all clients come from 127.0.0.1).

During the load (seconds after it starts; FAULT_PLAN):

    10  Redis killed (SIGKILL: a crash, its data lost), started again 10 s later
    35  the Celery worker killed (SIGKILL to its process group, pool included, as a
        container kill does), started again a second later, as a supervisor would
    55  gunicorn restarted (SIGTERM, waited for, started again on the same port)
    80  Redis stopped (SIGTERM: it saves its data and reloads it), started 10 s later

Meanwhile the worker, beat and gunicorn are watched: one that exits without the bench
having stopped it is counted, and started again so the run goes on (as docker-compose's
`restart: unless-stopped` would); the worker's log is searched for kombu's "Unrecoverable
error".

Reported: submissions sent; accepted (a 302 to a tracking page); connection errors (while
the web server was down / while Redis was down / otherwise); 5xx responses (while Redis was
down, or within RECOVERY_GRACE of its return / otherwise); LOST (a 302 came but the opinion
is not in the database); DUPLICATED (a text saved more than once); a 302 that leads to
another opinion's tracking page; the run's opinions still unanalysed (analysed_at IS NULL)
60 s after the last fault ended (and how many of them were sent while Redis was down), and
how long until all were analysed, with no traffic after the load. Targets: lost 0,
duplicated 0, 5xx during Redis outages 0, unanalysed after 60 s 0.

The database: DATABASE_URL when it is set (it must be PostgreSQL), else
postgres://postgres@127.0.0.1:5432/lublin2030_faults, created if missing, migrated, with the
process loaded. The run's opinions are deleted afterwards (FAULTS_KEEP_OPINIONS=1 keeps
them). Logs of every process: var/bench/faults/*.log.

The Django side runs in a subprocess through this file's command line:

    python bench/faults_bench.py spec --texts N | cleanup --after PK --marker TEXT
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from harness import free_port, gunicorn_server, run_django_side, setup_django

ROOT = Path(__file__).resolve().parent.parent
OWN_DATABASE = "postgres://postgres@127.0.0.1:5432/lublin2030_faults"

SUBMISSIONS = 2000
CLIENTS = 8
LOAD_SECONDS = 100.0
REDIS_DOWN_SECONDS = 10.0
# (seconds after the load starts, fault)
FAULT_PLAN: tuple[tuple[float, str], ...] = (
    (10.0, "redis-kill"),
    (35.0, "worker-kill"),
    (55.0, "web-restart"),
    (80.0, "redis-stop"),
)
WORKER_RESTART_DELAY = 1.0
# After Redis is back, each web process keeps to its own memory cache for a few seconds
# (lublin2030.cache.OUTAGE_SECONDS): failures that soon after still count as the outage's.
RECOVERY_GRACE = 5.0
ANALYSIS_DEADLINE = 60.0
GIVE_UP_AFTER = 300.0
CLIENT_TIMEOUT = 60.0
SAMPLE_SECONDS = 5.0
MARKER = "faults-bench"

TARGETS = {
    "lost": 0,
    "duplicated": 0,
    "http_5xx_while_redis_down": 0,
    "unanalysed_60s_after_last_fault": 0,
}

CSRF_INPUT = re.compile(
    r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"'
)
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.S)
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
SELECT = re.compile(r'<select\b[^>]*\bname="(\w+)"[^>]*>(.*?)</select>', re.S)
OPTION_VALUE = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"')
TRACKING = re.compile(r"/opinions/track/([\w-]+)/$")
UUID_IN_TEXT = re.compile(MARKER + r" \w+ ([0-9a-f-]{36})")

Figures = dict[str, Any]


# --- Processes: Redis, gunicorn, the worker and beat ----------------------------------------


class Service:
    """One process (and its process group) of the portal under test, logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        # Set before the bench stops the process itself; the watcher ignores that exit.
        self.stopping = False
        self.starts = 0
        self.lock = threading.RLock()

    def start(self) -> None:
        with self.lock, self.log.open("ab") as log:
            log.write(f"\n=== {self.name} start #{self.starts + 1} at {stamp()} ===\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            self.starts += 1
            self.stopping = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, sig: int, *, group: bool = False) -> None:
        """Send `sig` (to the whole process group with `group`); the exit is the bench's."""
        with self.lock:
            self.stopping = True
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(self.proc.pid, sig)
                else:
                    self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 30.0) -> None:
        """Stop it for good (the end of the run), then anything left in its group."""
        if self.proc is None:
            return
        if self.alive():
            self.send(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.send(signal.SIGKILL, group=True)
                self.wait(10)
        self.stopping = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # pool processes or workers left over


@dataclass
class Portal:
    redis: Service
    web: Service
    worker: Service
    beat: Service
    redis_port: int
    web_port: int
    form_path: str


def portal_services(work: Path, env: dict[str, str], run_id: str, ports: tuple[int, int]) -> Portal:
    """The four processes, started as the Procfile (and docker-compose.yml) starts them."""
    redis_port, web_port = ports
    python = sys.executable
    redis = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
             "--dir", str(work / "redis"), "--appendonly", "no",
             "--save", "3600 1 300 100 60 10000"]  # fmt: skip
    web = [python, "-m", "gunicorn", "lublin2030.wsgi", "--bind", f"127.0.0.1:{web_port}",
           "--access-logfile", "-"]  # fmt: skip
    celery = [python, "-m", "celery", "-A", "lublin2030"]
    worker = [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2",
              "--hostname", f"faults-{run_id}@%h"]  # fmt: skip
    beat = [*celery, "beat", "--loglevel", "INFO", "--schedule", str(work / "celerybeat-schedule")]
    return Portal(
        redis=Service("redis", redis, env, work / "redis.log"),
        web=Service("gunicorn", web, env, work / "web.log"),
        worker=Service("celery worker", worker, env, work / "worker.log"),
        beat=Service("celery beat", beat, env, work / "beat.log"),
        redis_port=redis_port,
        web_port=web_port,
        form_path="/",
    )


def stamp() -> str:
    return time.strftime("%H:%M:%S")


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def web_answers(port: int, path: str) -> bool:
    """The form answers (/health/ would say 503 while Redis is down)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path, headers={"Connection": "close"})
        status = conn.getresponse().status
        conn.close()
        return status < 500
    except (OSError, http.client.HTTPException):
        return False


def log_count(path: Path, text: str) -> int:
    if not path.exists():
        return 0
    return path.read_text(encoding="utf-8", errors="replace").count(text)


class Watcher(threading.Thread):
    """Starts again any watched process that exited without the bench stopping it."""

    def __init__(self, services: Iterable[Service]) -> None:
        super().__init__(name="faults-watcher", daemon=True)
        self.services = list(services)
        self.started = time.monotonic()
        self.exits: list[Figures] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.2):
            for service in self.services:
                with service.lock:
                    if service.stopping or service.proc is None:
                        continue
                    code = service.proc.poll()
                    if code is None:
                        continue
                    at = round(time.monotonic() - self.started, 1)
                    self.exits.append({"service": service.name, "at_s": at, "returncode": code})
                    print(f"  [{stamp()}] {service.name} exited by itself ({code}); "
                          "starting it again", flush=True)  # fmt: skip
                    service.start()


# --- The clients ----------------------------------------------------------------------------


@dataclass
class Submission:
    index: int
    client: int
    key: str
    text: str
    started: float = 0.0
    ended: float = 0.0
    # accepted, connection-error, http-5xx, other
    outcome: str = ""
    stage: str = ""  # form (the GET) or post
    status: int = 0
    error: str = ""
    token: str = ""


@dataclass
class Browser:
    """One client: its own cookies, a new connection for every request (no stale keep-alive
    connection fails a request), no retries."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {"Connection": "close", "Accept-Language": "pl", "User-Agent": "faults-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        self._keep_cookies(response.headers)
        return response.status, response.headers, text

    def _keep_cookies(self, headers: http.client.HTTPMessage) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def form_fields(html: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The form's hidden inputs (CSRF token, submission key) and each select's values."""
    hidden: dict[str, str] = {}
    for tag in INPUT_TAG.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            hidden[attributes["name"]] = attributes.get("value", "")
    match = CSRF_INPUT.search(html)
    if match:
        hidden["csrfmiddlewaretoken"] = match.group(1) or match.group(2)
    selects = {name: OPTION_VALUE.findall(body) for name, body in SELECT.findall(html)}
    return hidden, selects


def submit(browser: Browser, form_path: str, item: Submission, rng: random.Random) -> None:
    item.started = time.monotonic()
    try:
        item.stage = "form"
        status, _headers, html = browser.request("GET", form_path)
        item.status = status
        if status != 200:
            item.outcome = "http-5xx" if status >= 500 else "other"
            return
        hidden, selects = form_fields(html)
        if "csrfmiddlewaretoken" not in hidden or "submission_key" not in hidden:
            item.outcome, item.error = "other", "no CSRF token or submission key in the form"
            return
        data = dict(hidden)
        data["text"] = item.text
        for name in ("area", "district", "age_band", "relation"):
            data[name] = rng.choice(selects.get(name) or [""])
        data["email"] = "mieszkanka@example.org" if rng.random() < 0.25 else ""
        data["website"] = ""
        item.stage = "post"
        status, headers, _body = browser.request("POST", form_path, urlencode(data))
        item.status = status
        tracking = TRACKING.search(urlsplit(headers.get("Location") or "").path)
        if status == 302 and tracking:
            item.outcome, item.token = "accepted", tracking.group(1)
        else:
            item.outcome = "http-5xx" if status >= 500 else "other"
    except (OSError, http.client.HTTPException) as error:
        item.outcome, item.error = "connection-error", f"{type(error).__name__}: {error}"
    finally:
        item.ended = time.monotonic()


def client_loop(
    number: int, port: int, form_path: str, items: list[Submission], started: float
) -> None:
    """One client's share of the submissions, each at its turn in the even pace of all."""
    browser = Browser(port)
    rng = random.Random(number)
    spacing = LOAD_SECONDS / SUBMISSIONS
    for item in items:
        pause = started + item.index * spacing - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        submit(browser, form_path, item, rng)


# --- The faults -----------------------------------------------------------------------------


@dataclass
class FaultLog:
    started: float
    faults: list[Figures] = field(default_factory=list)
    redis_down: list[tuple[float, float]] = field(default_factory=list)
    web_down: list[tuple[float, float]] = field(default_factory=list)
    last_fault_end: float = 0.0
    errors: list[str] = field(default_factory=list)

    def record(self, name: str, began: float, ended: float) -> None:
        self.faults.append(
            {
                "fault": name,
                "at_s": round(began - self.started, 1),
                "back_at_s": round(ended - self.started, 1),
                "down_s": round(ended - began, 1),
            }
        )
        self.last_fault_end = max(self.last_fault_end, ended)
        print(f"  [{stamp()}] {name}: {ended - began:.1f} s", flush=True)


def redis_outage(portal: Portal, log: FaultLog, sig: int) -> None:
    began = time.monotonic()
    portal.redis.send(sig)
    portal.redis.wait(30)
    time.sleep(max(0.0, began + REDIS_DOWN_SECONDS - time.monotonic()))
    portal.redis.start()
    wait_for(lambda: redis_answers(portal.redis_port), 30, "Redis")
    ended = time.monotonic()
    log.redis_down.append((began, ended))
    how = "SIGKILL, data lost" if sig == signal.SIGKILL else "SIGTERM, data saved"
    log.record(f"Redis stopped ({how})", began, ended)


def worker_kill(portal: Portal, log: FaultLog) -> None:
    began = time.monotonic()
    ready_before = log_count(portal.worker.log, " ready.")
    portal.worker.send(signal.SIGKILL, group=True)
    portal.worker.wait(30)
    time.sleep(WORKER_RESTART_DELAY)
    portal.worker.start()
    wait_for(lambda: log_count(portal.worker.log, " ready.") > ready_before, 60, "the worker")
    log.record("Celery worker killed (SIGKILL), started again", began, time.monotonic())


def web_restart(portal: Portal, log: FaultLog) -> None:
    began = time.monotonic()
    portal.web.send(signal.SIGTERM)
    if portal.web.wait(60) is None:
        raise RuntimeError("gunicorn did not stop within 60 s of SIGTERM")
    portal.web.start()
    wait_for(lambda: web_answers(portal.web_port, portal.form_path), 60, "gunicorn")
    ended = time.monotonic()
    log.web_down.append((began, ended))
    log.record("gunicorn restarted (SIGTERM, then started)", began, ended)


def inject_faults(portal: Portal, log: FaultLog) -> None:
    try:
        for at, fault in FAULT_PLAN:
            time.sleep(max(0.0, log.started + at - time.monotonic()))
            if fault == "redis-kill":
                redis_outage(portal, log, signal.SIGKILL)
            elif fault == "redis-stop":
                redis_outage(portal, log, signal.SIGTERM)
            elif fault == "worker-kill":
                worker_kill(portal, log)
            elif fault == "web-restart":
                web_restart(portal, log)
    except Exception as error:  # reported at the end; the load goes on regardless
        log.errors.append(f"{type(error).__name__}: {error}")


def load_with_faults(portal: Portal, items: list[Submission], log: FaultLog) -> float:
    """The clients and the faults at once; when the last client finished."""
    shares = [[item for item in items if item.client == number] for number in range(CLIENTS)]
    clients = [
        threading.Thread(
            target=client_loop,
            args=(number, portal.web_port, portal.form_path, share, log.started),
            name=f"faults-client-{number}",
        )
        for number, share in enumerate(shares)
    ]
    injector = threading.Thread(target=inject_faults, args=(portal, log), name="faults-injector")
    for thread in (*clients, injector):
        thread.start()
    for thread in clients:
        thread.join()
    load_ended = time.monotonic()
    print(f"  [{stamp()}] load done in {load_ended - log.started:.1f} s", flush=True)
    injector.join()
    log.last_fault_end = log.last_fault_end or load_ended
    return load_ended


# --- The database (read directly: the figures are what PostgreSQL holds) --------------------


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def query(url: str, statement: str, params: list[Any]) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return list(conn.execute(statement, params).fetchall())


def run_rows(url: str, after: int, marker: str) -> list[tuple[Any, ...]]:
    """(text, tracking token) of each of the run's opinions."""
    return query(
        url,
        "SELECT text, tracking_token FROM opinions_opinion WHERE id > %s AND text LIKE %s",
        [after, f"%{marker}%"],
    )


def unanalysed_count(url: str, after: int, marker: str) -> tuple[int, int]:
    row = query(
        url,
        "SELECT count(*) FILTER (WHERE analysed_at IS NULL), count(*) FROM opinions_opinion "
        "WHERE id > %s AND text LIKE %s",
        [after, f"%{marker}%"],
    )[0]
    return int(row[0]), int(row[1])


def unanalysed_keys(url: str, after: int, marker: str) -> list[str]:
    rows = query(
        url,
        "SELECT text FROM opinions_opinion WHERE id > %s AND text LIKE %s AND analysed_at IS NULL",
        [after, f"%{marker}%"],
    )
    return [match.group(1) for (text,) in rows if (match := UUID_IN_TEXT.search(text))]


class Sampler(threading.Thread):
    """The run's unanalysed opinions, counted every SAMPLE_SECONDS (for the report)."""

    def __init__(self, url: str, after: int, marker: str, started: float) -> None:
        super().__init__(name="faults-sampler", daemon=True)
        self.url, self.after, self.marker, self.started = url, after, marker, started
        self.samples: list[Figures] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while True:
            try:
                unanalysed, saved = unanalysed_count(self.url, self.after, self.marker)
            except Exception:  # a sample missed is not worth stopping the run for
                unanalysed, saved = -1, -1
            at = round(time.monotonic() - self.started)
            self.samples.append({"at_s": at, "unanalysed": unanalysed, "saved": saved})
            if self.halt.wait(SAMPLE_SECONDS):
                return


@dataclass
class Analysis:
    """How the analysis caught up after the last fault."""

    unanalysed_at_deadline: int = 0
    keys_at_deadline: list[str] = field(default_factory=list)
    remaining: int = 0
    all_analysed_s: float | None = None


def wait_for_analysis(url: str, after: int, marker: str, last_fault_end: float) -> Analysis:
    """Count the run's unanalysed opinions every second until there are none (or give up);
    the count ANALYSIS_DEADLINE after the last fault is the one judged. No traffic is sent."""
    check_at = last_fault_end + ANALYSIS_DEADLINE
    result = Analysis()
    judged = False
    while True:
        now = time.monotonic()
        result.remaining, saved = unanalysed_count(url, after, marker)
        if result.remaining == 0:
            # No traffic any more: what is analysed stays analysed, so the deadline's count
            # is 0 too if it has not come yet.
            result.all_analysed_s = now - last_fault_end
            return result
        if not judged and now >= check_at:
            judged = True
            result.unanalysed_at_deadline = result.remaining
            result.keys_at_deadline = unanalysed_keys(url, after, marker)
            print(f"  [{stamp()}] {ANALYSIS_DEADLINE:.0f} s after the last fault: "
                  f"{result.remaining} of {saved} still unanalysed", flush=True)  # fmt: skip
        if now - last_fault_end > GIVE_UP_AFTER:
            print(f"  [{stamp()}] gave up waiting: {result.remaining} of {saved} unanalysed")
            return result
        time.sleep(1.0)


# --- The run --------------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return OWN_DATABASE
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the faults benchmark needs PostgreSQL: DATABASE_URL must be postgres://")
    return url


def prepare(env: dict[str, str], url: str) -> None:
    if url == OWN_DATABASE:
        ensure_database(url)
    for args in (
        ("migrate", "--noinput", "--verbosity", "0"),
        ("collectstatic", "--noinput", "--verbosity", "0"),
        ("load_process", "--verbosity", "0"),
    ):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def start_portal(portal: Portal) -> None:
    portal.worker.start()
    portal.beat.start()
    portal.web.start()
    wait_for(lambda: web_answers(portal.web_port, portal.form_path), 60, "gunicorn")
    wait_for(lambda: log_count(portal.worker.log, " ready.") > 0, 90, "the worker")
    # Every gunicorn worker process serves the form once before the clock starts.
    for _ in range(8):
        web_answers(portal.web_port, portal.form_path)


def run(env: dict[str, str], out: Path) -> Figures:
    total_started = time.monotonic()
    url = database_url()
    work = out / "faults"
    shutil.rmtree(work / "redis", ignore_errors=True)
    (work / "redis").mkdir(parents=True, exist_ok=True)
    for old in work.glob("*.log"):
        old.unlink()
    ports = (free_port(), free_port())
    env = env | {
        "DATABASE_URL": url,
        "REDIS_URL": f"redis://127.0.0.1:{ports[0]}/0",
        "OPINION_RATE_LIMIT": "1000000",
        "VAR_DIR": str(work / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    if len(env.get("SECRET_KEY", "")) < 50:
        env["SECRET_KEY"] = "faults-bench-only-" + os.urandom(32).hex()
    run_id = uuid.uuid4().hex[:12]
    marker = f"{MARKER} {run_id}"
    portal = portal_services(work, env, run_id, ports)
    watcher = Watcher((portal.web, portal.worker, portal.beat))
    sampler: Sampler | None = None
    after = 0
    try:
        portal.redis.start()
        wait_for(lambda: redis_answers(portal.redis_port), 30, "Redis")
        print(f"faults: preparing {urlsplit(url).path.lstrip('/')} (PostgreSQL)…", flush=True)
        prepare(env, url)
        spec = run_django_side(__file__, env, "spec", "--texts", str(SUBMISSIONS))
        portal.form_path = spec["form_path"]
        after = int(query(url, "SELECT coalesce(max(id), 0) FROM opinions_opinion", [])[0][0])
        backlog = int(
            query(
                url,
                "SELECT count(*) FROM opinions_opinion WHERE analysed_at IS NULL "
                "AND import_batch_id IS NULL",
                [],
            )[0][0]
        )
        texts: list[str] = spec["texts"]
        items = [
            Submission(index, index % CLIENTS, key, f"{texts[index % len(texts)]} [{marker} {key}]")
            for index, key in enumerate(str(uuid.uuid4()) for _ in range(SUBMISSIONS))
        ]
        start_portal(portal)
        print(
            f"faults: {SUBMISSIONS} submissions by {CLIENTS} clients over {LOAD_SECONDS:.0f} s; "
            f"Redis on port {portal.redis_port}, gunicorn on {portal.web_port}",
            flush=True,
        )
        log = FaultLog(started=time.monotonic())
        watcher.started = log.started
        watcher.start()
        sampler = Sampler(url, after, marker, log.started)
        sampler.start()
        load_ended = load_with_faults(portal, items, log)
        analysis = wait_for_analysis(url, after, marker, log.last_fault_end)
        rows = run_rows(url, after, marker)
    finally:
        watcher.halt.set()
        if sampler is not None:
            sampler.halt.set()
        for service in (portal.web, portal.beat, portal.worker, portal.redis):
            service.stop()
        cleaned: Figures = {"kept": True}
        if os.environ.get("FAULTS_KEEP_OPINIONS") != "1":
            try:
                cleaned = run_django_side(
                    __file__, env, "cleanup", "--after", str(after), "--marker", marker
                )
            except Exception as error:  # the figures matter more than the tidying
                cleaned = {"error": str(error)}

    report = figures(items, rows, log, load_ended, analysis, watcher, portal)
    return report | {
        "unanalysed_timeline": sampler.samples,
        "unanalysed_form_opinions_before": backlog,
        "cleanup": cleaned,
        "logs": str(work),
        "total_seconds": round(time.monotonic() - total_started, 1),
        "redis_url": env["REDIS_URL"],
    }


def overlaps(item: Submission, windows: list[tuple[float, float]], grace: float = 0.0) -> bool:
    return any(item.started <= end + grace and item.ended >= begin for begin, end in windows)


def figures(
    items: list[Submission],
    rows: list[tuple[Any, ...]],
    log: FaultLog,
    load_ended: float,
    analysis: Analysis,
    watcher: Watcher,
    portal: Portal,
) -> Figures:
    saved: dict[str, list[str]] = {}
    for text, token in rows:
        match = UUID_IN_TEXT.search(text)
        if match:
            saved.setdefault(match.group(1), []).append(token)
    accepted = [item for item in items if item.outcome == "accepted"]
    lost = [item for item in accepted if item.key not in saved]
    wrong_page = [
        item for item in accepted if item.key in saved and item.token not in saved[item.key]
    ]
    duplicated = [key for key, tokens in saved.items() if len(tokens) > 1]
    failed = ("connection-error", "http-5xx")
    failed_posts = [item for item in items if item.stage == "post" and item.outcome in failed]
    connection_errors = [item for item in items if item.outcome == "connection-error"]
    server_errors = [item for item in items if item.outcome == "http-5xx"]
    others = [item for item in items if item.outcome == "other"]

    def split_connection(item: Submission) -> str:
        if overlaps(item, log.web_down):
            return "while_web_down"
        if overlaps(item, log.redis_down, RECOVERY_GRACE):
            return "while_redis_down"
        return "otherwise"

    connection_split = Counter(split_connection(item) for item in connection_errors)
    redis_5xx = [item for item in server_errors if overlaps(item, log.redis_down, RECOVERY_GRACE)]
    by_key = {item.key: item for item in items}
    late = [by_key[key] for key in analysis.keys_at_deadline if key in by_key]
    latencies = sorted((item.ended - item.started) * 1000 for item in accepted)
    during_redis = sorted(
        (item.ended - item.started) * 1000 for item in accepted if overlaps(item, log.redis_down)
    )
    worker_exits = [exit for exit in watcher.exits if exit["service"] == "celery worker"]
    report: Figures = {
        "benchmark": "faults",
        "database": "postgresql",
        "server": gunicorn_server() + "; Celery worker (2) and beat; own Redis",
        "cpus": os.cpu_count(),
        "submissions": len(items),
        "clients": CLIENTS,
        "load_seconds": round(load_ended - log.started, 1),
        "accepted": len(accepted),
        "connection_errors": len(connection_errors),
        "connection_errors_split": {
            name: connection_split.get(name, 0)
            for name in ("while_web_down", "while_redis_down", "otherwise")
        },
        "connection_error_kinds": dict(
            Counter(f"{i.stage} {i.error.split(':')[0]}" for i in connection_errors)
        ),
        "http_5xx": len(server_errors),
        "http_5xx_while_redis_down": len(redis_5xx),
        "http_5xx_otherwise": len(server_errors) - len(redis_5xx),
        "http_5xx_statuses": dict(Counter(f"{i.stage} {i.status}" for i in server_errors)),
        "other_responses": dict(Counter(f"{i.stage} {i.status} {i.error}".strip() for i in others)),
        "lost": len(lost),
        "lost_keys": [item.key for item in lost][:20],
        "duplicated": len(duplicated),
        "duplicated_keys": duplicated[:20],
        "wrong_tracking_page": len(wrong_page),
        "saved_without_a_302": sum(1 for item in failed_posts if item.key in saved),
        "opinions_saved": sum(len(tokens) for tokens in saved.values()),
        "opinions_sent_while_redis_down": sum(
            1 for item in accepted if overlaps(item, log.redis_down)
        ),
        "unanalysed_60s_after_last_fault": analysis.unanalysed_at_deadline,
        "unanalysed_60s_after_last_fault_sent_while_redis_down": sum(
            1 for item in late if overlaps(item, log.redis_down)
        ),
        "unanalysed_60s_after_last_fault_sent_after_it": sum(
            1 for item in late if item.started >= log.last_fault_end
        ),
        "unanalysed_at_the_end": analysis.remaining,
        "all_analysed_after_last_fault_s": (
            None if analysis.all_analysed_s is None else round(analysis.all_analysed_s, 1)
        ),
        "last_fault_ended_at_s": round(log.last_fault_end - log.started, 1),
        "submit_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "submit_p99_ms": (
            round(latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None
        ),
        "submit_max_ms_while_redis_down": round(during_redis[-1], 1) if during_redis else None,
        "faults": log.faults,
        "fault_errors": log.errors,
        "worker_exits_not_caused_by_bench": len(worker_exits),
        "unexpected_exits": watcher.exits,
        "unrecoverable_errors_in_worker_log": log_count(portal.worker.log, "Unrecoverable error"),
        "starts": {
            service.name: service.starts
            for service in (portal.redis, portal.web, portal.worker, portal.beat)
        },
        "targets": TARGETS,
    }
    report["targets_met"] = all(report[name] <= limit for name, limit in TARGETS.items())
    return report


def print_report(report: Figures, database: str) -> None:
    print(
        f"\nfaults ({report['server']}, {database}, {report['cpus']} CPUs; "
        f"{report['submissions']} submissions by {report['clients']} clients in "
        f"{report['load_seconds']} s, whole run {report['total_seconds']} s)"
    )
    for fault in report["faults"]:
        print(f"  at {fault['at_s']:>5} s  {fault['fault']:<48} down {fault['down_s']} s")
    split = report["connection_errors_split"]
    analysed = report["all_analysed_after_last_fault_s"]
    late = report["unanalysed_60s_after_last_fault"]
    rows = [
        ("submissions sent", report["submissions"], ""),
        ("accepted (302 to a tracking page)", report["accepted"], ""),
        ("connection errors", report["connection_errors"],
         f"web down {split['while_web_down']}, Redis down {split['while_redis_down']}, "
         f"otherwise {split['otherwise']}"),
        (f"5xx while Redis down (+{RECOVERY_GRACE:.0f} s)", report["http_5xx_while_redis_down"],
         "target 0"),
        ("5xx otherwise", report["http_5xx_otherwise"], ""),
        ("other responses", sum(report["other_responses"].values()), ""),
        ("LOST (302, not in the database)", report["lost"], "target 0"),
        ("DUPLICATED (a text saved twice)", report["duplicated"], "target 0"),
        ("302 to another opinion's page", report["wrong_tracking_page"], "target 0"),
        ("saved without a 302 (reply lost)", report["saved_without_a_302"], ""),
        (f"unanalysed {ANALYSIS_DEADLINE:.0f} s after last fault", late,
         f"target 0; sent while Redis was down "
         f"{report['unanalysed_60s_after_last_fault_sent_while_redis_down']}, after the last "
         f"fault {report['unanalysed_60s_after_last_fault_sent_after_it']}" if late else
         "target 0"),
        ("all analysed after last fault (s)", "-" if analysed is None else analysed,
         f"{report['unanalysed_at_the_end']} never" if analysed is None else ""),
        ("worker exits the bench did not cause", report["worker_exits_not_caused_by_bench"], ""),
        ("'Unrecoverable error' in worker log", report["unrecoverable_errors_in_worker_log"],
         ""),
    ]  # fmt: skip
    for name, value, note in rows:
        print(f"  {name:<38}{value!s:>8}  {note}")
    if report["http_5xx_statuses"] or report["other_responses"]:
        print(f"  statuses: 5xx {report['http_5xx_statuses']}, other {report['other_responses']}")
    for exit in report["unexpected_exits"]:
        print(f"  {exit['service']} exited by itself at {exit['at_s']} s ({exit['returncode']})")
    for error in report["fault_errors"]:
        print(f"  fault injection failed: {error}")
    print(
        f"  submit p50 {report['submit_p50_ms']} ms, p99 {report['submit_p99_ms']} ms; "
        f"slowest while Redis was down {report['submit_max_ms_while_redis_down']} ms"
    )
    print(f"  targets met: {'yes' if report['targets_met'] else 'NO'}; logs in {report['logs']}")


# --- The Django side (this file's command line, run in the bench environment) ---------------


def command_spec(count: int) -> Figures:
    """The answer form's path and `count` texts to send (the demo generator's)."""
    from django.urls import reverse

    from lublin2030.demo.opinions import DemoGenerator
    from stages.models import Consultation

    consultation = (
        Consultation.objects.filter(kind=Consultation.Kind.OPEN_QUESTION)
        .open_at()
        .order_by("opens_at", "pk")
        .first()
    )
    if consultation is None:
        raise SystemExit("no open question to answer in the faults database")
    generator = DemoGenerator.from_database(seed=2030)
    texts = [generator.opinion(index).text for index in range(count * 2)]
    texts = [text for text in texts if 10 <= len(text) <= 4000][:count]
    return {
        "form_path": reverse("opinions:answer", kwargs={"slug": consultation.slug}),
        "texts": texts,
    }


def command_cleanup(after: int, marker: str) -> Figures:
    from opinions.models import Opinion

    deleted, _by_model = Opinion.objects.filter(pk__gt=after, text__contains=marker).delete()
    return {"deleted": deleted}


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    spec = commands.add_parser("spec")
    spec.add_argument("--texts", type=int, default=SUBMISSIONS)
    cleanup = commands.add_parser("cleanup")
    cleanup.add_argument("--after", type=int, required=True)
    cleanup.add_argument("--marker", required=True)
    args = parser.parse_args()
    setup_django()
    if args.command == "spec":
        result = command_spec(args.texts)
    else:
        result = command_cleanup(args.after, args.marker)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
