"""Search recall and precision on hand-labelled queries over the sample opinions.

evaluation/fixtures/search_queries.tsv holds inflected Polish queries and, for each, the rows
of data/opinions-sample.csv relevant to it (labelled by reading the opinions; the file's
header says how). The sample is loaded into a fresh test database (SQLite, or PostgreSQL
with DATABASE_URL: the stored vector and ts_rank_cd then do the work), each query is run
through `search_opinions` as the lists, the moderation queue and the API run it, and the
found opinions are compared with the labels. Recall and precision are averaged over the
queries (a query that finds nothing has precision 0 when relevant opinions exist).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.targets import Target

TITLE = "Search (evaluation/fixtures/search_queries.tsv over data/opinions-sample.csv)"
ORDER = 30
ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "evaluation" / "fixtures" / "search_queries.tsv"
SAMPLE = ROOT / "data" / "opinions-sample.csv"
TARGET_RECALL = 0.9
TARGET_PRECISION = 0.85


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    relevant: frozenset[int]


@dataclass(frozen=True)
class Measured:
    recall: float
    precision: float
    empty_with_relevant: int
    rows: list[tuple[str, float, float, int, int]]  # query, recall, precision, found, relevant


def load_queries(path: Path = QUERIES) -> list[LabelledQuery]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, rows, *_note = line.split("\t")
        queries.append(LabelledQuery(query, frozenset(int(row) for row in rows.split(","))))
    return queries


def load_sample(consultation: Any) -> dict[int, int]:
    """Store the sample's opinions, published and lemmatized, in the consultation; returns
    the CSV's row number → the opinion's id."""
    from opinions.analysis.text import lemma_string
    from opinions.models import Channel, Opinion

    ids = {}
    with SAMPLE.open(encoding="utf-8", newline="") as file:
        for row_number, row in enumerate(csv.DictReader(file), start=1):
            opinion = Opinion.objects.create(
                consultation=consultation,
                text=row["text"],
                lemmas=lemma_string(row["text"]),
                channel=Channel.ONLINE,
                status=Opinion.Status.PUBLISHED,
            )
            ids[row_number] = opinion.pk
    return ids


def measure(queries: list[LabelledQuery], ids: dict[int, int]) -> Measured:
    from opinions.analysis.search import search_opinions
    from opinions.models import Opinion

    rows_of = {pk: row for row, pk in ids.items()}
    rows = []
    empty = 0
    for labelled in queries:
        found = {
            rows_of[pk]
            for pk in search_opinions(
                Opinion.objects.filter(pk__in=ids.values()), labelled.query
            ).values_list("pk", flat=True)
        }
        hits = len(found & labelled.relevant)
        recall = hits / len(labelled.relevant)
        precision = hits / len(found) if found else 0.0
        empty += not found
        rows.append((labelled.query, recall, precision, len(found), len(labelled.relevant)))
    return Measured(
        recall=sum(row[1] for row in rows) / len(rows),
        precision=sum(row[2] for row in rows) / len(rows),
        empty_with_relevant=empty,
        rows=rows,
    )


def targets(measured: Measured) -> list[Target]:
    return [
        Target("search recall (mean over queries)", measured.recall, TARGET_RECALL),
        Target("search precision (mean over queries)", measured.precision, TARGET_PRECISION),
        Target(
            "search: empty results where relevant opinions exist",
            measured.empty_with_relevant,
            0,
            kind="max",
        ),
    ]


def _measure_in_test_database() -> Measured:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from stages.models import Consultation
    from stages.process_loader import load_process

    setup_test_environment()
    name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_process(ROOT / "data" / "processes" / "lublin2030.toml")
        consultation = Consultation.objects.filter(kind=Consultation.Kind.OPEN_QUESTION).first()
        return measure(load_queries(), load_sample(consultation))
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
        teardown_test_environment()


def evaluate() -> list[Target]:
    from django.db import connection

    measured = _measure_in_test_database()
    print(f"{len(measured.rows)} queries, database: {connection.vendor}")
    print(f"{'query':<28} {'recall':>7} {'precision':>9} {'found':>6} {'relevant':>8}")
    for query, recall, precision, found, relevant in measured.rows:
        print(f"{query:<28} {recall:7.2f} {precision:9.2f} {found:6d} {relevant:8d}")
    print(
        f"mean recall {measured.recall:.3f}, mean precision {measured.precision:.3f}, "
        f"empty results where relevant opinions exist: {measured.empty_with_relevant}"
    )
    return targets(measured)
