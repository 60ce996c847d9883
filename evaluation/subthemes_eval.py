"""Sub-themes of the thematic reports, per area, over data/opinions-sample.csv and generated
demo opinions (lublin2030/demo: the sample's sentences recombined with a bank of further
sentences, so the same sentence recurs as it does in a real consultation).

Per area: opinions, distinct sentences (after near-duplicates are collapsed), the number of
sub-themes (0 = "no clear sub-themes") beside the largest k allowed, the share of distinct
quotes and the share of labels with a stop word. Targets: every quote distinct and from an
opinion quoted nowhere else in the area, no label with a stop word, no area whose k drifts to
the largest allowed (the drift the silhouette had), and the sample alone (20 opinions an area)
found too small for sub-themes in most areas rather than split into groups of one or two.

Drift: an area at the largest k allowed (UNITS_PER_SUBTHEME distinct sentences a sub-theme
at least, K_MAX at most) is found again with that limit raised by WIDEN_K. A criterion that
drifts follows the limit up; one that found the data's groups stays below the new limit (the
limit, not the criterion, held it back the first time).
"""

from __future__ import annotations

from collections import defaultdict

from evaluation.targets import Target

TITLE = "Sub-themes per area (data/opinions-sample.csv + demo opinions)"
ORDER = 40
DEMO_OPINIONS = 3000
DEMO_SEED = 2030
WIDEN_K = 4


def _areas(*, demo: int) -> dict[str, list[tuple[int, str]]]:
    from lublin2030.demo.opinions import DemoGenerator, read_sample

    cards = read_sample()
    areas: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for number, card in enumerate(cards, start=1):
        areas[card.area].append((number, card.text))
    if demo:
        generator = DemoGenerator(
            seed=DEMO_SEED,
            cards=cards,
            area_slugs=sorted(areas),
            district_names={},
        )
        for index in range(demo):
            opinion = generator.opinion(index)
            if opinion.area_slug:  # opinions without an area are in no report
                areas[opinion.area_slug].append((len(cards) + 1 + index, opinion.text))
    return dict(areas)


def _label_has_stopword(label: str) -> bool:
    """A label term that is a stop word or generic word, or a phrase beginning or ending with
    one (a function word inside a phrase, „ścieżki dla rowerów”, is part of how it is written)."""
    from opinions.analysis.text import lemmatize
    from opinions.reports.subthemes import LABEL_SEPARATOR, LABEL_STOPWORDS

    for term in label.split(LABEL_SEPARATOR):
        lemmas = lemmatize(term)
        if lemmas and (lemmas[0] in LABEL_STOPWORDS or lemmas[-1] in LABEL_STOPWORDS):
            return True
    return False


def evaluate() -> list[Target]:
    from opinions.reports.subthemes import find_subthemes

    quotes = distinct = labels = with_stop = at_max = drifted = 0
    sample_only_found = 0
    for documents in _areas(demo=0).values():
        if find_subthemes(documents).subthemes:
            sample_only_found += 1
    print(f"sample alone: {sample_only_found} of 12 areas have sub-themes")
    print(
        f"{'area':<24}{'opinions':>9}{'units':>7}{'k':>4}{'max k':>6}{'k, max raised':>14}"
        f"{'left out':>9}{'distinct quotes':>16}{'stop-word labels':>17}"
    )
    for area, documents in sorted(_areas(demo=DEMO_OPINIONS).items()):
        result = find_subthemes(documents)
        area_quotes = [
            opinion
            for item in result.subthemes
            for opinion in [item.summary_opinion, *(pk for _text, pk in item.quotes)]
        ]
        texts = [
            text
            for item in result.subthemes
            for text in [item.summary, *(text for text, _pk in item.quotes)]
        ]
        quotes += len(area_quotes)
        distinct += min(len(set(area_quotes)), len(set(texts)))
        stop = sum(_label_has_stopword(item.label) for item in result.subthemes)
        labels += len(result.subthemes)
        with_stop += stop
        k = len(result.subthemes)
        widened = "–"
        if result.k is not None and result.k == result.k_range[1]:
            at_max += 1
            again = find_subthemes(documents, widen_k=WIDEN_K)
            drifted += int(again.k == again.k_range[1])
            widened = f"{again.k} of {again.k_range[1]}"
        share = len(set(area_quotes)) / len(area_quotes) if area_quotes else 1.0
        print(
            f"{area:<24}{len(documents):>9}{result.units:>7}{k:>4}{result.k_range[1]:>6}"
            f"{widened:>14}{len(result.left_out):>9}{share:>16.2f}{stop:>17}"
        )
        for item in result.subthemes:
            print(f"    {len(item.supporters):>4}  {item.label}  —  {item.summary[:90]}")
    return [
        Target("sub-themes: share of distinct quotes", distinct / quotes if quotes else 1.0, 1.0),
        Target(
            "sub-themes: share of labels with a stop word",
            with_stop / labels if labels else 0.0,
            0.0,
            "max",
        ),
        Target(
            f"sub-themes: areas whose k follows the largest allowed up ({at_max} at it)",
            float(drifted),
            0.0,
            "max",
        ),
    ]
