"""What the background analysis computes for each opinion after it is saved.

For each opinion: the lemmas its search matches, a suggested area when it has none (from
the latest trained classifier), and a possible near-duplicate — an earlier opinion in the
same consultation whose content words are nearly the same. Safe to run twice: the result
depends only on the opinion's text and the opinions before it.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from core.dbstats import refresh_planner_statistics
from opinions.analysis.classifier import suggest_areas
from opinions.analysis.lemmas import fold_diacritics
from opinions.analysis.search import SEARCH_VECTOR_COLUMN, tsquery_of_groups
from opinions.analysis.text import content_of_lemma_string, lemma_string
from opinions.models import Opinion
from stages.models import ThematicArea

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Jaccard similarity of content-lemma sets from which two opinions count as near-duplicates.
SIMILARITY = 0.8
# Candidates examined per opinion, earliest first: the original of a duplicate comes first,
# and the groups below make candidates that are not near-duplicates rare.
MAX_CANDIDATES = 100
# Only the rarest few words of each group go into the query: a looser condition (so still
# every near-duplicate is found) over far fewer posting lists of the index.
QUERY_LEMMAS_PER_GROUP = 3
# SQLite has no text index: near-duplicates are looked for among this many opinions on
# either side of the analysed ones (by id), read once per chunk.
SQLITE_WINDOW = 5000
# From this many opinions in one call, the search index is tidied once the lemmas are
# stored (see `_prepare_index`).
ANALYZE_FROM = 1000
# Opinions one run of `analyse_submitted` takes; a run that reaches it asks for another.
SUBMITTED_RUN_LIMIT = 2000
# The GIN index on the stored search vector (migrations 0002 and 0006).
SEARCH_INDEX = "opinion_lemmas_search"


def _chunks(ids: Sequence[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def similarity(first: set[str], second: set[str]) -> float:
    """Jaccard similarity of two lemma sets (0 for two empty sets)."""
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def candidate_groups(
    lemmas: set[str],
    frequencies: Mapping[str, float] | None = None,
    threshold: float = SIMILARITY,
) -> list[list[str]]:
    """Groups of lemmas such that every similar enough set contains all of at least one group.

    A set B with Jaccard(A, B) ≥ t shares at least ⌈t·|A|⌉ of A's lemmas, so it misses at
    most k = |A| − ⌈t·|A|⌉ of them. Split A into k + 1 groups: B's misses fall into at most k
    groups, so one group is wholly in B. An AND of several words is very selective in the
    search index, so the candidates are few. The rarest words (by `frequencies`, then the
    longest) are dealt out first, so that every group has one.
    """
    frequencies = frequencies or {}
    # The statistics hold the index's lexemes: lemmas with Polish letters written plain.
    ordered = sorted(
        lemmas,
        key=lambda lemma: (frequencies.get(fold_diacritics(lemma), 0.0), -len(lemma), lemma),
    )
    allowed_misses = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9)
    count = max(1, allowed_misses + 1)
    groups: list[list[str]] = [ordered[index::count] for index in range(count)]
    return [group for group in groups if group]


def _lemma_frequencies() -> dict[str, float]:
    """PostgreSQL's estimate of the share of opinions containing each common lemma.

    ANALYZE keeps the most common lexemes of the stored search vector with their
    frequencies; any lemma not listed is rarer than all of them. Empty without statistics
    or on SQLite.
    """
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            [Opinion._meta.db_table, SEARCH_VECTOR_COLUMN],
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        return {}
    return dict(zip(row[0], row[1], strict=False))


def _prepare_index() -> None:
    """After many lemmas were written: merge the GIN index's pending list, refresh statistics.

    New index entries first go to an unsorted pending list that every search scans; merged,
    look-ups are several times faster. Fresh statistics keep the planner on the GIN index
    and tell which words are common. SQLite has no pending list; its statistics are
    refreshed the same way (an import of paper cards arrives here).
    """
    if refresh_planner_statistics():
        return  # SQLite: no pending list, only the statistics (core/dbstats.py).
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(Opinion._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])
            cursor.execute(f"ANALYZE {table}")
    except DatabaseError:
        # Not the table's owner: autovacuum does both, later.
        logger.warning("could not clean the search index and analyse the table", exc_info=True)


def _candidates_postgresql(
    sources: Sequence[Opinion], groups: Mapping[int, list[list[str]]]
) -> dict[int, list[tuple[int, str]]]:
    """Candidates of a whole chunk in two statements.

    One GIN look-up per (opinion, group): an AND of a few words, which the index answers by
    walking the rarest word's entries and skipping through the others' (an OR of all
    groups in one query would read every word's entries in full). Each look-up keeps its
    earliest MAX_CANDIDATES, so their union holds the opinion's earliest MAX_CANDIDATES,
    which PostgreSQL picks. The lemmas of those are then read once each, however many
    opinions share them.
    """
    table = connection.ops.quote_name(Opinion._meta.db_table)
    vector = f"candidate.{connection.ops.quote_name(SEARCH_VECTOR_COLUMN)}"
    sql = f"""
        SELECT source_id, id FROM (
            SELECT source_id, id,
                   row_number() OVER (PARTITION BY source_id ORDER BY created_at, id) AS rank
            FROM (
                SELECT DISTINCT source.id AS source_id, found.id, found.created_at
                FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::text[])
                    AS source(id, consultation_id, created_at, tsquery)
                CROSS JOIN LATERAL (
                    SELECT candidate.id, candidate.created_at
                    FROM {table} AS candidate
                    WHERE {vector} @@ to_tsquery('simple'::regconfig, source.tsquery)
                      AND candidate.consultation_id = source.consultation_id
                      AND (candidate.created_at, candidate.id)
                          < (source.created_at, source.id)
                    ORDER BY candidate.created_at, candidate.id
                    LIMIT %s
                ) AS found
            ) AS pairs
        ) AS ranked
        WHERE rank <= %s
        ORDER BY source_id, rank
    """  # noqa: S608 - only the table name is formatted in; every value is a parameter
    lookups = [(source, group) for source in sources for group in groups[source.pk]]
    params: list[Any] = [
        [source.pk for source, _group in lookups],
        [source.consultation_id for source, _group in lookups],
        [source.created_at for source, _group in lookups],
        [tsquery_of_groups([group]) for _source, group in lookups],
        MAX_CANDIDATES,
        MAX_CANDIDATES,
    ]
    chosen: dict[int, list[int]] = {source.pk: [] for source in sources}
    with transaction.atomic(), connection.cursor() as cursor:
        # The estimated cost of hundreds of look-ups makes PostgreSQL compile the query
        # (JIT), which takes longer than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for source_id, candidate_id in cursor.fetchall():
            chosen[source_id].append(candidate_id)
        wanted = sorted({pk for pks in chosen.values() for pk in pks})
        cursor.execute(f"SELECT id, lemmas FROM {table} WHERE id = ANY(%s)", [wanted])  # noqa: S608
        lemmas: dict[int, str] = dict(cursor.fetchall())
    return {
        source_id: [(pk, lemmas[pk]) for pk in pks if pk in lemmas]
        for source_id, pks in chosen.items()
    }


def _candidates_in_memory(
    sources: Sequence[Opinion],
    groups: Mapping[int, list[list[str]]],
    pool: Sequence[tuple[int, int, dt.datetime, str]],
) -> dict[int, list[tuple[int, str]]]:
    """The same look-up over a bounded pool of rows (id, consultation, created, lemmas)."""
    needed = {
        lemma for source_groups in groups.values() for group in source_groups for lemma in group
    }
    postings: dict[str, set[int]] = defaultdict(set)
    rows: dict[int, tuple[int, dt.datetime, str]] = {}
    for pk, consultation_id, created_at, lemmas in pool:
        rows[pk] = (consultation_id, created_at, lemmas)
        for lemma in needed.intersection(lemmas.split()):
            postings[lemma].add(pk)
    found: dict[int, list[tuple[int, str]]] = {}
    for source in sources:
        matching: set[int] = set()
        for group in groups[source.pk]:
            matching |= set.intersection(*sorted((postings[lemma] for lemma in group), key=len))
        earlier = sorted(
            (rows[pk][1], pk)
            for pk in matching
            if rows[pk][0] == source.consultation_id
            and (rows[pk][1], pk) < (source.created_at, source.pk)
        )
        found[source.pk] = [(pk, rows[pk][2]) for _created, pk in earlier[:MAX_CANDIDATES]]
    return found


def _candidates_sqlite(
    sources: Sequence[Opinion], groups: Mapping[int, list[list[str]]]
) -> dict[int, list[tuple[int, str]]]:
    """SQLite has no text index: read the rows around the chunk once and index them here."""
    ids = [source.pk for source in sources]
    pool = (
        Opinion.objects.filter(
            pk__gte=min(ids) - SQLITE_WINDOW,
            pk__lte=max(ids) + SQLITE_WINDOW,
            consultation_id__in={source.consultation_id for source in sources},
        )
        .exclude(lemmas="")
        .values_list("pk", "consultation_id", "created_at", "lemmas")
    )
    return _candidates_in_memory(sources, groups, list(pool))


@dataclass
class _Copies:
    """The first opinion of a call with a given set of content lemmas, and what it matched."""

    created_at: dt.datetime
    pk: int
    match: int | None
    score: float


def near_duplicates(
    opinions: Sequence[Opinion],
    frequencies: Mapping[str, float] | None = None,
    copies: dict[tuple[int, frozenset[str]], _Copies] | None = None,
) -> dict[int, int | None]:
    """For each opinion (with its stored lemmas), the id of its most similar earlier opinion
    in the same consultation if that one is similar enough, else None.

    Ties go to the earliest: the original, not another copy. `copies` carries exact copies
    across the chunks of one call: a later copy of an opinion looked up already matches what
    that one matched (or that one itself), without another look-up.
    """
    copies = {} if copies is None else copies
    contents = {opinion.pk: set(content_of_lemma_string(opinion.lemmas)) for opinion in opinions}
    result: dict[int, int | None] = {opinion.pk: None for opinion in opinions}
    sources, later_copies = _split_off_copies(opinions, contents, copies)
    candidates = _candidates(sources, contents, frequencies)
    seen: dict[int, set[str]] = {}
    for source in sources:
        match, score = _best_match(contents[source.pk], candidates[source.pk], seen)
        result[source.pk] = match
        first = copies[_copy_key(source, contents)]
        if first.pk == source.pk:
            first.match, first.score = match, score
    for opinion, key in later_copies:
        first = copies[key]
        # An identical earlier opinion scores 1: the first copy's own perfect match if it
        # had one (that one is earlier still), else the first copy.
        result[opinion.pk] = first.match if first.score == 1.0 else first.pk
    return result


def _copy_key(opinion: Opinion, contents: Mapping[int, set[str]]) -> tuple[int, frozenset[str]]:
    return (opinion.consultation_id, frozenset(contents[opinion.pk]))


def _split_off_copies(
    opinions: Sequence[Opinion],
    contents: Mapping[int, set[str]],
    copies: dict[tuple[int, frozenset[str]], _Copies],
) -> tuple[list[Opinion], list[tuple[Opinion, tuple[int, frozenset[str]]]]]:
    """The opinions with content words, earliest first, split into those to look up and the
    later exact copies of one (in this chunk or an earlier one), which need no look-up.
    Registers each new set of content words in `copies`."""
    ordered = sorted(
        (opinion for opinion in opinions if contents[opinion.pk]),
        key=lambda opinion: (opinion.created_at, opinion.pk),
    )
    sources: list[Opinion] = []
    later_copies: list[tuple[Opinion, tuple[int, frozenset[str]]]] = []
    for opinion in ordered:
        key = _copy_key(opinion, contents)
        first = copies.get(key)
        if first is not None and (first.created_at, first.pk) < (opinion.created_at, opinion.pk):
            later_copies.append((opinion, key))
        else:
            sources.append(opinion)
            copies.setdefault(key, _Copies(opinion.created_at, opinion.pk, None, 0.0))
    return sources, later_copies


def _candidates(
    sources: Sequence[Opinion],
    contents: Mapping[int, set[str]],
    frequencies: Mapping[str, float] | None,
) -> dict[int, list[tuple[int, str]]]:
    """Earlier opinions of the same consultation that may be near-duplicates of each source
    (id, stored lemmas), earliest first."""
    if not sources:
        return {}
    groups = {
        source.pk: [
            group[:QUERY_LEMMAS_PER_GROUP]
            for group in candidate_groups(contents[source.pk], frequencies)
        ]
        for source in sources
    }
    if connection.vendor == "postgresql":
        return _candidates_postgresql(sources, groups)
    return _candidates_sqlite(sources, groups)


def _best_match(
    lemmas: set[str], candidates: Sequence[tuple[int, str]], seen: dict[int, set[str]]
) -> tuple[int | None, float]:
    """The most similar candidate if similar enough, and its score (0 without one).

    `seen` caches the candidates' content words: one candidate is often offered to many
    opinions of a chunk.
    """
    best: int | None = None
    best_score = 0.0
    for candidate_id, candidate_lemmas in candidates:
        if candidate_id not in seen:
            seen[candidate_id] = set(content_of_lemma_string(candidate_lemmas))
        score = similarity(lemmas, seen[candidate_id])
        # Candidates come earliest first, so a tie keeps the earlier one.
        if score >= SIMILARITY and score > best_score:
            best, best_score = candidate_id, score
    return best, best_score


def find_near_duplicate(opinion: Opinion) -> int | None:
    """The id of the most similar earlier opinion of the same consultation, if similar enough."""
    return near_duplicates([opinion])[opinion.pk]


def _column(name: str) -> str:
    field = Opinion._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


def _update(fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set `fields` of many opinions; each row holds the values in order, then the id.

    One prepared UPDATE per row, sent as a batch: for tens of thousands of rows Django's
    `bulk_update` spends far longer building its CASE expressions than the database spends
    running them. Values must already be in database form (see `_write`).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [_column(field) for field in fields]
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    sql = f"UPDATE {quote(Opinion._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _store_lemmas(ids: list[int]) -> int:
    """Store the lemmas of the opinions whose stored lemmas differ; returns how many."""
    rows = Opinion.objects.filter(pk__in=ids).values_list("pk", "text", "lemmas")
    changed = []
    for pk, text, stored in rows:
        lemmas = lemma_string(text)
        if lemmas != stored:
            changed.append((lemmas, pk))
    _update(["lemmas"], changed)
    return len(changed)


def relemmatize_all(*, chunk_size: int = 2000) -> tuple[int, int]:
    """Lemmatize every opinion again with the current lemmatizer (after it changed), a
    chunk of ids per transaction, walking the primary key; returns (opinions read, lemmas
    changed). Only changed rows are written, so a re-run after an interruption is cheap; on
    PostgreSQL the stored search vector follows the lemmas by itself (a generated column).
    """
    read = changed = 0
    last = 0
    while True:
        ids = list(
            Opinion.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        changed += _store_lemmas(ids)
        read += len(ids)
        last = ids[-1]
    if changed >= ANALYZE_FROM:
        _prepare_index()
    return read, changed


@dataclass(frozen=True)
class _Result:
    pk: int
    # None: the opinion has an area, its suggestion is left as it is.
    suggestion: tuple[int | None, float | None] | None
    duplicate_of: int | None


def _analyse_chunk(
    ids: list[int],
    area_ids: set[int],
    frequencies: Mapping[str, float],
    copies: dict[tuple[int, frozenset[str]], _Copies],
) -> list[_Result]:
    opinions = list(
        Opinion.objects.filter(pk__in=ids).only(
            "pk", "consultation_id", "created_at", "area_id", "lemmas", "text"
        )
    )
    unassigned = [opinion for opinion in opinions if opinion.area_id is None]
    suggestions: dict[int, tuple[int | None, float | None]] = {}
    for opinion, (area_id, confidence) in zip(
        unassigned,
        suggest_areas([(opinion.lemmas, opinion.text) for opinion in unassigned]),
        strict=True,
    ):
        # The model may know an area that has since been removed.
        known = area_id is not None and area_id in area_ids
        suggestions[opinion.pk] = (area_id, confidence) if known else (None, None)
    duplicates = near_duplicates(opinions, frequencies, copies)
    return [
        _Result(opinion.pk, suggestions.get(opinion.pk), duplicates[opinion.pk])
        for opinion in opinions
    ]


def _write(results: Sequence[_Result], now: dt.datetime) -> None:
    analysed_at = connection.ops.adapt_datetimefield_value(now)
    plain = [
        (result.duplicate_of, analysed_at, result.pk)
        for result in results
        if result.suggestion is None
    ]
    suggested = [
        (result.duplicate_of, analysed_at, *result.suggestion, result.pk)
        for result in results
        if result.suggestion is not None
    ]
    with transaction.atomic():
        _update(["possible_duplicate_of", "analysed_at"], plain)
        _update(
            [
                "possible_duplicate_of",
                "analysed_at",
                "suggested_area",
                "suggested_area_confidence",
            ],
            suggested,
        )


def analyse_opinions(opinion_ids: list[int]) -> int:
    """Analyse the given opinions; returns how many exist and were analysed.

    Three passes: store the lemmas of all of them (so near-duplicates within the batch — a
    whole import file, say — find each other), look everything up, then write the results,
    a chunk per transaction. Writing last keeps the search index free of this run's own
    row versions while it is searched. A run killed halfway leaves the rest unanalysed for
    the catch-up job, which simply runs it again.
    """
    ids = sorted(set(opinion_ids))
    for chunk in _chunks(ids):
        _store_lemmas(chunk)
    if len(ids) >= ANALYZE_FROM:
        _prepare_index()
    area_ids = set(ThematicArea.objects.values_list("pk", flat=True))
    frequencies = _lemma_frequencies() if ids else {}
    copies: dict[tuple[int, frozenset[str]], _Copies] = {}
    results = [
        result
        for chunk in _chunks(ids)
        for result in _analyse_chunk(chunk, area_ids, frequencies, copies)
    ]
    now = timezone.now()
    for start in range(0, len(results), CHUNK_SIZE):
        _write(results[start : start + CHUNK_SIZE], now)
    return len(results)


def analyse_submitted(limit: int | None = None) -> tuple[int, bool]:
    """Analyse opinions sent through a form and never analysed, oldest first.

    Imported paper input is left out: each import enqueues the analysis of its own rows.
    Returns how many were analysed and whether more may be waiting (the limit was reached).
    """
    limit = SUBMITTED_RUN_LIMIT if limit is None else limit
    ids = list(
        Opinion.objects.unanalysed()
        .filter(import_batch__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return analyse_one_by_one_on_failure(ids), len(ids) == limit


def analyse_one_by_one_on_failure(ids: list[int]) -> int:
    """`analyse_opinions`, except that an opinion whose analysis fails does not hold back
    the others: the batch is tried once more opinion by opinion, and the failures are
    logged and left unanalysed (every run, oldest first, would otherwise stop at them)."""
    try:
        return analyse_opinions(ids)
    except Exception:
        logger.exception("analysis of %d opinions failed; trying them one by one", len(ids))
    analysed = 0
    for pk in ids:
        try:
            analysed += analyse_opinions([pk])
        except Exception:
            logger.exception("analysis of opinion %d failed; left for a later run", pk)
    return analysed


def analyse_backlog(limit: int = 5000) -> int:
    """Analyse up to `limit` opinions never analysed, oldest first (the periodic catch-up)."""
    ids = list(
        Opinion.objects.unanalysed()
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return analyse_opinions(ids)
