"""Verification services: the outcome rule, claiming, recording verdicts, and races."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.factories import verifier
from tests.workgroups.factories import WorkingGroupFactory, recommendation
from workgroups.models import CriterionVerdict, Recommendation, Verification
from workgroups.services.verification import (
    AlreadyHandled,
    CriterionInput,
    conditions_of,
    outcome_of,
    record_verdicts,
    start_verification,
)

pytestmark = pytest.mark.django_db

P, C, N = "positive", "conditional", "negative"


def three(legality: str, feasibility: str, financing: str) -> dict[str, str]:
    return {"legality": legality, "feasibility": feasibility, "financing": financing}


def inputs(
    legality: str = P, feasibility: str = P, financing: str = P
) -> dict[str, CriterionInput]:
    return {
        criterion: CriterionInput(verdict, f"Uzasadnienie: {criterion} jest {verdict}.")
        for criterion, verdict in three(legality, feasibility, financing).items()
    }


def submitted(versions: int = 2) -> Recommendation:
    return recommendation(
        WorkingGroupFactory(), status=Recommendation.Status.SUBMITTED, versions=versions
    )


# --- The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdicts", "choice", "expected"),
    [
        (three(P, P, P), "", "verified"),
        (three(C, P, P), "", "verified"),
        (three(C, C, C), "", "verified"),
        (three(P, C, P), "returned", "verified"),  # the choice only matters with a negative
        (three(N, P, P), "returned", "returned"),
        (three(P, N, P), "rejected", "rejected"),
        (three(P, C, N), "returned", "returned"),
        (three(N, N, N), "rejected", "rejected"),
    ],
)
def test_outcome_follows_from_the_three_verdicts(
    verdicts: dict[str, str], choice: str, expected: str
) -> None:
    assert outcome_of(verdicts, negative_outcome=choice) == expected


@pytest.mark.parametrize("choice", ["", "verified", "maybe"])
def test_a_negative_verdict_needs_the_choice_of_returned_or_rejected(choice: str) -> None:
    with pytest.raises(ValueError, match="returned or rejected"):
        outcome_of(three(P, N, P), negative_outcome=choice)


def test_every_criterion_needs_a_known_verdict() -> None:
    with pytest.raises(ValueError, match="each of"):
        outcome_of({"legality": P, "feasibility": P})
    with pytest.raises(ValueError, match="unknown"):
        outcome_of(three(P, "fine", P))


# --- Claiming ---------------------------------------------------------------------------------


def test_start_claims_a_submitted_recommendation_on_its_current_version() -> None:
    rec = submitted(versions=3)
    anna = verifier()

    verification = start_verification(recommendation=rec, verifier=anna)

    rec.refresh_from_db()
    assert rec.status == "under_verification"
    assert verification.version == rec.current
    assert verification.version.number == 3
    assert (verification.verifier, verification.outcome) == (anna, "")


def test_a_second_verifier_starting_the_same_one_is_refused() -> None:
    rec = submitted()
    start_verification(recommendation=rec, verifier=verifier())

    with pytest.raises(AlreadyHandled) as refused:
        start_verification(recommendation=rec, verifier=verifier())

    assert isinstance(refused.value.current, Recommendation)
    assert refused.value.current.status == "under_verification"
    assert Verification.objects.filter(recommendation=rec).count() == 1


@pytest.mark.parametrize("status", ["draft", "returned", "verified", "rejected", "adopted"])
def test_only_a_submitted_recommendation_can_be_started(status: str) -> None:
    rec = recommendation(WorkingGroupFactory(), status=status)
    with pytest.raises(AlreadyHandled):
        start_verification(recommendation=rec, verifier=verifier())
    rec.refresh_from_db()
    assert rec.status == status
    assert not Verification.objects.exists()


# --- Recording verdicts -------------------------------------------------------------------------


def started(versions: int = 2) -> tuple[Recommendation, Verification]:
    rec = submitted(versions=versions)
    verification = start_verification(recommendation=rec, verifier=verifier())
    return rec, verification


def test_all_positive_or_conditional_verifies_with_the_conditions_listed() -> None:
    rec, verification = started()
    given = inputs(P, C, C)

    record_verdicts(
        verification=verification,
        verifier=verification.verifier,  # type: ignore[arg-type]
        verdicts=given,
        expected_version=2,
    )

    rec.refresh_from_db()
    verification.refresh_from_db()
    assert rec.status == "verified"
    assert verification.outcome == "verified"
    assert verification.decided_at is not None
    assert [(v.criterion, v.verdict) for v in conditions_of(verification)] == [
        ("feasibility", "conditional"),
        ("financing", "conditional"),
    ]
    assert {v.criterion: v.justification for v in verification.verdicts.all()} == {
        c: i.justification for c, i in given.items()
    }


@pytest.mark.parametrize("choice", ["returned", "rejected"])
def test_a_negative_verdict_returns_or_rejects_as_the_verifier_chooses(choice: str) -> None:
    rec, verification = started()

    record_verdicts(
        verification=verification,
        verifier=verification.verifier,  # type: ignore[arg-type]
        verdicts=inputs(P, P, N),
        negative_outcome=choice,
        reasons="Brak źródła finansowania w budżecie miasta.",
        expected_version=2,
    )

    rec.refresh_from_db()
    assert rec.status == choice
    assert Verification.objects.get().outcome == choice
    assert Verification.objects.get().reasons == "Brak źródła finansowania w budżecie miasta."


def test_a_negative_verdict_without_the_choice_or_reasons_is_refused_and_changes_nothing() -> None:
    rec, verification = started()
    who = verification.verifier

    with pytest.raises(ValidationError) as no_choice:
        record_verdicts(
            verification=verification,
            verifier=who,  # type: ignore[arg-type]
            verdicts=inputs(N, P, P),
            reasons="Niezgodne z ustawą.",
            expected_version=2,
        )
    with pytest.raises(ValidationError) as no_reasons:
        record_verdicts(
            verification=verification,
            verifier=who,  # type: ignore[arg-type]
            verdicts=inputs(N, P, P),
            negative_outcome="rejected",
            expected_version=2,
        )

    assert "negative_outcome" in no_choice.value.message_dict
    assert "reasons" in no_reasons.value.message_dict
    rec.refresh_from_db()
    assert rec.status == "under_verification"
    assert not CriterionVerdict.objects.exists()


def test_each_criterion_needs_a_verdict_and_a_justification() -> None:
    _rec, verification = started()
    given = inputs()
    given["legality"] = CriterionInput("positive", "   ")
    del given["financing"]

    with pytest.raises(ValidationError) as refused:
        record_verdicts(
            verification=verification,
            verifier=verification.verifier,  # type: ignore[arg-type]
            verdicts=given,
            expected_version=2,
        )

    assert set(refused.value.message_dict) == {"legality", "financing"}
    assert Verification.objects.get().outcome == ""


def test_deciding_twice_is_refused_and_keeps_the_first_result() -> None:
    rec, verification = started()
    who = verification.verifier
    record_verdicts(
        verification=verification,
        verifier=who,  # type: ignore[arg-type]
        verdicts=inputs(),
        expected_version=2,
    )

    with pytest.raises(AlreadyHandled):
        record_verdicts(
            verification=Verification.objects.get(),
            verifier=who,  # type: ignore[arg-type]
            verdicts=inputs(N, N, N),
            negative_outcome="rejected",
            reasons="Jednak nie.",
            expected_version=2,
        )

    rec.refresh_from_db()
    assert rec.status == "verified"
    assert CriterionVerdict.objects.count() == 3
    assert not CriterionVerdict.objects.filter(verdict="negative").exists()


def test_another_verifier_cannot_decide_a_verification_someone_claimed() -> None:
    rec, verification = started()

    with pytest.raises(AlreadyHandled):
        record_verdicts(
            verification=verification,
            verifier=verifier(),
            verdicts=inputs(),
            expected_version=2,
        )

    rec.refresh_from_db()
    assert rec.status == "under_verification"


def test_verdicts_about_an_older_version_are_refused() -> None:
    _rec, verification = started(versions=2)

    with pytest.raises(AlreadyHandled) as refused:
        record_verdicts(
            verification=verification,
            verifier=verification.verifier,  # type: ignore[arg-type]
            verdicts=inputs(),
            expected_version=1,
        )

    assert isinstance(refused.value.current, Recommendation)
    assert Verification.objects.get().outcome == ""
    assert not CriterionVerdict.objects.exists()


def test_a_returned_recommendation_resubmitted_gets_a_fresh_verification() -> None:
    rec, first = started()
    record_verdicts(
        verification=first,
        verifier=first.verifier,  # type: ignore[arg-type]
        verdicts=inputs(N, P, P),
        negative_outcome="returned",
        reasons="Do poprawy podstawa prawna.",
        expected_version=2,
    )
    # The group resubmits (another helper's service does this; here by the status alone).
    Recommendation.objects.filter(pk=rec.pk).update(status="submitted")

    second = start_verification(recommendation=rec, verifier=verifier())

    assert second.pk != first.pk
    assert Verification.objects.filter(recommendation=rec).count() == 2


# --- Two verifiers at the same moment ----------------------------------------------------------


def race(calls: dict[str, Callable[[], object]]) -> dict[str, str]:
    """Start the calls at the same moment, each in its own thread (and connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: dict[str, str] = {}

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[name] = "won"
        except AlreadyHandled:
            outcomes[name] = "already handled"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        # SQLite's in-memory test database refuses a second writer at once ("table is
        # locked") instead of making it wait: no meaningful race there.
        pytest.skip("the race needs PostgreSQL's row locks")


@pytest.mark.django_db(transaction=True)
def test_two_verifiers_starting_at_once_exactly_one_claims_it() -> None:
    _needs_postgresql()
    anna, piotr = verifier(), verifier()
    for round_number in range(10):
        rec = submitted()

        outcomes = race(
            {
                "anna": lambda rec=rec: start_verification(recommendation=rec, verifier=anna),
                "piotr": lambda rec=rec: start_verification(recommendation=rec, verifier=piotr),
            }
        )

        assert sorted(outcomes.values()) == ["already handled", "won"], round_number
        winner = anna if outcomes["anna"] == "won" else piotr
        assert Verification.objects.filter(recommendation=rec).get().verifier == winner


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_the_same_verdicts_at_once_decide_it_once() -> None:
    _needs_postgresql()
    for round_number in range(10):
        rec, verification = started()
        who = verification.verifier

        outcomes = race(
            {
                "verify": lambda v=verification, who=who: record_verdicts(
                    verification=v, verifier=who, verdicts=inputs(), expected_version=2
                ),
                "reject": lambda v=verification, who=who: record_verdicts(
                    verification=v,
                    verifier=who,
                    verdicts=inputs(N, N, N),
                    negative_outcome="rejected",
                    reasons="Niezgodne z prawem.",
                    expected_version=2,
                ),
            }
        )

        assert sorted(outcomes.values()) == ["already handled", "won"], round_number
        rec.refresh_from_db()
        assert rec.status == ("verified" if outcomes["verify"] == "won" else "rejected")
        assert CriterionVerdict.objects.filter(verification=verification).count() == 3
