"""Suggesting a thematic area for an opinion, learned from the areas moderators assigned.

A TF-IDF of content lemmas (single words and pairs) feeds a logistic regression, whose
class probabilities are the confidence shown to moderators. The model is retrained nightly
(`opinions.tasks.train_area_classifier`) and stored as a file through Django's default
storage, so every worker loads the same one.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import joblib
from django.core.files.base import ContentFile
from django.utils import timezone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from opinions.analysis.text import content_of_lemma_string, lemma_string
from opinions.models import AreaClassifierModel, Opinion

logger = logging.getLogger(__name__)

# Below this there is too little to learn from: a dozen areas need a couple of examples each.
MIN_LABELLED = 24
# The nightly retraining stays within minutes on a million labelled opinions: it learns
# from the most recent ones.
MAX_LABELLED = 200_000
HELD_OUT = 0.2
RANDOM_STATE = 2030
# The model reads lemmas already lower-cased and joined by spaces.
LEMMA_PATTERN = r"\S+"

# The matrices here are small: BLAS threads only fight each other (and the web and worker
# processes on the same machine). One thread fits the sample in ~40 ms instead of ~2 s.
BLAS_THREADS = 1

_loaded: dict[int, Pipeline] = {}
_loaded_lock = threading.Lock()


def build_pipeline(*, documents: int) -> Pipeline:
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    token_pattern=LEMMA_PATTERN,
                    lowercase=False,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    # On a large corpus, words seen once are mostly typos; they only
                    # bloat the model.
                    min_df=1 if documents < 5000 else 2,
                ),
            ),
            (
                "model",
                LogisticRegression(
                    C=10.0, max_iter=2000, class_weight="balanced", random_state=RANDOM_STATE
                ),
            ),
        ]
    )


def features(lemmas: str) -> str:
    """What the model reads: the content lemmas of a stored lemma string."""
    return " ".join(content_of_lemma_string(lemmas))


def _split(
    documents: Sequence[str], labels: Sequence[Hashable], *, seed: int = RANDOM_STATE
) -> tuple[list[str], list[str], list[Any], list[Any]]:
    """80 % to learn from, 20 % held out, stratified by area where the counts allow it."""
    counts = Counter(labels)
    if min(counts.values()) >= 2:
        try:
            train_docs, test_docs, train_labels, test_labels = train_test_split(
                list(documents),
                list(labels),
                test_size=HELD_OUT,
                random_state=seed,
                stratify=list(labels),
            )
            return train_docs, test_docs, train_labels, test_labels
        except ValueError:
            # Fewer held-out rows than areas: stratification is impossible.
            pass
    train_docs, test_docs, train_labels, test_labels = train_test_split(
        list(documents), list(labels), test_size=HELD_OUT, random_state=seed
    )
    return train_docs, test_docs, train_labels, test_labels


def _evaluate(documents: Sequence[str], labels: Sequence[Hashable]) -> dict[str, Any]:
    train_docs, test_docs, train_labels, test_labels = _split(documents, labels)
    if len(set(train_labels)) < 2 or not test_docs:
        return {"train": len(train_docs), "test": len(test_docs), "accuracy": None, "per_area": {}}
    with threadpool_limits(limits=BLAS_THREADS):
        pipeline = build_pipeline(documents=len(train_docs)).fit(train_docs, train_labels)
        predicted = pipeline.predict(test_docs)
    per_area: dict[str, dict[str, Any]] = {}
    for expected, got in zip(test_labels, predicted, strict=True):
        figures = per_area.setdefault(str(expected), {"total": 0, "correct": 0})
        figures["total"] += 1
        figures["correct"] += int(expected == got)
    for figures in per_area.values():
        figures["accuracy"] = figures["correct"] / figures["total"]
    correct = sum(figures["correct"] for figures in per_area.values())
    return {
        "train": len(train_docs),
        "test": len(test_docs),
        "accuracy": correct / len(test_docs),
        "per_area": dict(sorted(per_area.items())),
    }


def train_area_classifier() -> AreaClassifierModel | None:
    """Learn from published opinions with an area; None if there is too little to learn from.

    The accuracy recorded is measured on a held-out stratified 20 %; the model saved is then
    fitted on all labelled opinions, so it uses every example moderators gave it.
    """
    rows = (
        Opinion.objects.published()
        .filter(area__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("lemmas", "text", "area_id")[:MAX_LABELLED]
    )
    documents: list[str] = []
    labels: list[int] = []
    for lemmas, text, area_id in rows.iterator(chunk_size=5000):
        document = features(lemmas or lemma_string(text))
        if document:
            documents.append(document)
            labels.append(area_id)
    if len(documents) < MIN_LABELLED or len(set(labels)) < 2:
        logger.info("area classifier not trained: %d labelled opinions", len(documents))
        return None
    accuracy = _evaluate(documents, labels)["accuracy"]
    with threadpool_limits(limits=BLAS_THREADS):
        pipeline = build_pipeline(documents=len(documents)).fit(documents, labels)
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    model = AreaClassifierModel(
        trained_on=len(documents),
        accuracy=accuracy,
        labels=[int(label) for label in pipeline.classes_],
    )
    name = f"area-classifier-{timezone.now():%Y%m%d-%H%M%S}.joblib"
    model.file.save(name, ContentFile(buffer.getvalue()), save=False)
    model.save()
    return model


def _current_pipeline() -> Pipeline | None:
    latest = AreaClassifierModel.objects.order_by("-created_at", "-pk").only("pk", "file").first()
    if latest is None:
        return None
    with _loaded_lock:
        pipeline = _loaded.get(latest.pk)
        if pipeline is None:
            try:
                with latest.file.open("rb") as file:
                    # joblib unpickles: only files this module wrote to our own storage.
                    pipeline = joblib.load(file)
            except OSError:
                logger.exception("area classifier %s could not be loaded", latest.pk)
                return None
            _loaded.clear()
            _loaded[latest.pk] = pipeline
    return pipeline


def suggest_areas(texts_lemmas: list[str]) -> list[tuple[int | None, float]]:
    """(area id, confidence 0–1) for each lemma string; (None, 0.0) with no model or no words."""
    results: list[tuple[int | None, float]] = [(None, 0.0)] * len(texts_lemmas)
    pipeline = _current_pipeline() if texts_lemmas else None
    if pipeline is None:
        return results
    documents = [features(lemmas) for lemmas in texts_lemmas]
    positions = [index for index, document in enumerate(documents) if document]
    if not positions:
        return results
    with threadpool_limits(limits=BLAS_THREADS):
        probabilities = pipeline.predict_proba([documents[index] for index in positions])
    best = probabilities.argmax(axis=1)
    classes = pipeline.classes_
    for row, index in enumerate(positions):
        column = best[row]
        results[index] = (int(classes[column]), float(probabilities[row, column]))
    return results


def evaluate_on_sample(path: str | Path) -> dict[str, Any]:
    """Accuracy on a held-out stratified 20 % of a paper-input CSV, learning from the rest.

    The CSV has the import format (`text,area,…`, area as slug); rows without an area are
    skipped. The split's seed is fixed, so the figures are reproducible.
    """
    documents: list[str] = []
    labels: list[str] = []
    with open(path, encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            area = (row.get("area") or "").strip()
            document = features(lemma_string(row.get("text") or ""))
            if area and document:
                documents.append(document)
                labels.append(area)
    if len(documents) < MIN_LABELLED or len(set(labels)) < 2:
        raise ValueError(f"{path}: too few labelled rows ({len(documents)}) to evaluate")
    figures = _evaluate(documents, labels)
    most_common = Counter(labels).most_common(1)[0][1]
    return {
        "rows": len(documents),
        "areas": len(set(labels)),
        "baseline": most_common / len(documents),
        **figures,
    }
