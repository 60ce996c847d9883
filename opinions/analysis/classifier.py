"""Suggesting a thematic area for an opinion, learned from the areas moderators assigned.

Two kinds of features, side by side: a TF-IDF of content lemmas (single words and pairs),
which makes inflected forms meet, and a TF-IDF of character 2–5-grams within words of the
lower-cased text with its Polish letters folded („zieleń” and „zielen” give the same
n-grams), which still reads an opinion typed without Polish letters, or with a typo, that
the lemmatizer does not recognise. A linear SVM separates the areas; its scores become
probabilities through sigmoid calibration fitted on five inner folds of the training data
(`CalibratedClassifierCV`), so that a suggestion shown with 0.7 is right about 70% of the
time. Suggestions below `confidence.SUGGEST_FROM` are not made at all.

Besides the opinions, the model learns from each area's name and description (the one
labelled text every area has from the start) and from sentences of the city's own strategy
texts filed under the area they are about (`AREA_EXAMPLES`, matched to the areas by slug).

The model is retrained nightly (`opinions.tasks.train_area_classifier`) and stored as a
file through Django's default storage, so every worker loads the same one.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import tomllib
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from opinions.analysis.confidence import SUGGEST_FROM
from opinions.analysis.lemmas import fold_diacritics
from opinions.analysis.text import content_of_lemma_string, lemma_string
from opinions.models import AreaClassifierModel, Opinion
from stages.models import ThematicArea

logger = logging.getLogger(__name__)

# What the model reads of an opinion: its stored lemma string and its text.
Document = tuple[str, str]

# Below this there is too little to learn from: a dozen areas need a couple of examples each.
MIN_LABELLED = 24
# The nightly retraining stays within a few minutes however many opinions are labelled: it
# learns from the most recent ones, and measures its held-out accuracy on fewer still.
# Measured on the demo data, 2 busy shared CPUs: 11,000 labelled in 41 s; 90,000 in 169 s,
# 1.1 GB at peak, a 1.8 MB file (12 minutes and 1.9 GB without these limits). Twelve areas
# need far fewer examples than this.
MAX_LABELLED = 50_000
MAX_EVALUATED = 20_000
HELD_OUT = 0.2
RANDOM_STATE = 2030
# The model reads lemmas already lower-cased and joined by spaces.
LEMMA_PATTERN = r"\S+"
# Inner folds that fit the calibration (fewer on a large corpus, where each has plenty); an
# area needs at least two examples to take part (the model learns only the areas that have
# them).
CALIBRATION_FOLDS = 5
CALIBRATION_FOLDS_LARGE = 3
MIN_PER_AREA = 2
# A large corpus has millions of distinct character n-grams; the commonest keep the model
# file to a few megabytes (the weights are one row per area and feature).
MAX_CHAR_FEATURES = 150_000
MAX_LEMMA_FEATURES = 100_000
LARGE_CORPUS = 5000

# Training-only examples: sentences of the strategy texts under the area they are about.
AREA_EXAMPLES = Path(settings.BASE_DIR) / "data" / "processes" / "lublin2030-area-examples.toml"

# The matrices here are small: BLAS threads only fight each other (and the web and worker
# processes on the same machine).
BLAS_THREADS = 1

_loaded: dict[int, Pipeline] = {}
_loaded_lock = threading.Lock()


def fold(text: str) -> str:
    """Lower-cased, with diacritics removed: „Zieleń na Łęgach” → „zielen na legach”."""
    return fold_diacritics(text.lower())


def document_of(text: str, lemmas: str | None = None) -> Document:
    """What the model reads of a text (lemmatized here unless its stored lemmas are given)."""
    return (lemma_string(text) if lemmas is None else lemmas, text)


def content_lemma_texts(documents: Iterable[Document]) -> list[str]:
    return [" ".join(content_of_lemma_string(lemmas)) for lemmas, _text in documents]


def folded_texts(documents: Iterable[Document]) -> list[str]:
    return [fold(text) for _lemmas, text in documents]


def _has_words(document: Document) -> bool:
    return bool(content_of_lemma_string(document[0]))


def build_pipeline(*, documents: int, calibration_folds: int = CALIBRATION_FOLDS) -> Pipeline:
    large = documents >= LARGE_CORPUS
    lemmas = TfidfVectorizer(
        token_pattern=LEMMA_PATTERN,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        # On a large corpus, words seen once are mostly typos; they only bloat the model.
        min_df=2 if large else 1,
        max_features=MAX_LEMMA_FEATURES,
        dtype=np.float32,
    )
    characters = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        lowercase=False,
        sublinear_tf=True,
        min_df=2 if large else 1,
        max_features=MAX_CHAR_FEATURES,
        dtype=np.float32,
    )
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("lemmas", _after(content_lemma_texts, lemmas)),
                        ("characters", _after(folded_texts, characters)),
                    ]
                ),
            ),
            (
                "model",
                CalibratedClassifierCV(
                    # The dual problem: several times faster on tens of thousands of
                    # opinions with this many features.
                    LinearSVC(C=1.0, dual=True, random_state=RANDOM_STATE),
                    method="sigmoid",
                    cv=calibration_folds,
                    # One SVM fitted on all the data (the calibration comes from the
                    # folds' predictions): the file holds one model, not five.
                    ensemble=False,
                ),
            ),
        ]
    )


def _after(select: Any, vectorizer: TfidfVectorizer) -> Pipeline:
    return Pipeline([("select", FunctionTransformer(select)), ("tfidf", vectorizer)])


def fit(documents: Sequence[Document], labels: Sequence[Hashable]) -> Pipeline | None:
    """A model of the areas with at least MIN_PER_AREA examples; None if fewer than two."""
    counts = Counter(labels)
    kept = [
        (document, label)
        for document, label in zip(documents, labels, strict=True)
        if counts[label] >= MIN_PER_AREA and _has_words(document)
    ]
    kept_counts = Counter(label for _document, label in kept)
    if len(kept_counts) < 2:
        return None
    wanted = CALIBRATION_FOLDS_LARGE if len(kept) >= LARGE_CORPUS else CALIBRATION_FOLDS
    folds = min(wanted, *kept_counts.values())
    pipeline = build_pipeline(documents=len(kept), calibration_folds=folds)
    with threadpool_limits(limits=BLAS_THREADS):
        pipeline.fit([document for document, _label in kept], [label for _d, label in kept])
    return pipeline


def predict(pipeline: Pipeline, documents: Sequence[Document]) -> list[tuple[Any, float]]:
    """(label, calibrated probability) of the most likely area of each document."""
    if not documents:
        return []
    with threadpool_limits(limits=BLAS_THREADS):
        probabilities = pipeline.predict_proba(list(documents))
    best = probabilities.argmax(axis=1)
    classes = pipeline.classes_
    return [(classes[column], float(probabilities[row, column])) for row, column in enumerate(best)]


def _split(
    documents: Sequence[Document], labels: Sequence[Hashable], *, seed: int = RANDOM_STATE
) -> tuple[list[Document], list[Document], list[Any], list[Any]]:
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


def _evaluate(
    documents: Sequence[Document],
    labels: Sequence[Hashable],
    extra: Sequence[tuple[Document, Hashable]] = (),
) -> dict[str, Any]:
    """Accuracy on a held-out 20 %, learning from the rest and the `extra` examples."""
    train_docs, test_docs, train_labels, test_labels = _split(documents, labels)
    pipeline = fit(
        train_docs + [document for document, _label in extra],
        train_labels + [label for _document, label in extra],
    )
    if pipeline is None or not test_docs:
        return {"train": len(train_docs), "test": len(test_docs), "accuracy": None, "per_area": {}}
    predicted = [label for label, _confidence in predict(pipeline, test_docs)]
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


def area_description(name: str, description: str) -> str:
    """An area's name and description as one labelled example."""
    return f"{name}. {description}".strip()


def strategy_examples(path: str | Path = AREA_EXAMPLES) -> list[tuple[str, str]]:
    """(text, area slug) of the strategy texts' sentences filed under an area; none if the
    file is missing (a process without such a file)."""
    try:
        with open(path, "rb") as file:
            rows = tomllib.load(file).get("examples", [])
    except FileNotFoundError:
        return []
    return [(str(row["text"]), str(row["area"])) for row in rows]


def area_examples() -> list[tuple[Document, str]]:
    """(document, area slug) learned from besides the opinions: the areas' descriptions, and
    the strategy's sentences of the areas present (by slug)."""
    areas = list(ThematicArea.objects.values_list("slug", "name", "description"))
    slugs = {slug for slug, _name, _description in areas}
    return [
        (document_of(area_description(name, description)), slug)
        for slug, name, description in areas
    ] + [(document_of(text), slug) for text, slug in strategy_examples() if slug in slugs]


def _area_examples() -> list[tuple[Document, int]]:
    ids = dict(ThematicArea.objects.values_list("slug", "pk"))
    return [(document, ids[slug]) for document, slug in area_examples()]


def train_area_classifier() -> AreaClassifierModel | None:
    """Learn from published opinions with an area; None if there is too little to learn from.

    The accuracy recorded is measured on a held-out stratified 20 % of the (at most
    MAX_EVALUATED latest) opinions; the model saved is then fitted on all MAX_LABELLED
    latest, so it uses the examples moderators gave it. The areas' descriptions and the
    strategy's sentences (`_area_examples`) are learned from in both, never tested on.
    """
    rows = (
        Opinion.objects.published()
        .filter(area__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("lemmas", "text", "area_id")[:MAX_LABELLED]
    )
    documents: list[Document] = []
    labels: list[int] = []
    for lemmas, text, area_id in rows.iterator(chunk_size=5000):
        document = document_of(text, lemmas or None)
        if _has_words(document):
            documents.append(document)
            labels.append(area_id)
    if len(documents) < MIN_LABELLED or len(set(labels)) < 2:
        logger.info("area classifier not trained: %d labelled opinions", len(documents))
        return None
    extra = _area_examples()
    accuracy = _evaluate(documents[:MAX_EVALUATED], labels[:MAX_EVALUATED], extra)["accuracy"]
    pipeline = fit(
        documents + [document for document, _label in extra],
        labels + [label for _document, label in extra],
    )
    if pipeline is None:
        return None
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
            except (OSError, AttributeError, ModuleNotFoundError):
                # A missing file, or one written by an older version of this module (its
                # functions moved): no suggestions until tonight's retraining.
                logger.exception("area classifier %s could not be loaded", latest.pk)
                return None
            if not _reads_documents(pipeline):
                logger.warning(
                    "area classifier %s predates the (lemmas, text) features; no "
                    "suggestions until it is retrained (train_area_classifier)",
                    latest.pk,
                )
                return None
            _loaded.clear()
            _loaded[latest.pk] = pipeline
    return pipeline


def _reads_documents(pipeline: Any) -> bool:
    """Whether a stored model is of this module's kind: one fitted on lemma strings alone
    (before the character n-grams) would fail on every (lemmas, text) pair."""
    return isinstance(pipeline, Pipeline) and "features" in pipeline.named_steps


def suggest_areas(documents: Sequence[Document]) -> list[tuple[int | None, float]]:
    """(area id, calibrated probability 0–1) for each (lemmas, text); (None, 0.0) with no
    model, no content words, or a probability below `SUGGEST_FROM`."""
    results: list[tuple[int | None, float]] = [(None, 0.0)] * len(documents)
    pipeline = _current_pipeline() if documents else None
    if pipeline is None:
        return results
    positions = [index for index, document in enumerate(documents) if _has_words(document)]
    predictions = predict(pipeline, [documents[index] for index in positions])
    for index, (area_id, confidence) in zip(positions, predictions, strict=True):
        if confidence >= SUGGEST_FROM:
            results[index] = (int(area_id), confidence)
    return results


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """Texts and area slugs of a paper-input CSV (`text,area,…`); rows without an area or
    without content words are skipped."""
    texts: list[str] = []
    labels: list[str] = []
    with open(path, encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            area = (row.get("area") or "").strip()
            text = row.get("text") or ""
            if area and _has_words(document_of(text)):
                texts.append(text)
                labels.append(area)
    return texts, labels


def evaluate_on_sample(
    path: str | Path, extra: Sequence[tuple[Document, str]] = ()
) -> dict[str, Any]:
    """Accuracy on a held-out stratified 20 % of a paper-input CSV, learning from the rest
    (and from `extra` (document, area slug) examples, such as the areas' descriptions).

    The split's seed is fixed, so the figures are reproducible.
    """
    texts, labels = read_labelled_csv(path)
    if len(texts) < MIN_LABELLED or len(set(labels)) < 2:
        raise ValueError(f"{path}: too few labelled rows ({len(texts)}) to evaluate")
    figures = _evaluate([document_of(text) for text in texts], labels, extra)
    most_common = Counter(labels).most_common(1)[0][1]
    return {
        "rows": len(texts),
        "areas": len(set(labels)),
        "baseline": most_common / len(texts),
        **figures,
    }
