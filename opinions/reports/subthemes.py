"""Sub-themes of a thematic report: what the opinions of one area say, sentence by sentence.

Pure computation over the opinions' texts (nothing here touches the database):

1. **Sentences.** An opinion often makes several points („Więcej zieleni. Mniej parkingów.
   Lepsze oświetlenie.”); each sentence or listed point is a unit of its own, so an opinion
   may support several sub-themes. A sentence with fewer than MIN_SENTENCE_LEMMAS content
   lemmas says too little to be grouped.
2. **Near-duplicates collapsed.** Sentences with the same set of content lemmas (the same
   sentence sent twice, retyped, with other punctuation or word order) become one unit whose
   *weight* is how many times it was written; k-means takes the weight as a sample weight.
   Otherwise a petition copied 40 times forms a "sub-theme" of its own and fills the quotes.
3. **Features.** TF-IDF of content lemmas and pairs of neighbouring content lemmas.
4. **How many sub-themes: stability across seeds.** For each k in K_MIN..K_MAX, k-means is
   run from STABILITY_SEEDS different random starts; the k whose partitions agree best
   (mean adjusted Rand index between every pair of runs) is chosen, the smaller k on a tie.
   If no k reaches STABLE_ARI, the answer is "no clear sub-themes": the groups k-means finds
   then depend on chance, not on the opinions. Unlike the silhouette (which kept choosing the
   largest k because near-duplicate groups score well), agreement between runs does not grow
   with k.
5. **Who is left out.** A sentence whose cosine to its centre is below MIN_FIT belongs to no
   sub-theme, and a group mentioned by fewer than MIN_SUPPORT opinions is dropped; the
   opinions none of whose sentences is in a sub-theme are counted and reported.
6. **Labels.** Terms distinctive of a sub-theme against the other sub-themes (log-odds with
   a Dirichlet prior, weighted by the sentences' counts), generic words of every opinion
   about the city left out (LABEL_STOPWORDS), no word twice in a label, each term in its
   most common written form („plac zabaw”, not the lemmas „plac zabawa”).
7. **Summary and quotes.** The summary is the sub-theme's most central sentence; quotes are
   chosen by maximal marginal relevance (close to the centre, far from the quotes already
   taken), and no opinion is quoted twice in a report.
8. **Contrasting views.** See opinions/reports/contrasts.py.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from opinions.analysis.lemmas import fold_diacritics
from opinions.analysis.text import lemmatize, tokenize
from opinions.reports.terms import REPORT_STOPWORDS, log_odds_z

SEED = 2030
K_MIN = 2
K_MAX = 12
# Units (distinct sentences) per sub-theme at least, for the largest k tried.
UNITS_PER_SUBTHEME = 5
MIN_SENTENCE_LEMMAS = 2
STABILITY_SEEDS = 5
# Starts of each run (its best is kept), so that a run is not at the mercy of one start.
RUN_STARTS = 4
LSA_DIMENSIONS = 50
# Mean adjusted Rand index between runs from different seeds needed to call a clustering
# clear (1 = identical partitions, 0 = as alike as chance).
STABLE_ARI = 0.5
# ... and this much more than on text of the same words placed at random (see `_choose_k`).
MIN_EXCESS = 0.2
# Random placements averaged for that comparison: one draw's agreement varies by more than
# MIN_EXCESS over 20 opinions (with one, the sport area of the sample passed at k = 5 on one
# build of the numeric libraries and not on another).
NULL_DRAWS = 3
K_TOLERANCE = 0.1
# The units that choose k (a seeded sample of the heaviest); the rest are assigned after.
SELECTION_SAMPLE = 3000
MIN_FIT = 0.3
MIN_SUPPORT = 3
LABEL_TERMS = 3
LABEL_SEPARATOR = " · "
TOP_TERMS = 5
QUOTES = 4
# Maximal marginal relevance: weight of closeness to the centre against distance from the
# quotes already taken.
MMR_LAMBDA = 0.6
# Quotes sharing this much of their words and word pairs (Jaccard) say the same thing:
# never both shown.
SAME_QUOTE = 0.6
LABEL_PRIOR = 0.05
# A word written in one phrase at least this often (of its sentences) is shown as the phrase.
PHRASE_SHARE = 0.6

# Words in nearly every opinion about the city's future, about the strategy itself, or that
# say how rather than what („chciałbym”, „naprawdę”, „podobnie”): no label is made of them
# (they stay in key terms and search). Their forms typed without Polish letters too.
_GENERIC = frozenset(
    [
        "lublin",
        "lubelski",
        "miasto",
        "miejski",
        "mieszkaniec",
        "misja",
        "wizja",
        "strategia",
        "strategiczny",
        "rok",
        "2030",
        "dobry",
        "dobrze",
        "duży",
        "nowy",
        "lepszy",
        "potrzebny",
        "ważny",
        "dużo",
        "mało",
        "bardziej",
        "cały",
        "tyle",
        "rzecz",
        "sprawa",
        "część",
        "strona",
        "coś",
        "bardzo",
        "tylko",
        "też",
        "warto",
        "trzeba",
        "dać",
        "dawać",
        "robić",
        "zrobić",
        "być",
        "mieć",
        "stać",
        "chcieć",
        "chciałbym",
        "chcialbym",
        "móc",
        "musieć",
        "powinien",
        "należy",
        "potrzebować",
        "ludzie",
        "człowiek",
        "osoba",
        "wszyscy",
        "każdy",
        "wiedzieć",
        "myśleć",
        "uważać",
        "sądzić",
        "liczyć",
        "podobnie",
        "oby",
        "naprawdę",
        "wreszcie",
        "wciąż",
        "zawsze",
        "dziś",
        "dzisiaj",
        "teraz",
        "super",
        "fajny",
        "świetny",
        "np",
        "itd",
        "itp",
        "pierwszy",
        "drugi",
        "druga",
        "raz",
        "tydzień",
        "dzień",
        "miesiąc",
        "godzina",
        "pół",
    ]
)
LABEL_STOPWORDS: frozenset[str] = (
    REPORT_STOPWORDS | _GENERIC | frozenset(fold_diacritics(word) for word in _GENERIC)
)
# A phrase is shown as two words side by side („plac zabaw”) or with one of these between
# („ścieżki dla rowerów”); anything else between („woda nie uciekała”, „pieców i kontrola”)
# changes or blurs its sense.
_LINKS = "dla do na w we z ze przy od po za pod nad o bez przez"
LABEL_PHRASE_LINKS = frozenset(_LINKS.split())


def is_label_word(lemma: str) -> bool:
    """Whether a lemma may stand in a label: no stop word, no number."""
    return lemma not in LABEL_STOPWORDS and not lemma.isdigit()


# A sentence ends at ., !, ?, ; or … (or a colon) before a capital or a digit, and, since
# many opinions are typed without capitals („gorki czechowskie musza zostac parkiem. to
# pluca…”), at ., ! or ? before a lower-case word too; never after an abbreviation („ul. Zana”,
# „np. basen”) or a single letter („im. J. Kochanowskiego”). Lines and list markers too.
_BREAK = re.compile(r"([.!?;…:])\s+(?=[\"„(]?(\w))")
_LIST_MARKER = re.compile(r"^\s*(?:[-–—•*·]|\d{1,2}[.)]|[a-z][)])\s*")
_ABBREVIATED = "ul al pl os np m.in tj ok im św prof dr mgr tzw tys mln zł gr godz min r wg ww nr"
_ABBREVIATIONS = frozenset(_ABBREVIATED.split()) | {"itd", "itp"}


def _is_break(before: str, mark: str, following: str) -> bool:
    if mark == ".":
        words = before.split()
        word = words[-1].lower() if words else ""
        if word in _ABBREVIATIONS or len(word) == 1:
            return False
    return following.isupper() or following.isdigit() or mark in ".!?"


def _split_line(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _BREAK.finditer(line):
        if _is_break(line[start : match.start()], match.group(1), match.group(2)):
            parts.append(line[start : match.end(1)])
            start = match.end()
    parts.append(line[start:])
    return parts


def split_sentences(text: str) -> list[str]:
    """The sentences and listed points of an opinion, in order, stripped."""
    sentences: list[str] = []
    for line in re.split(r"[\r\n]+", text):
        line = _LIST_MARKER.sub("", line).strip()
        sentences.extend(part.strip() for part in _split_line(line) if part.strip())
    return sentences


def _aligned(sentence: str) -> list[tuple[str, str]]:
    """(written word, lemma) pairs of a sentence; a word of several lemmas gives several."""
    return [(token, lemma) for token in tokenize(sentence) for lemma in lemmatize(token)]


@dataclass
class Unit:
    """A distinct sentence (near-duplicates collapsed) and who wrote it how often."""

    key: tuple[str, ...]
    lemmas: list[str]
    texts: Counter[str] = field(default_factory=Counter)
    opinions: list[int] = field(default_factory=list)
    # The sentence as each opinion wrote it (a quote is word for word from the opinion named).
    written: dict[int, str] = field(default_factory=dict)

    @property
    def weight(self) -> int:
        return sum(self.texts.values())

    @property
    def text(self) -> str:
        # The form written most often; the shorter of a tie, then the first alphabetically.
        return min(self.texts.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


def sentence_units(documents: Iterable[tuple[int, str]]) -> tuple[list[Unit], int]:
    """The distinct sentences of (opinion id, text) pairs, and how many sentences there were
    (before collapsing). Units are ordered by first appearance."""
    units: dict[tuple[str, ...], Unit] = {}
    sentences = 0
    for opinion_id, text in documents:
        for sentence in split_sentences(text):
            # Generic words („druga sprawa:”, „naprawdę”) neither make nor tell sentences apart.
            content = [lemma for _word, lemma in _aligned(sentence) if is_label_word(lemma)]
            if len(set(content)) < MIN_SENTENCE_LEMMAS:
                continue
            sentences += 1
            key = tuple(sorted(set(content)))
            unit = units.get(key)
            if unit is None:
                unit = units[key] = Unit(key, content)
            unit.texts[sentence] += 1
            if opinion_id not in unit.opinions:
                unit.opinions.append(opinion_id)
                unit.written[opinion_id] = sentence
    return list(units.values()), sentences


def _terms_of(lemmas: Sequence[str]) -> set[str]:
    kept = [lemma for lemma in lemmas if is_label_word(lemma)]
    return set(kept) | {f"{a} {b}" for a, b in itertools.pairwise(kept) if a != b}


@dataclass(frozen=True)
class Found:
    index: int
    label: str
    top_terms: list[str]
    summary: str
    summary_opinion: int
    # Opinions with at least one sentence in the sub-theme.
    supporters: list[int]
    # (sentence, opinion id), by maximal marginal relevance.
    quotes: list[tuple[str, int]]
    sentences: int


@dataclass(frozen=True)
class Result:
    subthemes: list[Found]
    # "" | "too-few-opinions" | "no-content-words" | "no-clear-subthemes"
    note: str
    k: int | None
    k_range: tuple[int, int]
    stability: float | None
    # {k: mean ARI} of every k tried.
    stability_by_k: dict[int, float]
    sentences: int
    units: int
    # Opinions none of whose sentences is in a sub-theme (ids).
    left_out: list[int]
    # Each opinion's main sub-theme (the one most of its sentences are in).
    main_subtheme: dict[int, int]
    # The most common written form of each term asked for (`find_subthemes`'s `forms_of`)
    # that the sentences hold.
    forms: dict[str, str] = field(default_factory=dict)


def _empty(
    note: str, bounds: tuple[int, int], sentences: int, units: int, ids: list[int]
) -> Result:
    return Result([], note, None, bounds, None, {}, sentences, units, ids, {})


def k_bounds(units: int) -> tuple[int, int]:
    return K_MIN, max(K_MIN, min(K_MAX, units // UNITS_PER_SUBTHEME))


def find_subthemes(
    documents: Sequence[tuple[int, str]],
    *,
    seed: int = SEED,
    forms_of: Collection[str] = (),
    widen_k: int = 0,
) -> Result:
    """Sub-themes of (opinion id, text) pairs; ids must be unique. `forms_of`: terms (the
    report's key terms) whose written forms the result gives too, from the same sentences.
    `widen_k` raises the largest k tried by that many: the evaluation's check that a k at
    the largest allowed is the data's and not a drift to the top."""
    ordered = sorted(documents)
    units, sentences = sentence_units(ordered)
    found = _find(units, sentences, [pk for pk, _text in ordered], seed, widen_k)
    if not forms_of:
        return found
    wanted = {lemma for term in forms_of for lemma in term.split()}
    forms = written_forms(unit for unit in units if wanted.intersection(unit.lemmas))
    return replace(found, forms={term: forms[term] for term in forms_of if term in forms})


def _find(
    units: list[Unit], sentences: int, all_ids: list[int], seed: int, widen_k: int = 0
) -> Result:
    low, high = k_bounds(len(units))
    bounds = (low, high + widen_k)
    if not units:
        return _empty("no-content-words" if all_ids else "too-few-opinions", bounds, 0, 0, all_ids)
    if len(units) < K_MIN * UNITS_PER_SUBTHEME:
        return _empty("too-few-opinions", bounds, sentences, len(units), all_ids)
    matrix = _features(units)
    if matrix.shape[1] == 0:
        return _empty("too-few-opinions", bounds, sentences, len(units), all_ids)
    weights = [unit.weight for unit in units]
    reduced = reduce(matrix, seed)
    chosen, stability_by_k = _choose_k(matrix, reduced, weights, bounds, seed)
    if chosen is None:
        return Result(
            [],
            "no-clear-subthemes",
            None,
            bounds,
            max(stability_by_k.values(), default=None),
            stability_by_k,
            sentences,
            len(units),
            all_ids,
            {},
        )
    k, centres = chosen
    found, main = _describe(units, reduced, centres)
    supported = {pk for item in found for pk in item.supporters}
    left_out = [pk for pk in all_ids if pk not in supported]
    return Result(
        found,
        "" if found else "no-clear-subthemes",
        k,
        bounds,
        stability_by_k[k],
        stability_by_k,
        sentences,
        len(units),
        left_out,
        main,
    )


def _features(units: list[Unit]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Terms of at least two distinct sentences: a term of one sentence joins nothing.
    vectorizer = TfidfVectorizer(analyzer=_given_terms, min_df=2, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([sorted(_terms_of(unit.lemmas)) for unit in units])
    except ValueError:  # no term in two sentences
        import scipy.sparse

        return scipy.sparse.csr_matrix((len(units), 0))
    return matrix


def _given_terms(terms: list[str]) -> list[str]:
    return terms


def _stability(matrix: Any, weights: Any, k: int, seed: int) -> tuple[float, Any]:
    """Mean adjusted Rand index between k-means runs from different seeds, and the best run."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    runs = [
        KMeans(n_clusters=k, n_init=RUN_STARTS, random_state=seed + run).fit(
            matrix, sample_weight=weights
        )
        for run in range(STABILITY_SEEDS)
    ]
    agreement = [
        adjusted_rand_score(a.labels_, b.labels_) for a, b in itertools.combinations(runs, 2)
    ]
    best = min(range(len(runs)), key=lambda run: (runs[run].inertia_, run))
    return float(np.mean(agreement)), runs[best]


def _null_matrix(matrix: Any, seed: int) -> Any:
    """The same terms with the same frequencies, each term moved to sentences drawn at random:
    text as clusterable as chance makes it."""
    import numpy as np
    import scipy.sparse
    from sklearn.preprocessing import normalize

    random = np.random.RandomState(seed)
    csc = matrix.tocsc()
    rows = np.empty_like(csc.indices)
    for column in range(csc.shape[1]):
        start, end = csc.indptr[column], csc.indptr[column + 1]
        rows[start:end] = random.choice(csc.shape[0], end - start, replace=False)
    shuffled = scipy.sparse.csc_matrix((csc.data, rows, csc.indptr), shape=csc.shape)
    return normalize(shuffled.tocsr())


def reduce(matrix: Any, seed: int) -> Any:
    """Latent semantic analysis: the TF-IDF rows projected on their LSA_DIMENSIONS main
    directions and scaled to unit length. Two short sentences rarely share a word („zieleń”,
    „drzewa”) but their words share neighbours, which the projection brings together."""
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dimensions = min(LSA_DIMENSIONS, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if dimensions < 2:
        return normalize(np.asarray(matrix.todense()))
    projected = TruncatedSVD(dimensions, random_state=seed).fit_transform(matrix)
    return normalize(projected)


def _choose_k(
    matrix: Any, reduced: Any, weights: list[int], bounds: tuple[int, int], seed: int
) -> tuple[tuple[int, Any] | None, dict[int, float]]:
    """(the chosen k and its centres, or None for no clear sub-themes; excess stability by k).

    A k counts when its runs agree (mean ARI at least STABLE_ARI) and agree by at least
    MIN_EXCESS more than on the null text of `_null_matrix` (the mean of NULL_DRAWS draws):
    small samples split stably into many tiny groups whatever they say, and the null text
    shows how much of the agreement that explains. Of the k that count, the smallest whose
    excess is within K_TOLERANCE of the largest wins: fewer, broader sub-themes unless more
    are clearly better founded.
    """
    import numpy as np
    from threadpoolctl import threadpool_limits

    rows = matrix.shape[0]
    sample = np.arange(rows)
    if rows > SELECTION_SAMPLE:
        sample = np.sort(np.random.RandomState(seed).choice(rows, SELECTION_SAMPLE, replace=False))
    sample_weights = np.asarray(weights, dtype=np.float64)[sample]
    distinct = len({matrix[row].indices.tobytes() for row in sample})
    sampled = reduced[sample]
    nulls = [reduce(_null_matrix(matrix[sample], seed + draw), seed) for draw in range(NULL_DRAWS)]
    low, high = bounds
    excess: dict[int, float] = {}
    models: dict[int, Any] = {}
    with threadpool_limits(limits=1):
        for k in range(low, min(high, distinct - 1) + 1):
            real, model = _stability(sampled, sample_weights, k, seed)
            chance = float(
                np.mean([_stability(null, sample_weights, k, seed)[0] for null in nulls])
            )
            excess[k] = round(real - chance, 4)
            if real >= STABLE_ARI and excess[k] >= MIN_EXCESS:
                models[k] = model
    if not models:
        return None, excess
    best = max(excess[candidate] for candidate in models)
    k = min(candidate for candidate in models if excess[candidate] >= best - K_TOLERANCE)
    return (k, models[k].cluster_centers_), excess


def _describe(units: list[Unit], matrix: Any, centres: Any) -> tuple[list[Found], dict[int, int]]:
    """The clusters as sub-themes (largest support first). `matrix` holds the units' reduced
    rows, of unit length, so a dot product is a cosine (closeness to a centre); the likeness
    of two quotes is measured on their words (in the reduced space every sentence on one
    subject looks alike)."""
    import numpy as np
    from sklearn.preprocessing import normalize

    unit_centres = normalize(np.asarray(centres))
    similarity = np.asarray(matrix @ unit_centres.T)
    assigned = similarity.argmax(axis=1)
    fit = similarity.max(axis=1)
    groups: dict[int, list[int]] = defaultdict(list)
    for row, cluster in enumerate(assigned.tolist()):
        if fit[row] >= MIN_FIT:
            groups[cluster].append(row)
    kept = {
        cluster: rows
        for cluster, rows in groups.items()
        if len({pk for row in rows for pk in units[row].opinions}) >= MIN_SUPPORT
    }
    labels = _labels(units, kept)
    ordered = sorted(
        kept,
        key=lambda cluster: (
            -len({pk for row in kept[cluster] for pk in units[row].opinions}),
            labels[cluster][0],
        ),
    )
    used: set[int] = set()
    found: list[Found] = []
    for index, cluster in enumerate(ordered):
        rows = kept[cluster]
        relevance = {row: float(similarity[row, cluster]) for row in rows}
        picked = _mmr(units, rows, relevance, used)
        label, top_terms = labels[cluster]
        summary_text, summary_opinion = picked[0] if picked else ("", 0)
        found.append(
            Found(
                index=index,
                label=label,
                top_terms=top_terms,
                summary=summary_text,
                summary_opinion=summary_opinion,
                supporters=sorted({pk for row in rows for pk in units[row].opinions}),
                quotes=picked[1:],
                sentences=sum(units[row].weight for row in rows),
            )
        )
    main: dict[int, int] = {}
    tally: dict[int, Counter[int]] = defaultdict(Counter)
    for item in found:
        for row in kept[ordered[item.index]]:
            for pk in units[row].opinions:
                tally[pk][item.index] += units[row].texts.total()
    for pk, counts in tally.items():
        main[pk] = min(counts.items(), key=lambda pair: (-pair[1], pair[0]))[0]
    return found, main


def _likeness(first: set[str], second: set[str]) -> float:
    """Jaccard likeness of two sentences' terms (words and word pairs)."""
    union = first | second
    return len(first & second) / len(union) if union else 1.0


def _mmr(
    units: list[Unit],
    rows: list[int],
    relevance: dict[int, float],
    used: set[int],
) -> list[tuple[str, int]]:
    """The summary (the most central sentence) and QUOTES quotes by maximal marginal
    relevance; each from an opinion not quoted anywhere in the report yet (`used` grows)."""
    chosen: list[int] = []
    picked: list[tuple[str, int]] = []
    terms = {row: _terms_of(units[row].lemmas) for row in rows}
    candidates = sorted(rows, key=lambda row: (-relevance[row], units[row].text))
    while candidates and len(picked) < QUOTES + 1:
        best: tuple[float, int] | None = None
        for row in candidates:
            if not any(pk not in used for pk in units[row].opinions):
                continue
            closest = max((_likeness(terms[row], terms[other]) for other in chosen), default=0.0)
            if closest >= SAME_QUOTE:
                continue
            score = MMR_LAMBDA * relevance[row] - (1 - MMR_LAMBDA) * closest
            if best is None or score > best[0] + 1e-12:
                best = (score, row)
        if best is None:
            break
        row = best[1]
        candidates.remove(row)
        opinion = next(pk for pk in units[row].opinions if pk not in used)
        used.add(opinion)
        chosen.append(row)
        picked.append((units[row].written[opinion], opinion))
    return picked


def _labels(units: list[Unit], groups: dict[int, list[int]]) -> dict[int, tuple[str, list[str]]]:
    """Each group's label and typical terms: terms distinctive against the other groups."""
    counts: dict[int, Counter[str]] = {}
    for cluster, rows in groups.items():
        tally: Counter[str] = Counter()
        for row in rows:
            for term in _terms_of(units[row].lemmas):
                tally[term] += units[row].weight
        counts[cluster] = tally
    pooled: Counter[str] = Counter()
    for tally in counts.values():
        pooled.update(tally)
    forms = _written_forms(units, groups)
    result: dict[int, tuple[str, list[str]]] = {}
    for cluster, tally in counts.items():
        ranked = _ranked(tally, pooled, contrast=len(groups) > 1)
        top = _pick_terms(ranked, tally, forms)
        result[cluster] = (LABEL_SEPARATOR.join(top[:LABEL_TERMS]), top)
    return result


def _ranked(tally: Counter[str], pooled: Counter[str], *, contrast: bool) -> list[str]:
    """The group's terms, most distinctive against the other groups first (log-odds z)."""
    total, pooled_total = sum(tally.values()), sum(pooled.values())

    def score(term: str) -> float:
        if not contrast:
            return float(tally[term])
        return log_odds_z(
            in_area=tally[term],
            in_all=pooled[term],
            area_total=total,
            all_total=pooled_total,
            prior=LABEL_PRIOR,
        )

    scored = sorted((-score(term), -count, term) for term, count in tally.items() if count >= 2)
    return [term for _score, _count, term in scored]


def _pick_terms(ranked: list[str], tally: Counter[str], forms: dict[str, str]) -> list[str]:
    """Up to TOP_TERMS written terms, no word twice; a word mostly written in one phrase
    („plac” in „plac zabaw”) is shown as that phrase."""
    top: list[str] = []
    words: set[str] = set()
    for term in ranked:
        term = _usual_phrase(term, tally)
        form = forms.get(term, term)
        parts = set(term.split()) | set(form.split())
        if parts & words or not _readable(form):
            continue
        top.append(form)
        words |= parts
        if len(top) == TOP_TERMS:
            break
    return top


def _readable(form: str) -> bool:
    words = form.split()
    return len(words) <= 2 or (len(words) == 3 and words[1] in LABEL_PHRASE_LINKS)


def _usual_phrase(term: str, tally: Counter[str]) -> str:
    if " " in term:
        return term
    phrases = [
        (count, phrase)
        for phrase, count in tally.items()
        if term in phrase.split(" ") and " " in phrase and count >= PHRASE_SHARE * tally[term]
    ]
    return max(phrases)[1] if phrases else term


def _written_forms(units: list[Unit], groups: dict[int, list[int]]) -> dict[str, str]:
    return written_forms(units[row] for rows in groups.values() for row in rows)


def written_forms(units: Iterable[Unit]) -> dict[str, str]:
    """Each term's most common written form in the units' sentences (lower case): „plac
    zabaw” for the lemmas „plac zabawa”; a word written in its base form somewhere keeps it
    („plac”, not the more frequent „placu”). The labels' terms and the report's key terms
    are shown so."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for unit in units:
        for text, times in unit.texts.items():
            _count_forms(text, times, seen)
    return {
        term: term
        if " " not in term and term in tally
        else min(tally.items(), key=lambda item: (-item[1], item[0]))[0]
        for term, tally in seen.items()
    }


def _count_forms(text: str, times: int, seen: dict[str, Counter[str]]) -> None:
    pairs = _aligned(text)
    content = [
        (position, word, lemma)
        for position, (word, lemma) in enumerate(pairs)
        if is_label_word(lemma)
    ]
    for _position, word, lemma in content:
        seen[lemma][word] += times
    for (first, word_a, lemma_a), (last, _word_b, lemma_b) in itertools.pairwise(content):
        if lemma_a == lemma_b:
            continue
        # The words between the two lemmas as written: „ścieżki dla rowerów”.
        written: list[str] = []
        for _word, _lemma in pairs[first : last + 1]:
            if not written or written[-1] != _word:
                written.append(_word)
        del word_a
        seen[f"{lemma_a} {lemma_b}"][" ".join(written)] += times
