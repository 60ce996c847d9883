"""Writing recommendations through the services: versions, optimistic locking, restoring,
evidence kept in step with each version, submission and publication."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from opinions.models import Opinion
from tests.factories import OpinionFactory, UserFactory, editor, verifier
from tests.workgroups.factories import WorkingGroupFactory, leader, member
from tests.workgroups.test_recommendation_helpers import built_report, decide, drafted, text
from workgroups.models import (
    OpinionEvidence,
    Recommendation,
    RecommendationVersion,
    ReportEvidence,
    WorkingGroup,
)
from workgroups.services.recommendations import (
    Cited,
    NotEditable,
    StaleVersion,
    publish_recommendation,
    restore_version,
    save_recommendation,
    submit_recommendation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group() -> WorkingGroup:
    return WorkingGroupFactory()


# --- Creating and saving -----------------------------------------------------------------------


def test_creating_numbers_recommendations_per_group_with_a_first_version(
    group: WorkingGroup,
) -> None:
    anna = member(group)
    first = drafted(group, anna, title="Pierwsza")
    second = drafted(group, anna, title="Druga")
    other_group = WorkingGroupFactory()
    elsewhere = drafted(other_group, member(other_group), title="Gdzie indziej")

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.status == Recommendation.Status.DRAFT
    assert first.version == 1
    assert first.current is not None
    assert (first.current.number, first.current.title, first.current.author) == (
        1,
        "Pierwsza",
        anna,
    )


def test_only_members_of_the_group_create(group: WorkingGroup) -> None:
    outsider = member(WorkingGroupFactory())
    with pytest.raises(PermissionDenied):
        drafted(group, outsider)
    with pytest.raises(PermissionDenied):
        drafted(group, UserFactory())
    assert not Recommendation.objects.exists()


def test_every_save_makes_a_version_with_author_time_and_note(group: WorkingGroup) -> None:
    anna, piotr = member(group), member(group)
    rec = drafted(group, anna)
    before = timezone.now()

    version = save_recommendation(
        recommendation_id=rec.pk,
        author=piotr,
        expected_version=1,
        text=text("Zielone podwórka i skwery", diagnosis="Nowa diagnoza."),
        note="Poprawiona diagnoza",
    )

    rec.refresh_from_db()
    assert (version.number, version.author, version.note) == (2, piotr, "Poprawiona diagnoza")
    assert before <= version.created_at <= timezone.now()
    assert (rec.version, rec.current, rec.title) == (2, version, "Zielone podwórka i skwery")
    first = RecommendationVersion.objects.get(recommendation=rec, number=1)
    assert first.diagnosis == "Brakuje drzew."  # the older version is untouched


def test_a_save_from_a_stale_version_is_refused_with_the_current_one(group: WorkingGroup) -> None:
    anna, piotr = member(group), member(group)
    rec = drafted(group, anna)
    save_recommendation(
        recommendation_id=rec.pk, author=anna, expected_version=1, text=text(vision="Wizja Anny")
    )

    with pytest.raises(StaleVersion) as refused:
        save_recommendation(
            recommendation_id=rec.pk,
            author=piotr,
            expected_version=1,
            text=text(vision="Wizja Piotra"),
        )

    assert refused.value.current.number == 2
    assert refused.value.current.vision == "Wizja Anny"
    assert refused.value.current.author == anna
    assert RecommendationVersion.objects.filter(recommendation=rec).count() == 2
    # Piotr saves again against version 2: nothing lost on either side.
    merged = save_recommendation(
        recommendation_id=rec.pk,
        author=piotr,
        expected_version=2,
        text=text(vision="Wizja Anny i Piotra"),
    )
    assert merged.number == 3


def test_members_of_another_group_cannot_save(group: WorkingGroup) -> None:
    rec = drafted(group, member(group))
    with pytest.raises(PermissionDenied):
        save_recommendation(
            recommendation_id=rec.pk,
            author=member(WorkingGroupFactory()),
            expected_version=1,
            text=text(),
        )
    with pytest.raises(PermissionDenied):
        save_recommendation(
            recommendation_id=rec.pk, author=editor(), expected_version=1, text=text()
        )


def test_a_title_is_required_and_directions_need_their_text(group: WorkingGroup) -> None:
    anna = member(group)
    rec = drafted(group, anna)
    with pytest.raises(ValidationError):
        save_recommendation(
            recommendation_id=rec.pk, author=anna, expected_version=1, text=text("   ")
        )
    with pytest.raises(ValidationError):
        save_recommendation(
            recommendation_id=rec.pk,
            author=anna,
            expected_version=1,
            text=text(directions=[{"text": "", "indicator": "liczba", "responsible_unit": ""}]),
        )
    saved = save_recommendation(
        recommendation_id=rec.pk,
        author=anna,
        expected_version=1,
        text=text(
            directions=[
                {"text": "  Ścieżki rowerowe ", "indicator": "", "responsible_unit": ""},
                {"text": "", "indicator": "", "responsible_unit": ""},
            ]
        ),
    )
    assert saved.directions == [
        {"text": "Ścieżki rowerowe", "indicator": "", "responsible_unit": ""}
    ]


# --- Evidence ----------------------------------------------------------------------------------


def test_evidence_is_snapshotted_per_version_and_kept_in_step(group: WorkingGroup) -> None:
    anna = member(group)
    ours, theirs = OpinionFactory(area=group.area), OpinionFactory()
    report = built_report(group.area)
    rec = drafted(
        group,
        anna,
        opinions=[Cited(ours.pk, "Mieszkańcy chcą drzew"), Cited(ours.pk, "duplikat")],
        reports=[Cited(report.pk, "Rozdział o zieleni")],
    )
    assert rec.current is not None
    assert rec.current.evidence == {
        "opinions": [{"id": ours.pk, "note": "Mieszkańcy chcą drzew"}],
        "reports": [{"id": report.pk, "note": "Rozdział o zieleni"}],
    }

    second = save_recommendation(
        recommendation_id=rec.pk,
        author=anna,
        expected_version=1,
        text=text(opinions=[Cited(theirs.pk, "Z innego obszaru")]),
    )

    assert second.evidence == {
        "opinions": [{"id": theirs.pk, "note": "Z innego obszaru"}],
        "reports": [],
    }
    assert list(
        OpinionEvidence.objects.filter(recommendation=rec).values_list("opinion", "note")
    ) == [(theirs.pk, "Z innego obszaru")]
    assert not ReportEvidence.objects.filter(recommendation=rec).exists()
    first = RecommendationVersion.objects.get(recommendation=rec, number=1)
    assert first.evidence["opinions"] == [{"id": ours.pk, "note": "Mieszkańcy chcą drzew"}]


def test_unpublished_opinions_and_other_areas_reports_cannot_be_cited(group: WorkingGroup) -> None:
    anna = member(group)
    rec = drafted(group, anna)
    pending = OpinionFactory(status=Opinion.Status.PENDING)
    with pytest.raises(ValidationError) as refused:
        save_recommendation(
            recommendation_id=rec.pk,
            author=anna,
            expected_version=1,
            text=text(opinions=[Cited(pending.pk), Cited(999_999)]),
        )
    assert str(pending.pk) in str(refused.value) and "999999" in str(refused.value)
    other_area_report = built_report(WorkingGroupFactory().area)
    with pytest.raises(ValidationError):
        save_recommendation(
            recommendation_id=rec.pk,
            author=anna,
            expected_version=1,
            text=text(reports=[Cited(other_area_report.pk)]),
        )
    rec.refresh_from_db()
    assert rec.version == 1


# --- Restoring ---------------------------------------------------------------------------------


def test_restoring_makes_a_new_version_with_the_old_text_and_evidence(group: WorkingGroup) -> None:
    anna = member(group)
    cited = OpinionFactory()
    rec = drafted(group, anna, vision="Pierwsza wizja", opinions=[Cited(cited.pk, "ważna")])
    save_recommendation(
        recommendation_id=rec.pk, author=anna, expected_version=1, text=text(vision="Druga wizja")
    )

    restored = restore_version(recommendation_id=rec.pk, number=1, author=anna, expected_version=2)

    rec.refresh_from_db()
    assert (restored.number, restored.restored_from, restored.vision) == (3, 1, "Pierwsza wizja")
    assert rec.current == restored and rec.version == 3
    assert restored.evidence["opinions"] == [{"id": cited.pk, "note": "ważna"}]
    assert OpinionEvidence.objects.get(recommendation=rec).opinion == cited
    assert RecommendationVersion.objects.filter(recommendation=rec).count() == 3


def test_restoring_leaves_out_opinions_unpublished_since(group: WorkingGroup) -> None:
    anna = member(group)
    cited = OpinionFactory()
    rec = drafted(group, anna, opinions=[Cited(cited.pk)])
    save_recommendation(recommendation_id=rec.pk, author=anna, expected_version=1, text=text())
    Opinion.objects.filter(pk=cited.pk).update(status=Opinion.Status.PENDING)

    restored = restore_version(recommendation_id=rec.pk, number=1, author=anna, expected_version=2)

    assert restored.evidence["opinions"] == []


def test_restoring_from_a_stale_page_is_refused(group: WorkingGroup) -> None:
    anna = member(group)
    rec = drafted(group, anna)
    save_recommendation(recommendation_id=rec.pk, author=anna, expected_version=1, text=text())
    with pytest.raises(StaleVersion):
        restore_version(recommendation_id=rec.pk, number=1, author=anna, expected_version=1)


# --- Submitting and publishing -----------------------------------------------------------------


def test_only_the_leader_submits(group: WorkingGroup) -> None:
    chair = leader(group)
    rec = drafted(group, member(group))
    for someone in (member(group), member(WorkingGroupFactory()), editor(), verifier()):
        with pytest.raises(PermissionDenied):
            submit_recommendation(recommendation_id=rec.pk, actor=someone)
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.DRAFT

    submitted = submit_recommendation(recommendation_id=rec.pk, actor=chair, expected_version=1)

    assert submitted.status == Recommendation.Status.SUBMITTED
    assert submitted.submitted_at is not None


def test_the_leader_cannot_submit_a_text_saved_after_they_looked(group: WorkingGroup) -> None:
    chair, anna = leader(group), member(group)
    rec = drafted(group, anna)
    save_recommendation(recommendation_id=rec.pk, author=anna, expected_version=1, text=text())
    with pytest.raises(StaleVersion) as refused:
        submit_recommendation(recommendation_id=rec.pk, actor=chair, expected_version=1)
    assert refused.value.current.number == 2
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.DRAFT


@pytest.mark.parametrize(
    "status",
    [
        Recommendation.Status.SUBMITTED,
        Recommendation.Status.UNDER_VERIFICATION,
        Recommendation.Status.VERIFIED,
        Recommendation.Status.REJECTED,
    ],
)
def test_nobody_edits_or_resubmits_until_it_is_returned(group: WorkingGroup, status: str) -> None:
    chair, anna = leader(group), member(group)
    rec = drafted(group, anna)
    Recommendation.objects.filter(pk=rec.pk).update(status=status)
    for attempt in (
        lambda: save_recommendation(
            recommendation_id=rec.pk, author=anna, expected_version=1, text=text()
        ),
        lambda: save_recommendation(
            recommendation_id=rec.pk, author=chair, expected_version=1, text=text()
        ),
        lambda: restore_version(
            recommendation_id=rec.pk, number=1, author=anna, expected_version=1
        ),
        lambda: submit_recommendation(recommendation_id=rec.pk, actor=chair),
    ):
        with pytest.raises(NotEditable):
            attempt()
    assert RecommendationVersion.objects.filter(recommendation=rec).count() == 1


def test_a_returned_recommendation_is_edited_and_submitted_again(group: WorkingGroup) -> None:
    chair, anna = leader(group), member(group)
    rec = drafted(group, anna)
    submit_recommendation(recommendation_id=rec.pk, actor=chair)
    decide(rec, "returned", reasons="Brak źródeł finansowania.")

    save_recommendation(recommendation_id=rec.pk, author=anna, expected_version=1, text=text())
    again = submit_recommendation(recommendation_id=rec.pk, actor=chair, expected_version=2)

    assert again.status == Recommendation.Status.SUBMITTED


@pytest.mark.parametrize("outcome", ["verified", "rejected"])
def test_editors_publish_a_decided_recommendation_once(group: WorkingGroup, outcome: str) -> None:
    rec = drafted(group, member(group))
    submit_recommendation(recommendation_id=rec.pk, actor=leader(group))
    decide(rec, outcome)

    published = publish_recommendation(recommendation_id=rec.pk, actor=editor())
    first_date = published.published_at
    again = publish_recommendation(recommendation_id=rec.pk, actor=editor())

    assert first_date is not None
    assert again.published_at == first_date
    assert Recommendation.objects.published().get() == rec


def test_undecided_recommendations_are_not_published(group: WorkingGroup) -> None:
    rec = drafted(group, member(group))
    with pytest.raises(NotEditable):
        publish_recommendation(recommendation_id=rec.pk, actor=editor())
    submit_recommendation(recommendation_id=rec.pk, actor=leader(group))
    with pytest.raises(NotEditable):
        publish_recommendation(recommendation_id=rec.pk, actor=editor())
    decide(rec, "returned")
    with pytest.raises(NotEditable):
        publish_recommendation(recommendation_id=rec.pk, actor=editor())


def test_only_editors_publish(group: WorkingGroup) -> None:
    rec = drafted(group, member(group))
    submit_recommendation(recommendation_id=rec.pk, actor=leader(group))
    decide(rec, "verified")
    for someone in (member(group), verifier(), leader(WorkingGroupFactory())):
        with pytest.raises(PermissionDenied):
            publish_recommendation(recommendation_id=rec.pk, actor=someone)
    rec.refresh_from_db()
    assert rec.published_at is None


# --- Two members saving at the same moment (PostgreSQL) ---------------------------------------


def race(calls: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Start the calls at the same moment, each in its own thread (and connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: dict[str, object] = {}

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[name] = "saved"
        except StaleVersion as refused:
            outcomes[name] = refused.current.number
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_members_saving_from_the_same_version_exactly_one_wins() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks (SELECT … FOR UPDATE)")
    group = WorkingGroupFactory()
    anna, piotr = member(group), member(group)
    for round_number in range(10):
        rec = drafted(group, anna, title=f"Runda {round_number}")

        outcomes = race(
            {
                name: lambda who=who, name=name, pk=rec.pk: save_recommendation(
                    recommendation_id=pk, author=who, expected_version=1, text=text(vision=name)
                )
                for name, who in (("anna", anna), ("piotr", piotr))
            }
        )

        assert sorted(map(str, outcomes.values())) == ["2", "saved"], (round_number, outcomes)
        rec.refresh_from_db()
        winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
        assert rec.version == 2
        assert rec.current is not None and rec.current.vision == winner
        assert RecommendationVersion.objects.filter(recommendation=rec).count() == 2
