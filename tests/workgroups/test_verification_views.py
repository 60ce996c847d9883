"""The verifiers' queue and verdicts page: the role grid, the whole flow, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import verifier
from tests.roles import expect_refused
from tests.workgroups.factories import WorkingGroupFactory, recommendation
from tests.workgroups.grid import ROLES, Scene, english
from workgroups.models import CriterionVerdict, Recommendation, Verification
from workgroups.services.verification import start_verification

pytestmark = pytest.mark.django_db

VERIFIES = {"verifier", "superuser"}
QUEUE = reverse("workgroups:verification_queue")


def submitted(scene: Scene, **kwargs: Any) -> Recommendation:
    return recommendation(scene.group, status=Recommendation.Status.SUBMITTED, versions=2, **kwargs)


def verdicts(
    legality: str = "positive",
    feasibility: str = "positive",
    financing: str = "positive",
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {"expected_version": 2, "negative_outcome": "", "reasons": ""}
    for criterion, verdict in [
        ("legality", legality),
        ("feasibility", feasibility),
        ("financing", financing),
    ]:
        data[f"{criterion}_verdict"] = verdict
        data[f"{criterion}_justification"] = f"{criterion}: {verdict}, bo tak wynika z analizy."
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_queue_and_page_are_for_verifiers(scene: Scene, role: str) -> None:
    rec = submitted(scene)
    client = scene.client(role)
    for url in (QUEUE, reverse("workgroups:verify", args=[rec.pk])):
        response = client.get(url)
        if role in VERIFIES:
            assert response.status_code == 200, (url, role)
        else:
            expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_starting_over_the_grid(scene: Scene, role: str) -> None:
    rec = submitted(scene)
    response = scene.client(role).post(reverse("workgroups:verify_start", args=[rec.pk]))
    rec.refresh_from_db()
    if role in VERIFIES:
        assert response.status_code == 302
        assert rec.status == "under_verification"
        assert Verification.objects.get().verifier == scene.people[role]
    else:
        expect_refused(response, role)
        assert rec.status == "submitted"
        assert not Verification.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_giving_verdicts_over_the_grid(scene: Scene, role: str) -> None:
    """Nobody but a verifier gives verdicts, the group's own leader included (no IDOR)."""
    rec = submitted(scene)
    person = scene.people[role] if role in VERIFIES else verifier()
    start_verification(recommendation=rec, verifier=person)  # type: ignore[arg-type]
    response = scene.client(role).post(reverse("workgroups:verify", args=[rec.pk]), verdicts())
    rec.refresh_from_db()
    if role in VERIFIES:
        assert response.status_code == 302
        assert rec.status == "verified"
    else:
        expect_refused(response, role)
        assert rec.status == "under_verification"
        assert not CriterionVerdict.objects.exists()


def test_drafts_are_not_shown_to_verifiers(scene: Scene) -> None:
    draft = recommendation(scene.group)
    client = scene.client("verifier")
    assert client.get(reverse("workgroups:verify", args=[draft.pk])).status_code == 404
    assert client.post(reverse("workgroups:verify_start", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_starting_is_post_only(scene: Scene) -> None:
    rec = submitted(scene)
    response = scene.client("verifier").get(reverse("workgroups:verify_start", args=[rec.pk]))
    assert response.status_code == 405


def test_the_whole_flow_with_conditions(scene: Scene) -> None:
    rec = submitted(scene, title="Zielone podwórka")
    client = english(scene.client("verifier"))

    queue = client.get(QUEUE).content.decode()
    assert "Zielone podwórka" in queue and "Start verification" in queue
    client.post(reverse("workgroups:verify_start", args=[rec.pk]))
    page = client.get(reverse("workgroups:verify", args=[rec.pk])).content.decode()
    assert "Your verdicts" in page
    assert "Brakuje zieleni na osiedlach (wersja 2)." in page  # the current version's text

    response = client.post(
        reverse("workgroups:verify", args=[rec.pk]),
        verdicts(financing="conditional"),
        follow=True,
    )

    html = response.content.decode()
    assert "Recommendation 1: verified." in html
    assert "Conditions" in html
    rec.refresh_from_db()
    assert rec.status == "verified"
    # The group sees it in its workspace.
    workspace = english(scene.client("member")).get(
        reverse("workgroups:workspace", args=[scene.group.slug])
    )
    assert "financing: conditional, bo tak wynika z analizy." in workspace.content.decode()


def test_a_negative_verdict_without_choice_is_refused_and_keeps_the_typing(scene: Scene) -> None:
    rec = submitted(scene)
    client = english(scene.client("verifier"))
    client.post(reverse("workgroups:verify_start", args=[rec.pk]))

    response = client.post(
        reverse("workgroups:verify", args=[rec.pk]),
        verdicts(legality="negative", legality_justification="Sprzeczne z planem miejscowym."),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "choose whether to return the recommendation" in html
    assert "Say what the group should know" in html
    assert "Sprzeczne z planem miejscowym." in html
    rec.refresh_from_db()
    assert rec.status == "under_verification"


def test_a_missing_justification_is_refused(scene: Scene) -> None:
    rec = submitted(scene)
    client = english(scene.client("verifier"))
    client.post(reverse("workgroups:verify_start", args=[rec.pk]))
    response = client.post(
        reverse("workgroups:verify", args=[rec.pk]), verdicts(feasibility_justification="")
    )
    assert response.status_code == 400
    assert "Justify the verdict." in response.content.decode()
    assert not CriterionVerdict.objects.exists()


@pytest.mark.parametrize("choice", ["returned", "rejected"])
def test_negative_returns_or_rejects(scene: Scene, choice: str) -> None:
    rec = submitted(scene)
    client = scene.client("verifier")
    client.post(reverse("workgroups:verify_start", args=[rec.pk]))
    client.post(
        reverse("workgroups:verify", args=[rec.pk]),
        verdicts(financing="negative", negative_outcome=choice, reasons="Brak środków."),
    )
    rec.refresh_from_db()
    assert rec.status == choice


def test_a_second_verifier_is_told_and_changes_nothing(scene: Scene) -> None:
    rec = submitted(scene)
    first = scene.client("verifier")
    second_person = verifier()
    second = english(Client())
    second.force_login(second_person)
    first.post(reverse("workgroups:verify_start", args=[rec.pk]))

    started = second.post(reverse("workgroups:verify_start", args=[rec.pk]), follow=True)
    assert "Someone else has just started verifying" in started.content.decode()
    page = second.get(reverse("workgroups:verify", args=[rec.pk])).content.decode()
    assert "is verifying this recommendation" in page
    assert "Your verdicts" not in page

    posted = second.post(reverse("workgroups:verify", args=[rec.pk]), verdicts(), follow=True)
    assert "The verdicts were not saved" in posted.content.decode()
    rec.refresh_from_db()
    assert rec.status == "under_verification"
    assert Verification.objects.get().verifier == scene.people["verifier"]


def test_verdicts_about_a_stale_version_are_refused(scene: Scene) -> None:
    rec = submitted(scene)
    client = english(scene.client("verifier"))
    client.post(reverse("workgroups:verify_start", args=[rec.pk]))
    response = client.post(
        reverse("workgroups:verify", args=[rec.pk]), verdicts(expected_version=1), follow=True
    )
    assert "The verdicts were not saved" in response.content.decode()
    rec.refresh_from_db()
    assert rec.status == "under_verification"


def test_verified_recommendations_leave_the_queue(scene: Scene) -> None:
    waiting = submitted(scene, title="Czeka na weryfikację")
    recommendation(scene.group, title="Już zweryfikowana", status="verified")
    recommendation(scene.group, title="Jeszcze szkic")
    html = scene.client("verifier").get(QUEUE).content.decode()
    assert waiting.title in html
    assert "Już zweryfikowana" not in html and "Jeszcze szkic" not in html


@pytest.mark.parametrize("count", [2, 8])
def test_queue_query_count(django_assert_num_queries: Any, count: int) -> None:
    for n in range(count):
        rec = recommendation(WorkingGroupFactory(), status="submitted", title=f"Rekomendacja {n}")
        if n % 2:
            start_verification(recommendation=rec, verifier=verifier())
    client = Client()
    client.force_login(verifier())
    # 1 session, 2 user, 3 the user's groups (rules: a verifier), 4 the recommendations
    # with their groups and areas, 5 their open verifications with the verifiers (the
    # menu asks the rules alone).
    with django_assert_num_queries(5):
        response = client.get(QUEUE)
    assert response.status_code == 200
