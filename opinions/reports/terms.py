"""What people talk about in one area: key terms and sub-themes of a thematic report.

Pure computation over the lemmas stored with each opinion (`Opinion.lemmas`, computed once
at submission): nothing here touches the database or lemmatizes again.

A *term* is a content lemma („drzewo”) or two content lemmas next to each other once stop
words are left out („ścieżka rowerowy” for „ścieżki dla rowerów”). Counts are document
frequencies: the number of opinions containing the term.

Key terms are ranked by the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008, „Fightin' Words”) of this area's opinions against the opinions of
all other areas, the prior being the pooled counts scaled by TERM_PRIOR; the score is the
z-score of the log-odds (so a term must be both frequent and distinctive to rank high).

Sub-themes: TF-IDF of the terms (sublinear tf, L2 rows) clustered by k-means, k chosen by
the silhouette on a fixed-seed sample of at most SILHOUETTE_SAMPLE opinions; the chosen
clustering is then refined on all opinions (MiniBatchKMeans from MINIBATCH_FROM opinions).
Every random choice is seeded and every ordering has a tie-breaker, so the same opinions
give the same result in any process (hash randomisation never decides an order).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opinions.analysis.text import STOPWORDS

SEED = 2030
TERM_PRIOR = 0.01
MIN_COUNT = 3
TOP_TERMS = 30
# Sub-themes need a few opinions per group to mean anything.
MIN_SUBTHEME_OPINIONS = 10
K_MIN = 3
K_MAX = 12
OPINIONS_PER_SUBTHEME = 5
SILHOUETTE_SAMPLE = 2000
# Bounds the TF-IDF matrix (and the centroids' size) on an area of 150,000 opinions.
MAX_FEATURES = 5000
# Full k-means over all opinions below this; mini-batches above (minutes → seconds).
MINIBATCH_FROM = 20_000
# k-means runs (different seeded starts) per k while choosing k; the best one counts.
SELECTION_RUNS = 2
SUBTHEME_TERMS = 5
LABEL_TERMS = 3
LABEL_SEPARATOR = " · "
# Opinions nearest each centroid, in order, offered as quotes (near-duplicates of a quote
# already taken are skipped, so many may be needed).
QUOTE_CANDIDATES = 20_000
# Stored lemmas are separated by single spaces.
LEMMA_PATTERN = r"\S+"
# Lemmas are runs of letters and digits (see opinions.analysis.text); anything else is no term.
_LEMMA = re.compile(r"[^\W_]+")


def _without_polish_letters(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("ł", "l"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# The shared stop words, and the same typed without Polish letters (as paper cards are often
# typed in, and phones write): „wiecej”, „jakis”, „juz” would otherwise lead the key terms
# and label sub-themes. „moc” stays a word: it is also a noun („moc”, power).
REPORT_STOPWORDS: frozenset[str] = STOPWORDS | (
    frozenset(_without_polish_letters(word) for word in STOPWORDS) - {"moc"}
)


def warm_up() -> None:
    """Import scikit-learn now (seconds, once per process) rather than in the first build;
    a worker's main process calling this before forking spares every pool child."""
    import sklearn.cluster
    import sklearn.feature_extraction.text
    import sklearn.metrics  # noqa: F401


def content_lemmas(lemmas: str) -> list[str]:
    """The content lemmas of a stored lemma string, in order (report stop words left out)."""
    return [lemma for lemma in lemmas.split() if lemma not in REPORT_STOPWORDS]


def content_terms(lemmas: str) -> set[str]:
    """The terms of one opinion: its content lemmas and its pairs of neighbouring ones."""
    content = content_lemmas(lemmas)
    terms = set(content)
    terms.update([f"{first} {second}" for first, second in itertools.pairwise(content)])
    return terms


def is_phrase(term: str) -> bool:
    return " " in term


@dataclass
class TermCounts:
    """Document frequencies of terms over a set of opinions."""

    counts: Counter[str] = field(default_factory=Counter)
    # Sums of the document frequencies of all words and of all phrases (before any
    # pruning): the sizes of the two multinomials the log-odds compare.
    word_total: int = 0
    phrase_total: int = 0
    documents: int = 0

    def add(self, lemmas: str) -> None:
        # The hot loop of a build (a million opinions for the counts of all areas): the
        # same terms as `content_terms`, with the pairs joined by C code.
        content = [lemma for lemma in lemmas.split() if lemma not in REPORT_STOPWORDS]
        words = set(content)
        phrases = set(map(" ".join, itertools.pairwise(content)))
        self.counts.update(words)
        self.counts.update(phrases)
        self.word_total += len(words)
        self.phrase_total += len(phrases)
        self.documents += 1

    def pruned(self, min_count: int = MIN_COUNT) -> TermCounts:
        """The same totals with only the terms seen in at least `min_count` opinions."""
        kept = Counter({term: count for term, count in self.counts.items() if count >= min_count})
        return TermCounts(kept, self.word_total, self.phrase_total, self.documents)


def count_terms(lemma_strings: Iterable[str]) -> TermCounts:
    counts = TermCounts()
    for lemmas in lemma_strings:
        counts.add(lemmas)
    return counts


def log_odds_z(
    *, in_area: int, in_all: int, area_total: int, all_total: int, prior: float = TERM_PRIOR
) -> float:
    """z-score of the log-odds ratio of a term in the area against the rest (Monroe et al.).

    α_w = prior · (pooled count of w), α_0 = prior · (pooled total). Degenerate cases (no
    other areas, a one-term vocabulary) are kept finite rather than dividing by zero.
    """
    in_rest = max(in_all - in_area, 0)
    rest_total = max(all_total - area_total, 0)
    alpha_w = prior * max(in_all, in_area)
    alpha_0 = prior * max(all_total, area_total)
    tiny = 1e-9
    delta = math.log(
        (in_area + alpha_w) / max(area_total + alpha_0 - in_area - alpha_w, tiny)
    ) - math.log(max(in_rest + alpha_w, tiny) / max(rest_total + alpha_0 - in_rest - alpha_w, tiny))
    variance = 1 / (in_area + alpha_w) + 1 / max(in_rest + alpha_w, tiny)
    return delta / math.sqrt(variance)


def distinctive_terms(
    area: TermCounts,
    everything: TermCounts,
    *,
    prior: float = TERM_PRIOR,
    min_count: int = MIN_COUNT,
    top: int = TOP_TERMS,
) -> list[dict[str, Any]]:
    """The area's most distinctive terms against all areas (`everything` includes the area).

    Words and phrases are scored each against their own totals and ranked together.
    """
    scored: list[tuple[float, str, int]] = []
    for term, count in area.counts.items():
        if count < min_count:
            continue
        phrase = is_phrase(term)
        z = log_odds_z(
            in_area=count,
            in_all=max(everything.counts.get(term, 0), count),
            area_total=area.phrase_total if phrase else area.word_total,
            all_total=everything.phrase_total if phrase else everything.word_total,
            prior=prior,
        )
        # With no other area to compare with, every z is 0 up to rounding: nothing is
        # distinctive, and float noise must not pick terms.
        if round(z, 9) > 0:
            scored.append((z, term, count))
    scored.sort(key=lambda item: (-item[0], -item[2], item[1]))
    return [
        {"term": term, "lemmas": term.split(" "), "count": count, "score": round(z, 2)}
        for z, term, count in scored[:top]
    ]


def term_pattern(term: str) -> str | None:
    """A regular expression matching a stored lemma string exactly when `content_terms` of it
    contains the term: the term's lemmas in order, with only stop words between them.

    The same text works in Python's `re`, SQLite's REGEXP (Django implements it with `re`)
    and PostgreSQL's `~`. None for text that cannot be a term.
    """
    lemmas = term.split()
    if not lemmas or any(not _LEMMA.fullmatch(lemma) for lemma in lemmas):
        return None
    if any(lemma in REPORT_STOPWORDS for lemma in lemmas):
        return None
    stop = "|".join(sorted(REPORT_STOPWORDS))
    between = rf"(\s+({stop}))*\s+"
    return r"(^|\s)" + between.join(lemmas) + r"(\s|$)"


# --- Sub-themes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subtheme:
    index: int
    label: str
    top_terms: list[str]
    members: list[int]
    # Opinion ids nearest the centroid first (to pick quotes from).
    nearest: list[int]


@dataclass(frozen=True)
class Subthemes:
    subthemes: list[Subtheme]
    # "" | "too-few-opinions" | "no-content-words"
    note: str
    k: int | None
    k_range: tuple[int, int]
    silhouette: float | None
    algorithm: str | None
    features: int


def k_range(documents: int) -> tuple[int, int]:
    return K_MIN, max(K_MIN, min(K_MAX, documents // OPINIONS_PER_SUBTHEME))


def feature_vocabulary(
    counts: TermCounts, *, min_df: int = 2, max_features: int = MAX_FEATURES
) -> list[str]:
    """The TF-IDF features: terms in at least `min_df` opinions, the most frequent first."""
    frequent = [(count, term) for term, count in counts.counts.items() if count >= min_df]
    frequent.sort(key=lambda item: (-item[0], item[1]))
    return sorted(term for _count, term in frequent[:max_features])


def find_subthemes(
    documents: Sequence[tuple[int, str]],
    *,
    counts: TermCounts | None = None,
    seed: int = SEED,
) -> Subthemes:
    """Cluster opinions (id, stored lemmas) into sub-themes; ids must be unique."""
    bounds = k_range(len(documents))
    if len(documents) < MIN_SUBTHEME_OPINIONS:
        return _no_subthemes("too-few-opinions", bounds)
    ordered = sorted(documents)
    texts = [" ".join(content_lemmas(lemmas)) for _id, lemmas in ordered]
    if not any(texts):
        return _no_subthemes("no-content-words", bounds)
    if counts is None:
        counts = count_terms(lemmas for _id, lemmas in ordered)
    vocabulary = feature_vocabulary(counts)
    if not vocabulary:
        return _no_subthemes("too-few-opinions", bounds)
    features = _tfidf_features(ordered, texts, vocabulary)
    if features.rows < MIN_SUBTHEME_OPINIONS:
        return _no_subthemes("too-few-opinions", bounds, len(vocabulary))
    clustering = _cluster(features.matrix, seed)
    if clustering is None:
        return _no_subthemes("too-few-opinions", bounds, len(vocabulary))
    subthemes = _describe_clusters(features, clustering)
    silhouette = clustering.silhouette
    return Subthemes(
        subthemes=subthemes,
        note="",
        k=len(subthemes),
        k_range=k_range(features.rows),
        silhouette=None if silhouette is None else round(silhouette, 4),
        algorithm=clustering.algorithm,
        features=len(vocabulary),
    )


def _no_subthemes(note: str, bounds: tuple[int, int], features: int = 0) -> Subthemes:
    return Subthemes([], note, None, bounds, None, None, features)


@dataclass(frozen=True)
class _Features:
    """The TF-IDF rows of the opinions with at least one feature, their opinion ids, and the
    feature names (the columns)."""

    matrix: Any
    ids: Any
    names: Any

    @property
    def rows(self) -> int:
        return int(self.matrix.shape[0])


def _tfidf_features(
    ordered: Sequence[tuple[int, str]], texts: Sequence[str], vocabulary: list[str]
) -> _Features:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    with_words = [index for index, text in enumerate(texts) if text]
    vectorizer = TfidfVectorizer(
        token_pattern=LEMMA_PATTERN,
        lowercase=False,
        ngram_range=(1, 2),
        vocabulary=vocabulary,
        sublinear_tf=True,
    )
    matrix = vectorizer.fit_transform([texts[index] for index in with_words])
    # Opinions none of whose terms is a feature say nothing any other says: no sub-theme.
    has_features = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    ids = np.array([ordered[with_words[row]][0] for row in has_features], dtype=np.int64)
    return _Features(matrix[has_features], ids, vectorizer.get_feature_names_out())


@dataclass(frozen=True)
class _Clustering:
    labels: Any
    centres: Any
    algorithm: str
    silhouette: float | None


def _cluster(matrix: Any, seed: int) -> _Clustering | None:
    """k-means with k chosen by the silhouette on a sample, refined on all rows; None when
    no k in range gives two clusters."""
    from sklearn.metrics import pairwise_distances
    from threadpoolctl import threadpool_limits

    rows = matrix.shape[0]
    sample = _silhouette_sample(rows, seed)
    sampled = matrix[sample]
    # The silhouette of every k reuses one distance matrix (2,000² floats, 32 MB).
    distances = pairwise_distances(sampled)
    # One thread: the result must not depend on how work is split between threads, and two
    # report builds usually share the machine's cores already.
    with threadpool_limits(limits=1):
        chosen = _choose_k(sampled, distances, k_range(rows), seed)
        if chosen is None:
            return None
        # A sample of every row: the chosen model is fitted to all of them already.
        if rows == sampled.shape[0]:
            labels, centres, algorithm = chosen.labels_, chosen.cluster_centers_, "kmeans"
        else:
            labels, centres, algorithm = _refit_on_all(chosen, matrix, seed)
        silhouette = _silhouette(distances, labels[sample])
    return _Clustering(labels, centres, algorithm, silhouette)


def _silhouette_sample(rows: int, seed: int) -> Any:
    """The rows (in order) that choose k: all of them, or a seeded sample of them."""
    import numpy as np

    if rows <= SILHOUETTE_SAMPLE:
        return np.arange(rows)
    random = np.random.RandomState(seed)
    return np.sort(random.choice(rows, SILHOUETTE_SAMPLE, replace=False))


def _choose_k(sampled: Any, distances: Any, bounds: tuple[int, int], seed: int) -> Any:
    """The fitted k-means of the sample with the best silhouette (the smallest k of a tie)."""
    from sklearn.cluster import KMeans

    low, high = bounds
    # k stays below the number of different rows: k-means cannot make more clusters than
    # that, and the silhouette needs fewer clusters than rows.
    most = min(_distinct_rows(sampled), sampled.shape[0])
    best: tuple[float, Any] | None = None
    for k in range(low, min(high, most - 1) + 1):
        model = KMeans(n_clusters=k, n_init=SELECTION_RUNS, random_state=seed).fit(sampled)
        score = _silhouette(distances, model.labels_)
        if score is not None and (best is None or score > best[0] + 1e-12):
            best = (score, model)
    return None if best is None else best[1]


def _refit_on_all(chosen: Any, matrix: Any, seed: int) -> tuple[Any, Any, str]:
    """The sample's clustering refined on every row: labels, centres and the algorithm."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    final: Any
    algorithm = "kmeans"
    if matrix.shape[0] < MINIBATCH_FROM:
        final = KMeans(
            n_clusters=chosen.n_clusters,
            init=chosen.cluster_centers_,
            n_init=1,
            random_state=seed,
        )
    else:
        algorithm = "minibatch-kmeans"
        final = MiniBatchKMeans(
            n_clusters=chosen.n_clusters,
            init=chosen.cluster_centers_,
            n_init=1,
            batch_size=4096,
            random_state=seed,
        )
    final.fit(matrix)
    return final.labels_, final.cluster_centers_, algorithm


def _silhouette(distances: Any, labels: Any) -> float | None:
    """The silhouette over precomputed distances; None for a single cluster (undefined)."""
    from sklearn.metrics import silhouette_score

    if len(set(labels.tolist())) < 2:
        return None
    return float(silhouette_score(distances, labels, metric="precomputed"))


@dataclass(frozen=True)
class _ClusterSummary:
    size: int
    label: str
    cluster: int
    top_terms: list[str]
    members: list[int]
    nearest: list[int]


def _describe_clusters(features: _Features, clustering: _Clustering) -> list[Subtheme]:
    """The non-empty clusters as sub-themes, the largest first (ties by label, then cluster)."""
    import numpy as np

    found: list[_ClusterSummary] = []
    for cluster in range(len(clustering.centres)):
        rows_in = np.flatnonzero(clustering.labels == cluster)
        if len(rows_in):
            centre = np.asarray(clustering.centres[cluster], dtype=np.float64)
            found.append(_summarise_cluster(features, cluster, rows_in, centre))
    found.sort(key=lambda item: (-item.size, item.label, item.cluster))
    return [
        Subtheme(index, item.label, item.top_terms, item.members, item.nearest)
        for index, item in enumerate(found)
    ]


def _summarise_cluster(
    features: _Features, cluster: int, rows_in: Any, centre: Any
) -> _ClusterSummary:
    import numpy as np

    # Stable sort: equal weights keep the vocabulary's (alphabetical) order.
    order = np.argsort(-centre, kind="stable")
    top_terms = [str(features.names[j]) for j in order[:SUBTHEME_TERMS] if centre[j] > 0]
    # Squared distance to the centre; rows are unit vectors: 1 − 2·x·c + |c|².
    products = np.asarray(features.matrix[rows_in] @ centre).ravel()
    distances = np.round(1.0 - 2.0 * products + float(centre @ centre), 9)
    member_ids = features.ids[rows_in]
    nearest = member_ids[np.lexsort((member_ids, distances))][:QUOTE_CANDIDATES]
    return _ClusterSummary(
        size=len(rows_in),
        label=LABEL_SEPARATOR.join(top_terms[:LABEL_TERMS]),
        cluster=cluster,
        top_terms=top_terms,
        members=sorted(member_ids.tolist()),
        nearest=nearest.tolist(),
    )


def _distinct_rows(matrix: Any) -> int:
    """How many different rows a sparse matrix has (k-means cannot make more clusters)."""
    csr = matrix.tocsr()
    seen = {
        (
            csr.indices[csr.indptr[row] : csr.indptr[row + 1]].tobytes(),
            csr.data[csr.indptr[row] : csr.indptr[row + 1]].tobytes(),
        )
        for row in range(csr.shape[0])
    }
    return len(seen)
