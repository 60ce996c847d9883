"""Background analysis of opinions: lemmas, suggested area, near-duplicates."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from opinions.analysis.classifier import train_area_classifier
from opinions.analysis.runs import (
    analyse_backlog,
    analyse_opinions,
    candidate_groups,
    find_near_duplicate,
    similarity,
)
from opinions.analysis.tasks import analyse_opinion
from opinions.models import Opinion
from opinions.services.submission import submit_opinion
from stages.models import Consultation, ThematicArea
from tests.factories import ConsultationFactory, OpinionFactory
from tests.opinions.test_classifier import LUBLIN_CONSULTATION, load_sample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

ORIGINAL = (
    "Górki Czechowskie muszą zostać parkiem, a nie osiedlem. To płuca północnej części "
    "Lublina, miejsce, gdzie ludzie biegają i spacerują z psami."
)
# The same opinion retyped from a paper card: other case, punctuation, one word changed.
RETYPED = (
    "gorki czechowskie MUSZĄ zostać parkiem a nie osiedlem!!! to płuca północnej części "
    "Lublina - miejsce gdzie ludzie biegają i spacerują z psem"
)
UNRELATED = "Buspasy na głównych ulicach i priorytet dla autobusów na światłach."


def opinion(consultation: Consultation, text: str, minutes_ago: int, **fields: object) -> Opinion:
    return OpinionFactory(
        consultation=consultation,
        text=text,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **fields,
    )


def test_analysis_stores_lemmas_and_the_time(consultation: Consultation) -> None:
    first = opinion(consultation, "W dzielnicach brakuje miejsc parkingowych.", 5)
    second = opinion(consultation, "🙂🙂🙂 !!!", 4)

    assert analyse_opinions([first.pk, second.pk, first.pk, 999_999]) == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.lemmas == "w dzielnica brakować miejsce parkingowy"
    assert first.analysed_at is not None
    assert second.lemmas == ""
    assert second.analysed_at is not None
    assert second.possible_duplicate_of is None
    assert analyse_opinions([]) == 0


def test_a_retyped_opinion_is_a_possible_duplicate_of_the_earlier_one(
    consultation: Consultation,
) -> None:
    original = opinion(consultation, ORIGINAL, 30)
    unrelated = opinion(consultation, UNRELATED, 20)
    retyped = opinion(consultation, RETYPED, 10)

    analyse_opinions([original.pk, unrelated.pk, retyped.pk])

    retyped.refresh_from_db()
    original.refresh_from_db()
    unrelated.refresh_from_db()
    assert retyped.possible_duplicate_of == original
    # Only the later one points back: the earlier one is the original.
    assert original.possible_duplicate_of is None
    assert unrelated.possible_duplicate_of is None


def test_the_earliest_of_several_copies_is_the_original(consultation: Consultation) -> None:
    copies = [
        opinion(consultation, "Więcej zieleni i drzew na Czubach!", minutes)
        for minutes in (3, 2, 1)
    ]

    analyse_opinions([copy.pk for copy in copies])

    assert [Opinion.objects.get(pk=copy.pk).possible_duplicate_of_id for copy in copies] == [
        None,
        copies[0].pk,
        copies[0].pk,
    ]


def test_duplicates_are_looked_for_only_in_the_same_consultation(
    consultation: Consultation,
) -> None:
    elsewhere = opinion(ConsultationFactory(), ORIGINAL, 30)
    here = opinion(consultation, RETYPED, 10)

    analyse_opinions([elsewhere.pk, here.pk])

    here.refresh_from_db()
    assert here.possible_duplicate_of is None


def test_a_similar_but_different_opinion_is_not_a_duplicate(consultation: Consultation) -> None:
    first = opinion(consultation, "Więcej zieleni i drzew na Czubach, mniej betonu.", 3)
    other = opinion(consultation, "Więcej zieleni i drzew na Czubach, ławki i fontanna.", 2)

    analyse_opinions([first.pk, other.pk])

    other.refresh_from_db()
    assert other.possible_duplicate_of is None


def test_stop_word_only_opinions_are_nobodys_duplicates(consultation: Consultation) -> None:
    first = opinion(consultation, "A to to i tak nie, że no.", 2)
    second = opinion(consultation, "A to to i tak nie, że no.", 1)

    analyse_opinions([first.pk, second.pk])

    second.refresh_from_db()
    assert second.lemmas
    assert second.possible_duplicate_of is None


def test_running_the_analysis_twice_gives_the_same_result(lublin_process: None) -> None:
    load_sample()
    assert train_area_classifier() is not None
    consultation = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    ids = [
        opinion(consultation, ORIGINAL, 3, status=Opinion.Status.PENDING).pk,
        opinion(consultation, RETYPED, 2, status=Opinion.Status.PENDING).pk,
        opinion(consultation, UNRELATED, 1, status=Opinion.Status.PENDING).pk,
    ]
    fields = [
        "pk",
        "lemmas",
        "suggested_area",
        "suggested_area_confidence",
        "possible_duplicate_of",
    ]

    analyse_opinions(ids)
    once = list(Opinion.objects.filter(pk__in=ids).order_by("pk").values_list(*fields))
    analyse_opinions(ids)
    twice = list(Opinion.objects.filter(pk__in=ids).order_by("pk").values_list(*fields))

    assert once == twice
    assert once[1][4] == ids[0]


def test_an_opinion_without_area_gets_a_suggestion(lublin_process: None) -> None:
    load_sample()
    assert train_area_classifier() is not None
    consultation = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    sport = ThematicArea.objects.get(slug="sport")
    culture = ThematicArea.objects.get(slug="kultura")
    unassigned = opinion(
        consultation,
        "Potrzebujemy nowych boisk, basenu i hali sportowej przy szkołach.",
        2,
        status=Opinion.Status.PENDING,
    )
    assigned = opinion(
        consultation,
        "Potrzebujemy nowych boisk i basenu przy szkołach.",
        1,
        status=Opinion.Status.PENDING,
        area=culture,
    )

    analyse_opinions([unassigned.pk, assigned.pk])

    unassigned.refresh_from_db()
    assigned.refresh_from_db()
    assert unassigned.suggested_area == sport
    assert unassigned.suggested_area_confidence is not None
    assert 0 < unassigned.suggested_area_confidence <= 1
    # A moderator already chose: nothing to suggest.
    assert assigned.area == culture
    assert assigned.suggested_area is None


def test_without_a_trained_model_there_is_no_suggestion(consultation: Consultation) -> None:
    unassigned = opinion(consultation, "Nowe boiska przy szkołach", 1)
    analyse_opinions([unassigned.pk])
    unassigned.refresh_from_db()
    assert unassigned.suggested_area is None
    assert unassigned.suggested_area_confidence is None
    assert unassigned.analysed_at is not None


def test_backlog_analyses_the_oldest_unanalysed_first(consultation: Consultation) -> None:
    old = opinion(consultation, "Najstarsza opinia o zieleni", 30)
    middle = opinion(consultation, "Średnia opinia o parkingach", 20)
    new = opinion(consultation, "Najnowsza opinia o kulturze", 10)
    done = opinion(consultation, "Już przeanalizowana", 40, analysed_at=timezone.now())

    assert analyse_backlog(limit=2) == 2
    assert set(Opinion.objects.unanalysed()) == {new}
    assert analyse_backlog() == 1
    assert analyse_backlog() == 0
    old.refresh_from_db()
    middle.refresh_from_db()
    done.refresh_from_db()
    assert old.lemmas == "stary opinia o zieleń"
    assert done.lemmas == ""


def test_near_duplicates_use_a_few_candidates_not_every_opinion(
    consultation: Consultation, django_assert_num_queries: object
) -> None:
    for index in range(30):
        opinion(consultation, f"Zupełnie inna opinia numer {index} o autobusach", 60 + index)
    original = opinion(consultation, ORIGINAL, 30)
    retyped = opinion(consultation, RETYPED, 10)
    analyse_opinions([original.pk, retyped.pk])
    retyped.refresh_from_db()

    # PostgreSQL: 1. SAVEPOINT, 2. SET LOCAL jit = off, 3. the GIN index look-ups (one per
    # group of words) of the candidates' ids, 4. the lemmas of the earliest candidates,
    # 5. RELEASE SAVEPOINT. SQLite (no text index): 1. the opinions around it.
    expected = 5 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(expected):  # type: ignore[operator]
        assert find_near_duplicate(retyped) == original.pk


@given(
    shared=st.sets(st.sampled_from([f"w{index}" for index in range(40)]), min_size=1, max_size=30),
    only_first=st.sets(st.sampled_from([f"a{index}" for index in range(10)]), max_size=10),
    only_second=st.sets(st.sampled_from([f"b{index}" for index in range(10)]), max_size=10),
)
def test_every_similar_set_contains_a_whole_group(
    shared: set[str], only_first: set[str], only_second: set[str]
) -> None:
    first = shared | only_first
    second = shared | only_second
    groups = candidate_groups(first)
    assert sorted(lemma for group in groups for lemma in group) == sorted(first)
    if similarity(first, second) >= 0.8:
        assert any(set(group) <= second for group in groups)


# --- In a real worker: the task runs after the opinion is committed -------------------------


def test_submitting_enqueues_the_analysis_only_after_commit(
    django_capture_on_commit_callbacks: object,
) -> None:
    consultation = ConsultationFactory()

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        submitted, _created = submit_opinion(consultation=consultation, text=RETYPED)

    # Nothing was analysed inside the request's transaction; the task waits for the commit.
    assert len(callbacks) == 1
    submitted.refresh_from_db()
    assert submitted.analysed_at is None
    analyse_opinion(submitted.pk)
    submitted.refresh_from_db()
    assert submitted.analysed_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_submitted_opinion_is_analysed_by_the_worker_after_commit(worker: None) -> None:
    consultation = ConsultationFactory()
    earlier = opinion(consultation, ORIGINAL, 30)
    analyse_opinion(earlier.pk)

    # A real commit: submit_opinion's on-commit hook sends the task to the broker.
    submitted, created = submit_opinion(consultation=consultation, text=RETYPED)

    assert created
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        submitted.refresh_from_db()
        if submitted.analysed_at is not None:
            break
        time.sleep(0.1)
    assert submitted.analysed_at is not None
    assert submitted.lemmas.startswith("górka czechowski musieć zostać park")
    assert submitted.possible_duplicate_of == earlier
