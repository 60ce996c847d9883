"""Key terms and sub-themes of thematic reports (opinions/report_terms.py)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from opinions.analysis.text import STOPWORDS, lemma_string
from opinions.models import Channel, Opinion, ThematicReport
from opinions.reports.building import build_report, create_report_versions, report_opinions
from opinions.reports.terms import (
    MIN_COUNT,
    TermCounts,
    content_terms,
    count_terms,
    distinctive_terms,
    log_odds_z,
    term_pattern,
)
from stages.models import Consultation, District, ThematicArea

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"
LUBLIN_CONSULTATION = "jaki-ma-byc-lublin-w-2030"


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def load_sample_opinions() -> list[Opinion]:
    """The 240 sample cards as published opinions with their areas, districts and lemmas
    (as the analysis task stores them). Needs the `lublin_process` fixture."""
    consultation = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    areas = {area.slug: area for area in ThematicArea.objects.all()}
    districts = {district.name: district for district in District.objects.all()}
    start = timezone.now() - dt.timedelta(days=30)
    return Opinion.objects.bulk_create(
        Opinion(
            consultation=consultation,
            text=row["text"],
            lemmas=lemma_string(row["text"]),
            area=areas[row["area"]],
            district=districts.get(row["district"]),
            channel=row["channel"] or Channel.ONLINE,
            age_band=row["age_band"],
            collected_on=dt.date.fromisoformat(row["collected_on"]),
            created_at=start + dt.timedelta(minutes=index),
            status=Opinion.Status.PUBLISHED,
            analysed_at=start,
        )
        for index, row in enumerate(sample_rows())
    )


def build_area(slug: str) -> ThematicReport:
    [report] = create_report_versions(areas=ThematicArea.objects.filter(slug=slug))
    built = build_report(report_id=report.pk)
    assert built.status == ThematicReport.Status.BUILT, built.error
    return built


# --- Terms ---------------------------------------------------------------------------------


def test_terms_are_content_lemmas_and_neighbouring_pairs_without_stop_words() -> None:
    terms = content_terms(lemma_string("Ścieżki dla rowerów i drzewa w parku!"))

    assert "ścieżka" in terms
    assert "ścieżka rower" in terms  # „dla” is a stop word: the pair spans it
    assert not terms & STOPWORDS
    assert all(len(term.split()) in (1, 2) for term in terms)


def test_stop_words_typed_without_polish_letters_are_stop_words_too() -> None:
    terms = content_terms("wiecej drzewo juz jakis park moc")

    assert terms == {"drzewo", "park", "moc", "drzewo park", "park moc"}


def test_only_stop_words_or_emoji_give_no_terms() -> None:
    assert content_terms(lemma_string("i w na 🙂🙂🙂 !!!")) == set()
    assert content_terms("") == set()


def test_counts_are_opinions_not_occurrences() -> None:
    counts = count_terms(["drzewo drzewo drzewo park", "drzewo", "park i drzewo"])

    assert counts.counts["drzewo"] == 3
    assert counts.counts["park"] == 2
    assert counts.counts["drzewo park"] == 1
    assert counts.counts["park drzewo"] == 1  # „i” between them is a stop word
    assert counts.documents == 3


WORDS = ["drzewo", "park", "rower", "ścieżka", "żółw2030"]
STOP = ["i", "w", "na", "do", "nie", "wiecej"]


@given(
    st.lists(st.sampled_from(WORDS + STOP), max_size=12),
    st.sampled_from(WORDS),
    st.sampled_from([*WORDS, None]),
)
def test_term_pattern_matches_exactly_the_opinions_the_term_is_counted_in(
    lemmas: list[str], first: str, second: str | None
) -> None:
    stored = " ".join(lemmas)
    term = first if second is None else f"{first} {second}"
    pattern = term_pattern(term)
    assert pattern is not None

    assert bool(re.search(pattern, stored)) == (term in content_terms(stored))


def test_term_pattern_refuses_what_cannot_be_a_term() -> None:
    assert term_pattern("") is None
    assert term_pattern("drzewo'; DROP TABLE") is None
    assert term_pattern("i") is None  # a stop word is never counted


def test_log_odds_prefers_terms_distinctive_for_the_area() -> None:
    common = log_odds_z(in_area=50, in_all=500, area_total=1000, all_total=10_000)
    distinctive = log_odds_z(in_area=50, in_all=60, area_total=1000, all_total=10_000)
    rare_elsewhere = log_odds_z(in_area=5, in_all=6, area_total=1000, all_total=10_000)

    assert distinctive > rare_elsewhere > 0  # frequent and distinctive beats merely rare
    assert distinctive > common
    assert abs(common) < 1  # as frequent here as everywhere: not distinctive


def test_log_odds_stays_finite_without_other_areas() -> None:
    alone = log_odds_z(in_area=5, in_all=5, area_total=10, all_total=10)
    single_term = log_odds_z(in_area=5, in_all=5, area_total=5, all_total=5)

    assert all(value == value and abs(value) < 1e6 for value in (alone, single_term))


def test_distinctive_terms_respect_min_count_and_rank_by_score() -> None:
    area = count_terms(["drzewo park"] * 6 + ["rower"] * 2 + ["miasto"] * 5)
    others = count_terms(["miasto rower"] * 40 + ["szkoła"] * 20)
    everything = TermCounts(
        area.counts + others.counts,
        area.word_total + others.word_total,
        area.phrase_total + others.phrase_total,
        area.documents + others.documents,
    )

    terms = distinctive_terms(area, everything)
    names = [row["term"] for row in terms]

    assert "rower" not in names  # in only 2 of the area's opinions (< MIN_COUNT)
    assert names[:3] == sorted(names[:3], key=lambda name: -next(
        row["score"] for row in terms if row["term"] == name
    ))  # fmt: skip
    assert {"drzewo", "park", "drzewo park"} <= set(names)
    assert all(row["count"] >= MIN_COUNT for row in terms)
    assert [row["lemmas"] for row in terms if row["term"] == "drzewo park"] == [["drzewo", "park"]]
    scores = [row["score"] for row in terms]
    assert scores == sorted(scores, reverse=True)


def test_sample_terms_of_green_city_are_about_trees_and_greenery(lublin_process: None) -> None:
    load_sample_opinions()

    green = build_area("miasto-zielone")
    mobility = build_area("urbanistyka-mobilnosc")

    green_terms = {row["term"] for row in green.content["terms"]}
    mobility_terms = {row["term"] for row in mobility.content["terms"]}
    assert green_terms & {"drzewo", "zielony", "zieleń", "park", "skwer"}
    assert mobility_terms & {"autobus", "chodnik", "drogi", "rower", "samochód", "parkowanie"}
    assert not green_terms & STOPWORDS
    # Each count is the number of opinions the term's link lists.
    for report in (green, mobility):
        for row in report.content["terms"]:
            assert report_opinions(report, term=row["term"]).count() == row["count"]
