"""`make backup` and `make restore` on PostgreSQL (deploy/backup.sh, deploy/restore.sh).

A scratch database gets the schema and the Lublin process; its backup restored into a
second, empty database holds the same rows, and the media come back byte for byte. Both
databases are dropped afterwards. Needs PostgreSQL's client tools (pg_dump at least the
server's version): without them the test is skipped, unless CI is set.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
TOOLS = ("pg_dump", "pg_restore", "createdb", "dropdb")
TABLES = (
    "django_migrations",
    "auth_group",
    "auth_permission",
    "stages_process",
    "stages_stage",
    "stages_thematicarea",
    "stages_district",
)
SECRET_KEY = "k7#Qz!p2" * 8

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backup.sh's dump is PostgreSQL's (pg_dump)"
)


def server() -> dict[str, str]:
    """Where the tests' own PostgreSQL is (DATABASE_URL), as libpq's variables."""
    db = settings.DATABASES["default"]
    pairs = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
             "PGPASSWORD": db.get("PASSWORD")}  # fmt: skip
    return {key: str(value) for key, value in pairs.items() if value}


def url(name: str) -> str:
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{db.get('HOST') or ''}{port}/{name}"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The tests' own Redis and settings stay out: the scripts and manage.py get only these.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "REDIS"))}
    done = subprocess.run(
        args, cwd=BASE_DIR, env={**clean, **server(), **env}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def scratch_databases() -> Iterator[tuple[str, str]]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL's client tools: {missing} missing")
        pytest.skip(f"needs PostgreSQL's client tools ({', '.join(missing)} missing)")
    name = f"lublin2030_backup_{uuid.uuid4().hex[:10]}"
    source, target = f"{name}_source", f"{name}_target"
    created = []
    try:
        for database in (source, target):
            run(["createdb", database], {})
            created.append(database)
        yield source, target
    finally:
        for database in created:
            subprocess.run(
                ["dropdb", "--if-exists", "--force", database],
                env={**os.environ, **server()}, capture_output=True, timeout=60, check=False,
            )  # fmt: skip


def row_counts(database: str) -> dict[str, int]:
    counts = {}
    with psycopg.connect(url(database)) as db:
        for table in TABLES:
            row = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
            counts[table] = row[0] if row else -1
    return counts


def test_a_backup_restored_into_an_empty_database_has_the_same_rows_and_media(
    scratch_databases: tuple[str, str], tmp_path: Path
) -> None:
    source, target = scratch_databases
    portal = {"DATABASE_URL": url(source), "VAR_DIR": str(tmp_path / "var"),
              "SECRET_KEY": SECRET_KEY, "DEBUG": "0"}  # fmt: skip
    run([sys.executable, "manage.py", "migrate", "--noinput"], portal)
    run([sys.executable, "manage.py", "load_process"], portal)
    media = tmp_path / "media"
    (media / "reports").mkdir(parents=True)
    report = bytes(range(256)) * 40
    (media / "reports" / "transport-v1.pdf").write_bytes(report)

    backups = tmp_path / "backups"
    done = run(
        ["sh", "deploy/backup.sh"],
        {"DATABASE_URL": url(source), "MEDIA_ROOT": str(media), "BACKUP_DIR": str(backups)},
    )
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert folder.parent == backups
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.txt", "SHA256SUMS", "database.dump", "media.tar.gz",
    ]  # fmt: skip
    # Personal data: the folder is its owner's only.
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    restored_media = tmp_path / "restored-media"
    run(
        ["sh", "deploy/restore.sh", str(folder)],
        {"DATABASE_URL": url(target), "MEDIA_ROOT": str(restored_media)},
    )

    counts = row_counts(source)
    assert counts["stages_stage"] == 9 and counts["stages_district"] > 0, counts
    assert row_counts(target) == counts
    assert (restored_media / "reports" / "transport-v1.pdf").read_bytes() == report
