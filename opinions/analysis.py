"""What the background analysis computes for each opinion after it is saved.

For each opinion: the lemmas its search matches, a suggested area when it has none (from
the latest trained classifier), and a possible near-duplicate — an earlier opinion in the
same consultation whose content words are nearly the same. Safe to run twice: the result
depends only on the opinion's text and the opinions before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from stages.models import ThematicArea

from .classifier import suggest_areas
from .models import Opinion
from .search import with_any_group
from .text import content_of_lemma_string, lemma_string

CHUNK_SIZE = 500
# Jaccard similarity of content-lemma sets from which two opinions count as near-duplicates.
SIMILARITY = 0.8
# The earliest few candidates are enough: the original of a duplicate comes first.
MAX_CANDIDATES = 50


def _chunks(ids: Sequence[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def similarity(first: set[str], second: set[str]) -> float:
    """Jaccard similarity of two lemma sets (0 for two empty sets)."""
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def candidate_groups(lemmas: set[str], threshold: float = SIMILARITY) -> list[list[str]]:
    """Groups of lemmas such that every similar enough set contains all of at least one group.

    A set B with Jaccard(A, B) ≥ t shares at least ⌈t·|A|⌉ of A's lemmas, so it misses at
    most k = |A| − ⌈t·|A|⌉ of them. Split A into k + 1 groups: B's misses fall into at most k
    groups, so one group is wholly in B. A group of several lemmas is very selective in the
    search index, so the candidates are few. Longer (rarer) words are dealt out first so that
    every group gets one.
    """
    ordered = sorted(lemmas, key=lambda lemma: (-len(lemma), lemma))
    allowed_misses = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9)
    count = max(1, allowed_misses + 1)
    groups: list[list[str]] = [ordered[index::count] for index in range(count)]
    return [group for group in groups if group]


def _earlier_than(opinion: Opinion) -> Q:
    same_time = Q(created_at=opinion.created_at, pk__lt=opinion.pk)
    return Q(created_at__lt=opinion.created_at) | same_time


def find_near_duplicate(opinion: Opinion) -> int | None:
    """The id of the most similar earlier opinion of the same consultation, if similar enough."""
    content = set(content_of_lemma_string(opinion.lemmas))
    if not content:
        return None
    earlier = Opinion.objects.filter(consultation_id=opinion.consultation_id).filter(
        _earlier_than(opinion)
    )
    candidates = (
        with_any_group(earlier, candidate_groups(content))
        .order_by("created_at", "pk")
        .values_list("pk", "lemmas")[:MAX_CANDIDATES]
    )
    best_id: int | None = None
    best_score = 0.0
    for candidate_id, lemmas in candidates:
        score = similarity(content, set(content_of_lemma_string(lemmas)))
        # Ties go to the earliest: the original, not another copy.
        if score >= SIMILARITY and score > best_score:
            best_id, best_score = candidate_id, score
    return best_id


def _store_lemmas(ids: list[int]) -> None:
    opinions = list(Opinion.objects.filter(pk__in=ids).only("pk", "text", "lemmas"))
    changed = []
    for opinion in opinions:
        lemmas = lemma_string(opinion.text)
        if lemmas != opinion.lemmas:
            opinion.lemmas = lemmas
            changed.append(opinion)
    if changed:
        Opinion.objects.bulk_update(changed, ["lemmas"])


def _analyse_chunk(ids: list[int], area_ids: set[int]) -> int:
    opinions = list(
        Opinion.objects.filter(pk__in=ids).only(
            "pk",
            "consultation_id",
            "created_at",
            "area_id",
            "lemmas",
            "suggested_area_id",
            "suggested_area_confidence",
            "possible_duplicate_of_id",
            "analysed_at",
        )
    )
    unassigned = [opinion for opinion in opinions if opinion.area_id is None]
    suggestions = suggest_areas([opinion.lemmas for opinion in unassigned])
    for opinion, (area_id, confidence) in zip(unassigned, suggestions, strict=True):
        # The model may know an area that has since been removed.
        known = area_id is not None and area_id in area_ids
        opinion.suggested_area_id = area_id if known else None
        opinion.suggested_area_confidence = confidence if known else None
    now = timezone.now()
    for opinion in opinions:
        opinion.possible_duplicate_of_id = find_near_duplicate(opinion)
        opinion.analysed_at = now
    with transaction.atomic():
        Opinion.objects.bulk_update(
            opinions,
            [
                "suggested_area",
                "suggested_area_confidence",
                "possible_duplicate_of",
                "analysed_at",
            ],
        )
    return len(opinions)


def analyse_opinions(opinion_ids: list[int]) -> int:
    """Analyse the given opinions; returns how many exist and were analysed.

    Lemmas of all of them are stored first, so that near-duplicates within the same batch (a
    whole import file, say) find each other.
    """
    ids = sorted(set(opinion_ids))
    for chunk in _chunks(ids):
        _store_lemmas(chunk)
    area_ids = set(ThematicArea.objects.values_list("pk", flat=True))
    return sum(_analyse_chunk(chunk, area_ids) for chunk in _chunks(ids))


def analyse_backlog(limit: int = 5000) -> int:
    """Analyse up to `limit` opinions never analysed, oldest first (the periodic catch-up)."""
    ids = list(
        Opinion.objects.unanalysed()
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return analyse_opinions(ids)
