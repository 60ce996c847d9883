"""Opinions benchmarks, run by bench/run.py after `http_pages` (figures printed and written
to var/bench/opinions_*.json, never judged):

opinions_submit  the answer form, POSTed through the real view by a load generator in a
                 second process on loopback (gunicorn, DEBUG off; each connection gets its
                 CSRF cookie and token once, each POST has a fresh submission key), next to a
                 bare Django view doing one INSERT on the same server (bench/bench_urls.py);
                 the ratio of their throughputs is the price of the form's validation, rate
                 limit, submission key and task. The rate limit is lifted for the server.
opinions_list    the public list with filters, searches for Polish phrases, the moderation
                 queue (signed in as a moderator) and an author's tracking page: p50 and p99
                 with one client (the latency a visitor sees) and with four at once.
opinions_import  a generated CSV of paper input (50,000 rows) through opinions.importing:
                 check, then commit, in seconds. It runs inside a transaction that is rolled
                 back afterwards, so the bench database stays as it was and a re-run measures
                 the same work (only the final COMMIT and the enqueueing of the analysis
                 tasks, which wait for it, are left out).

The work that needs Django runs in a subprocess through this file's own command line:

    python bench/opinions_bench.py stats | max-pk | staff-session | cleanup --after PK
    python bench/opinions_bench.py form-spec --base URL --out DIR
    python bench/opinions_bench.py import --rows N --csv PATH
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from harness import free_port, gunicorn_server, run_django_side, setup_django, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "bench" / "load.py"
BARE_INSERT = "/bench/bare-insert/"
FORM_TEXT_SEED = 99
IMPORT_SEED = 4242
WARM_UP_SECONDS = 2.0

LIST_PAGES = (
    ("list, area filter", "/opinions/?area=miasto-zielone"),
    ("list, district, most supported", "/opinions/?district=czuby-poludniowe&sort=supported"),
    ("search „miejsca parkingowe”", "/opinions/?q=" + quote_plus("miejsca parkingowe")),
    ("search „zieleń w dzielnicy”", "/opinions/?q=" + quote_plus("zieleń w dzielnicy")),
    ("search „zielen” (no Polish letters)", "/opinions/?q=zielen"),
    ("search „basen” (+ synonyms)", "/opinions/?q=basen"),
    (
        "search „ścieżki rowerowe Czuby” (2 of 3)",
        "/opinions/?q=" + quote_plus("ścieżki rowerowe Czuby"),
    ),
    ('search „"plac zabaw" -drzewa”', "/opinions/?q=" + quote_plus('"plac zabaw" -drzewa')),
    ("search „pływalnja” (nothing: did you mean)", "/opinions/?q=" + quote_plus("pływalnja")),
)

# Signed in as a moderator (a session made by this file's `staff-session` command).
STAFF_PAGES = (
    ("moderation queue (25 rows)", "/staff/moderation/"),
    ("moderation queue, no area yet", "/staff/moderation/?area=none"),
)

Figures = dict[str, Any]


# --- Orchestration (no Django here: it runs in bench/run.py's process) ----------------------


@contextmanager
def bench_server(env: dict[str, str]) -> Iterator[str]:
    """gunicorn with the portal plus the bare view; the rate limit lifted (one client here)."""
    port = free_port()
    server_env = env | {
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "OPINION_RATE_LIMIT": str(10**9),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "lublin2030.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
        ],
        cwd=ROOT, env=server_env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/health/")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def load(
    url: str,
    *,
    seconds: float,
    connections: int,
    post: Path | None = None,
    cookie: str = "",
) -> Figures:
    """bench/load.py's figures; `cookie` is sent with every request (a signed-in session)."""
    args = [sys.executable, str(LOAD), url, "--seconds", str(seconds)]
    args += ["--connections", str(connections)]
    if post is not None:
        args += ["--post", str(post)]
    if cookie:
        args += ["--cookie", cookie]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    figures: Figures = json.loads(done.stdout)
    return figures


def warm_up(url: str, *, connections: int, post: Path | None = None, cookie: str = "") -> None:
    """A short unmeasured run, with as many connections as the measured one.

    Every gunicorn worker must have served the page before it is measured: the first
    request in each pays for imports, template compilation and the Polish lemma
    dictionary (loaded on first use, several seconds).
    """
    for _attempt in range(5):
        figures = load(
            url, seconds=WARM_UP_SECONDS, connections=connections, post=post, cookie=cookie
        )
        if figures["requests"] and not figures["errors"] and figures["p99_ms"] < 2000:
            return


def run_http(
    env: dict[str, str],
    out: Path,
    *,
    seconds: float,
    connections: int,
    list_connections: tuple[int, ...],
) -> tuple[Figures, Figures]:
    """The submission and list benchmarks, against one server."""
    before = run_django_side(__file__, env, "max-pk")["max_pk"]
    try:
        with bench_server(env) as base:
            specs = run_django_side(__file__, env, "form-spec", "--base", base, "--out", str(out))
            form, bare = Path(specs["form"]), Path(specs["bare"])
            warm_up(specs["post_url"], connections=connections, post=form)
            real = load(specs["post_url"], seconds=seconds, connections=connections, post=form)
            warm_up(base + BARE_INSERT, connections=connections, post=bare)
            floor = load(base + BARE_INSERT, seconds=seconds, connections=connections, post=bare)
            pages = []
            for name, path in LIST_PAGES:
                warm_up(base + path, connections=max(list_connections))
                for clients in list_connections:
                    figures = load(base + path, seconds=seconds, connections=clients)
                    pages.append({"page": name, "path": path, **figures})
            staff = run_django_side(__file__, env, "staff-session")
            cookie = f"sessionid={staff['session']}"
            for name, path in (*STAFF_PAGES, ("tracking page", staff["tracking_path"])):
                page_cookie = "" if path == staff["tracking_path"] else cookie
                warm_up(base + path, connections=max(list_connections), cookie=page_cookie)
                for clients in list_connections:
                    figures = load(
                        base + path, seconds=seconds, connections=clients, cookie=page_cookie
                    )
                    pages.append({"page": name, "path": path, **figures})
    finally:
        cleaned = run_django_side(__file__, env, "cleanup", "--after", str(before))
    stats = run_django_side(__file__, env, "stats")
    submit = {
        "benchmark": "opinions_submit",
        "server": gunicorn_server() + ", rate limit lifted",
        "opinions_in_database": stats["opinions"],
        "form": real,
        "bare_insert": floor,
        "ratio": round(real["rps"] / floor["rps"], 2) if floor["rps"] else None,
        "target_ratio": 0.5,
        "rows_removed_afterwards": cleaned["deleted"],
    }
    listing = {
        "benchmark": "opinions_list",
        "server": gunicorn_server(),
        "opinions_in_database": stats["opinions"],
        "published": stats["published"],
        "target_p99_ms": 100,
        "results": pages,
    }
    return submit, listing


def run_import(env: dict[str, str], out: Path, *, rows: int) -> Figures:
    csv_path = out / f"opinions-import-{rows}.csv"
    figures = run_django_side(__file__, env, "import", "--rows", str(rows), "--csv", str(csv_path))
    return {"benchmark": "opinions_import", **figures}


def print_submit(report: Figures, database: str) -> None:
    print(f"\nopinions_submit ({report['server']}, {database}, load on loopback)")
    print(f"{'view':<14}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}")  # fmt: skip
    for name, row in (("answer form", report["form"]), ("bare INSERT", report["bare_insert"])):
        print(
            f"{name:<14}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9}{row['p50_ms']:>9}{row['p99_ms']:>9}"
        )
    print(f"form / bare throughput: {report['ratio']} (target ≥ {report['target_ratio']})")
    if report["form"]["errors"] or report["bare_insert"]["errors"]:
        print(f"error statuses: form {report['form']['error_statuses']}, "
              f"bare {report['bare_insert']['error_statuses']}")  # fmt: skip


def print_list(report: Figures, database: str) -> None:
    print(
        f"\nopinions_list ({report['server']}, {database}, "
        f"{report['opinions_in_database']:,} opinions, target p99 < {report['target_p99_ms']} ms)"
    )
    print(f"{'page':<34}{'conns':>6}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}")  # fmt: skip
    for row in report["results"]:
        print(
            f"{row['page']:<34}{row['connections']:>6}{row['requests']:>10}{row['errors']:>8}"
            f"{row['rps']:>9}{row['p50_ms']:>9}{row['p99_ms']:>9}"
        )


def print_import(report: Figures, database: str) -> None:
    print(f"\nopinions_import ({database}, {report['opinions_in_database']:,} opinions before)")
    print(f"{'rows':>8}{'accepted':>10}{'dupl.':>7}{'rejected':>10}{'created':>9}"
          f"{'check s':>9}{'commit s':>10}{'rows/s':>9}")  # fmt: skip
    print(
        f"{report['rows']:>8}{report['accepted']:>10}{report['duplicates']:>7}"
        f"{report['rejected']:>10}{report['created']:>9}{report['check_seconds']:>9}"
        f"{report['commit_seconds']:>10}{report['rows_per_second']:>9}"
    )


# --- The Django side (this file's command line, run in the bench environment) ---------------


def command_stats() -> Figures:
    from opinions.models import Opinion

    return {
        "opinions": Opinion.objects.count(),
        "published": Opinion.objects.published().count(),
    }


def command_max_pk() -> Figures:
    from django.db.models import Max

    from opinions.models import Opinion

    return {"max_pk": Opinion.objects.aggregate(top=Max("pk"))["top"] or 0}


def command_cleanup(after: int) -> Figures:
    """Remove what the submission benchmark added (typed-in opinions newer than `after`)."""
    import shutil

    from django.conf import settings
    from django.db import connection

    # Plain SQL rather than the ORM's delete(): nothing refers to these fresh rows, and the
    # ORM would visit every table that could.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM opinions_opinion WHERE id > %s AND fingerprint IS NULL "
            "AND import_batch_id IS NULL",
            [after],
        )
        deleted = cursor.rowcount
    if not settings.REDIS_URL:
        # The filesystem broker's queue holds one analysis task per submission; no worker
        # runs for the bench server, and the opinions are gone.
        queue = Path(settings.CELERY_FILESYSTEM_DIR) / "queue"
        shutil.rmtree(queue, ignore_errors=True)
        queue.mkdir(parents=True, exist_ok=True)
    return {"deleted": deleted}


def signed_in_session(user: Any) -> str:
    """The key of a new database session signed in as `user` (the load generator's cookie)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def command_staff_session() -> Figures:
    """A signed-in moderator's session, and the tracking page of a published opinion."""
    from lublin2030.models import User
    from opinions.models import Opinion

    moderator = User.objects.filter(groups__name="Moderators").order_by("pk").first()
    if moderator is None:
        raise SystemExit("no moderator in the bench database (seed_demo creates one)")
    opinion = Opinion.objects.published().order_by("pk").first()
    assert opinion is not None
    return {"session": signed_in_session(moderator), "tracking_path": opinion.get_tracking_url()}


def command_form_spec(base: str, out: Path) -> Figures:
    """The POST specs for bench/load.py: the real answer form and the bare view."""
    from django.urls import reverse

    from lublin2030.demo.opinions import DemoGenerator
    from opinions.models import AgeBand, Relation
    from stages.models import Consultation, District, ThematicArea

    consultation = Consultation.objects.filter(kind=Consultation.Kind.OPEN_QUESTION).order_by(
        "opens_at", "pk"
    )[0]
    generator = DemoGenerator.from_database(seed=FORM_TEXT_SEED)
    texts = [generator.opinion(index).text for index in range(400)]
    texts = [text for text in texts if len(text) >= 10][:200]
    fields = {
        "text": texts,
        "area": ["", *[str(pk) for pk in ThematicArea.objects.values_list("pk", flat=True)]],
        "district": ["", *[str(pk) for pk in District.objects.values_list("pk", flat=True)]],
        "age_band": ["", *AgeBand.values],
        "relation": ["", *Relation.values],
        "email": ["", "", "", "mieszkanka@example.org"],
        "website": [""],
    }
    form_url = base + reverse("opinions:answer", kwargs={"slug": consultation.slug})
    out.mkdir(parents=True, exist_ok=True)
    form = out / "opinions-submit-form.json"
    bare = out / "opinions-submit-bare.json"
    form.write_text(
        json.dumps(
            {"form_url": form_url, "fields": fields, "fresh_uuid": ["submission_key"],
             "expect": [302]}
        )
    )  # fmt: skip
    bare.write_text(
        json.dumps(
            {"form_url": base + BARE_INSERT, "fields": fields, "fresh_uuid": ["submission_key"],
             "expect": [302]}
        )
    )  # fmt: skip
    return {"form": str(form), "bare": str(bare), "form_url": form_url, "post_url": form_url}


def command_import(rows: int, csv_path: Path) -> Figures:
    import csv

    from django.db import transaction

    from lublin2030.demo.opinions import demo_cards
    from opinions.importing import batches, checking, commit, reading
    from opinions.models import ImportBatch, Opinion

    # Written afresh each time (a couple of seconds), so it always matches the generator.
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(reading.COLUMNS))
        writer.writeheader()
        writer.writerows(demo_cards(count=rows, seed=IMPORT_SEED))
    content = csv_path.read_bytes()
    consultation = batches.default_consultation()
    if consultation is None:
        raise SystemExit("no open question to import into")
    before = Opinion.objects.count()

    stored_file = ""
    with transaction.atomic():
        batch = batches.create_batch(
            content=content,
            original_name=csv_path.name,
            consultation=consultation,
            event=None,
            uploaded_by=None,
        )
        stored_file = batch.file.name
        started = time.perf_counter()
        checking.check_batch(batch_id=batch.pk)
        checked = time.perf_counter()
        if not commit.claim_commit(batch_id=batch.pk):
            raise SystemExit(f"the batch was not ready to commit: {batch.status}")
        created = commit.commit_batch(batch_id=batch.pk)
        committed = time.perf_counter()
        batch = ImportBatch.objects.get(pk=batch.pk)
        # Leave the bench database as it was: the next run measures the same work.
        transaction.set_rollback(True)
    if stored_file:
        batch.file.storage.delete(stored_file)
    total = committed - started
    return {
        "rows": batch.rows_total,
        "file_mb": round(len(content) / 1e6, 1),
        "accepted": batch.accepted_count + batch.normalised_count,
        "duplicates": batch.duplicate_count,
        "rejected": batch.rejected_count,
        "created": created,
        "check_seconds": round(checked - started, 2),
        "commit_seconds": round(committed - checked, 2),
        "total_seconds": round(total, 2),
        "rows_per_second": round(batch.rows_total / total) if total else None,
        "opinions_in_database": before,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("stats")
    commands.add_parser("max-pk")
    commands.add_parser("staff-session")
    cleanup = commands.add_parser("cleanup")
    cleanup.add_argument("--after", type=int, required=True)
    spec = commands.add_parser("form-spec")
    spec.add_argument("--base", required=True)
    spec.add_argument("--out", type=Path, required=True)
    imports = commands.add_parser("import")
    imports.add_argument("--rows", type=int, default=50_000)
    imports.add_argument("--csv", type=Path, required=True)
    args = parser.parse_args()

    setup_django()
    if args.command == "stats":
        result = command_stats()
    elif args.command == "max-pk":
        result = command_max_pk()
    elif args.command == "staff-session":
        result = command_staff_session()
    elif args.command == "cleanup":
        result = command_cleanup(args.after)
    elif args.command == "form-spec":
        result = command_form_spec(args.base, args.out)
    else:
        result = command_import(args.rows, args.csv)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
