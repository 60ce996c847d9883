"""The floor of this stack: a bare Django app, no middleware, no apps, two views.

    DJANGO_SETTINGS_MODULE=bench.floor_app gunicorn bench.floor_app:application

GET /select/ runs one 20-row SELECT of the newest published opinions (the query a list page
is built around) and returns their texts; POST /insert/ runs one INSERT into a table of its
own (bench_floor_row, made by `python bench/floor_app.py create-table`) and answers 201.
`python bench/floor_app.py count TABLE` prints a table's rows (the bench's check that every
POST it counted inserted one).
The database settings, with any connection options, are the portal's own, so what a page
costs beyond these is what Django's middleware, the portal's queries, templates and
sessions cost, not the server or the database connection.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from lublin2030.settings import DATABASES, SECRET_KEY  # noqa: E402,F401

DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = __name__
USE_TZ = True

TABLE = "bench_floor_row"


def select(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, text, created_at FROM opinions_opinion WHERE status = %s "
            "ORDER BY created_at DESC, id DESC LIMIT 20",
            ["published"],
        )
        rows = cursor.fetchall()
    return HttpResponse("\n".join(str(row[1])[:200] for row in rows))


def insert(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (text) VALUES (%s)", [request.POST.get("text", "")])  # noqa: S608
    return HttpResponse(status=201)


urlpatterns = [path("select/", select), path("insert/", insert)]


def create_table() -> None:
    """The floor's own table, empty (dropped and made again on every bench run)."""
    kind = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (id {kind} PRIMARY KEY, text TEXT NOT NULL)")


@functools.cache
def handler() -> Any:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def application(environ: dict[str, Any], start_response: Any) -> Any:
    # Built on the first request, so that importing this module as settings stays cheap.
    return handler()(environ, start_response)


# The tables whose rows the bench counts around a run of POSTs.
COUNTED_TABLES = (TABLE, "opinions_opinion")


def count_rows(table: str) -> int:
    if table not in COUNTED_TABLES:
        raise SystemExit(f"not a table the bench counts: {table}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - one of COUNTED_TABLES
        return int(cursor.fetchone()[0])


if __name__ == "__main__" and sys.argv[1:2] in (["create-table"], ["count"]):
    import json

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor_app"
    django.setup()
    if sys.argv[1] == "create-table":
        create_table()
        print("{}")
    else:
        print(json.dumps({"rows": count_rows(sys.argv[2])}))
