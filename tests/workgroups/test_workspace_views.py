"""The group workspace: overview, the area's opinions and reports, over the role grid."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opinions.analysis.text import lemma_string
from opinions.models import Opinion, ThematicReport
from tests.factories import OpinionFactory, moderator
from tests.opinions.test_report_pages import report_content
from tests.roles import expect_refused
from tests.workgroups.factories import WorkingGroupFactory, member, recommendation
from tests.workgroups.grid import ROLES, Scene, english
from workgroups.models import CriterionVerdict, Recommendation, Verification, WorkingGroup

pytestmark = pytest.mark.django_db

SEES_WORKSPACE = {"member", "leader", "moderator", "editor", "superuser"}


def built_report(area: Any, *, published: bool, version: int = 1) -> ThematicReport:
    opinions = [
        OpinionFactory(area=area, text=f"Więcej drzew i cienia w parkach, głos {n}.")
        for n in range(3)
    ]
    now = timezone.now()
    return ThematicReport.objects.create(
        area=area,
        version=version,
        status=ThematicReport.Status.BUILT,
        progress=100,
        cutoff_at=now,
        started_at=now,
        built_at=now,
        opinion_count=len(opinions),
        content=report_content(opinions, area=area),
        published_at=now if published else None,
    )


def pages(scene: Scene, draft: ThematicReport) -> dict[str, str]:
    slug = scene.group.slug
    return {
        "overview": reverse("workgroups:workspace", args=[slug]),
        "opinions": reverse("workgroups:workspace_opinions", args=[slug]),
        "report": reverse("workgroups:workspace_report", args=[slug, draft.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_workspace_pages_are_for_members_and_supporting_staff(scene: Scene, role: str) -> None:
    draft = built_report(scene.group.area, published=False)
    client = scene.client(role)
    for name, url in pages(scene, draft).items():
        response = client.get(url)
        if role in SEES_WORKSPACE:
            assert response.status_code == 200, (name, role)
        else:
            expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_another_groups_workspace_is_refused_to_this_groups_people(scene: Scene, role: str) -> None:
    """No IDOR: the other group's pages by URL, for each role of *this* group."""
    other_draft = built_report(scene.other_group.area, published=False)
    client = scene.client(role)
    slug = scene.other_group.slug
    for url in (
        reverse("workgroups:workspace", args=[slug]),
        reverse("workgroups:workspace_opinions", args=[slug]),
        reverse("workgroups:workspace_report", args=[slug, other_draft.pk]),
    ):
        response = client.get(url)
        if role in {"moderator", "editor", "superuser", "other_member"}:
            assert response.status_code == 200, (url, role)
        else:
            expect_refused(response, role)


def test_another_areas_report_through_ones_own_workspace_is_not_found(scene: Scene) -> None:
    other_draft = built_report(scene.other_group.area, published=False)
    client = scene.client("member")
    url = reverse("workgroups:workspace_report", args=[scene.group.slug, other_draft.pk])
    assert client.get(url).status_code == 404


def test_a_report_still_building_is_not_shown(scene: Scene) -> None:
    building = ThematicReport.objects.create(
        area=scene.group.area,
        version=1,
        status=ThematicReport.Status.BUILDING,
        cutoff_at=timezone.now(),
    )
    url = reverse("workgroups:workspace_report", args=[scene.group.slug, building.pk])
    assert scene.client("member").get(url).status_code == 404


def test_unknown_group_is_not_found(scene: Scene) -> None:
    response = scene.client("moderator").get(reverse("workgroups:workspace", args=["nie-ma"]))
    assert response.status_code == 404


def test_members_read_their_areas_draft_report_the_public_cannot(scene: Scene) -> None:
    draft = built_report(scene.group.area, published=False)
    client = english(scene.client("member"))

    workspace = client.get(reverse("workgroups:workspace", args=[scene.group.slug]))
    report_url = reverse("workgroups:workspace_report", args=[scene.group.slug, draft.pk])
    assert report_url in workspace.content.decode()
    page = client.get(report_url).content.decode()

    assert "A draft: this version is not published." in page
    assert "Scope and method" in page
    # Its numbers do not link to the public opinion pages of the report (a 404 for a draft).
    assert reverse("opinions:report_opinions", args=[draft.pk]) not in page
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_published_report_links_to_its_public_page(scene: Scene) -> None:
    published = built_report(scene.group.area, published=True)
    url = reverse("workgroups:workspace_report", args=[scene.group.slug, published.pk])
    page = english(scene.client("member")).get(url).content.decode()
    assert published.get_absolute_url() in page
    assert reverse("opinions:report_opinions", args=[published.pk]) in page


def test_overview_lists_members_reports_workshops_and_recommendations(scene: Scene) -> None:
    group = scene.group
    built_report(group.area, published=True, version=1)
    built_report(group.area, published=False, version=2)
    rec = recommendation(group, title="Ławki w cieniu", status=Recommendation.Status.SUBMITTED)
    client = english(scene.client("member"))

    html = client.get(reverse("workgroups:workspace", args=[group.slug])).content.decode()

    for person in ("member", "leader"):
        assert scene.people[person].username in html  # type: ignore[union-attr]
    assert scene.people["other_member"].username not in html  # type: ignore[union-attr]
    assert "Version 1" in html and "Version 2" in html
    assert "Ławki w cieniu" in html
    assert f"badge--rec-{rec.status}" in html
    assert "No recommendation of the group has been verified yet." in html


def test_verification_results_are_shown_to_the_group(scene: Scene) -> None:
    rec = recommendation(scene.group, status=Recommendation.Status.VERIFIED)
    verification = Verification.objects.create(
        recommendation=rec,
        version=rec.current,
        outcome="verified",
        decided_at=timezone.now(),
    )
    for criterion, verdict, why in [
        ("legality", "positive", "Zgodne z ustawą o samorządzie gminnym."),
        ("feasibility", "conditional", "Wymaga zgody konserwatora zabytków."),
        ("financing", "positive", "W budżecie obywatelskim."),
    ]:
        CriterionVerdict.objects.create(
            verification=verification, criterion=criterion, verdict=verdict, justification=why
        )
    html = (
        english(scene.client("member"))
        .get(reverse("workgroups:workspace", args=[scene.group.slug]))
        .content.decode()
    )
    assert "Zgodne z ustawą o samorządzie gminnym." in html
    assert "Conditions" in html
    conditions = html.split("Conditions", 1)[1]
    assert "Wymaga zgody konserwatora zabytków." in conditions
    assert "W budżecie obywatelskim." not in conditions


def _big_group(members: int, recs: int) -> WorkingGroup:
    group = WorkingGroupFactory()
    for _n in range(members):
        member(group)
    for n in range(recs):
        rec = recommendation(group, status=Recommendation.Status.VERIFIED, versions=2)
        verification = Verification.objects.create(
            recommendation=rec, version=rec.current, outcome="verified", decided_at=timezone.now()
        )
        CriterionVerdict.objects.create(
            verification=verification,
            criterion="legality",
            verdict="positive",
            justification=str(n),
        )
    for version in range(3):
        built_report(group.area, published=bool(version), version=version + 1)
    return group


@pytest.mark.parametrize(("members", "recs"), [(2, 1), (8, 6)])
def test_overview_query_count_does_not_grow_with_rows(
    django_assert_num_queries: Any, members: int, recs: int
) -> None:
    group = _big_group(members, recs)
    moderator_client = Client()
    moderator_client.force_login(moderator())
    # 1 the group with its area, 2 session, 3 user, 4 the person's membership (rules,
    # cached on the user), 5 the moderator's groups (rules), 6 members, 7 recommendations,
    # 8 their decided verifications, 9 those verifications' verdicts, 10 reports,
    # 11 workshops.
    with django_assert_num_queries(11):
        response = moderator_client.get(reverse("workgroups:workspace", args=[group.slug]))
    assert response.status_code == 200


# --- The area's opinions ---------------------------------------------------------------------


def test_area_opinions_show_only_the_groups_area_and_published(scene: Scene) -> None:
    mine = OpinionFactory(area=scene.group.area, text="Nasadzenia drzew przy szkołach.")
    OpinionFactory(area=scene.other_group.area, text="Drzewa w innym obszarze.")
    OpinionFactory(area=scene.group.area, text="Czeka na moderację.", status="pending")
    html = (
        english(scene.client("member"))
        .get(reverse("workgroups:workspace_opinions", args=[scene.group.slug]))
        .content.decode()
    )
    assert mine.text in html
    assert "innym obszarze" not in html
    assert "Czeka na moderację" not in html
    assert "1 opinion" in html
    # The area is fixed: the public list's area filter is not offered.
    assert 'name="area"' not in html


def test_area_opinions_search_is_highlighted_and_ignores_an_area_in_the_address(
    scene: Scene,
) -> None:
    for area, text in [
        (scene.group.area, "Więcej drzew na osiedlach."),
        (scene.group.area, "Lepsze autobusy nocne."),
        (scene.other_group.area, "Drzewa gdzie indziej."),
    ]:
        # Analysed for search, as the background task would.
        OpinionFactory(area=area, text=text, lemmas=lemma_string(text))
    url = reverse("workgroups:workspace_opinions", args=[scene.group.slug])
    html = (
        english(scene.client("member"))
        .get(url, {"q": "drzewo", "area": scene.other_group.area.slug})
        .content.decode()
    )
    assert "<mark>drzew</mark>" in html
    assert "autobusy" not in html
    assert "gdzie indziej" not in html


def test_area_opinions_bad_filter_is_reported_and_the_rest_applies(scene: Scene) -> None:
    OpinionFactory(area=scene.group.area, text="Opinia o zieleni w mieście.")
    url = reverse("workgroups:workspace_opinions", args=[scene.group.slug])
    response = english(scene.client("member")).get(url, {"district": "nie-ma-takiej"})
    assert response.status_code == 200
    assert "Opinia o zieleni" in response.content.decode()
    assert "errorlist" in response.content.decode()


@pytest.mark.parametrize("count", [3, 12])
def test_area_opinions_query_count(django_assert_num_queries: Any, count: int) -> None:
    group = WorkingGroupFactory()
    person = member(group)
    for n in range(count):
        OpinionFactory(area=group.area, text=f"Opinia numer {n} o parkach.")
    client = Client()
    client.force_login(person)
    url = reverse("workgroups:workspace_opinions", args=[group.slug])
    # 1 group with area, 2 session, 3 user, 4 membership (rules), 5 count, 6 the page of
    # opinions with area and district; the menu's rights: 7 the user's groups (rules); the
    # filter choices: 8 districts, 9 events, 10 consultations.
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert Opinion.objects.filter(area=group.area).count() == count
