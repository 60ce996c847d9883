"""Recommendation pages over the 10-role grid (with another group's recommendation by URL
and POST), the no-JS editor, the conflict page, versions, comparison and public pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from opinions.analysis.text import lemma_string
from opinions.models import Opinion
from tests.factories import OpinionFactory
from tests.workgroups.factories import member
from tests.workgroups.grid import ROLES, Scene, english
from tests.workgroups.test_recommendation_helpers import built_report, decide, drafted, text
from workgroups.models import OpinionEvidence, Recommendation, RecommendationVersion
from workgroups.services.recommendations import Cited, save_recommendation, submit_recommendation

pytestmark = pytest.mark.django_db

# Who sees a draft: the group and the staff who support it. Verifiers see a recommendation
# once it is submitted (SUBMITTED_VIEWERS), as the verification pages do.
WORK_VIEWERS = {"member", "leader", "moderator", "editor", "superuser"}
SUBMITTED_VIEWERS = WORK_VIEWERS | {"verifier"}
WRITERS = {"member", "leader", "superuser"}


def assert_refused(response: Any, role: str) -> None:
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 403, (role, response.status_code)


def analysed(opinion: Opinion) -> Opinion:
    """The lemmas the analysis task would store, for search."""
    Opinion.objects.filter(pk=opinion.pk).update(lemmas=lemma_string(opinion.text))
    return opinion


def draft_in(scene: Scene, *, other: bool = False) -> Recommendation:
    group = scene.other_group if other else scene.group
    author = scene.people["other_member" if other else "member"]
    assert author is not None
    return drafted(group, author, title="Zielone podwórka")


def editor_post(recommendation: Recommendation | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Zielone podwórka",
        "vision": "Lublin zielony.",
        "diagnosis": "Brakuje drzew.",
        "goals": "Więcej zieleni.",
        "note": "",
        "expected_version": recommendation.version if recommendation else 0,
        "direction_text": ["Sadzenie drzew", ""],
        "direction_indicator": ["liczba drzew", ""],
        "direction_unit": ["ZZM", ""],
        "action": "save",
    }
    data.update(overrides)
    return data


# --- The grid --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["recommendation_detail", "recommendation_versions"])
def test_working_pages_by_role(scene: Scene, role: str, name: str) -> None:
    rec = draft_in(scene)
    response = scene.client(role).get(reverse(f"workgroups:{name}", args=[rec.pk]))
    if role in WORK_VIEWERS:
        assert response.status_code == 200
        assert "Zielone podwórka" in response.content.decode()
    else:
        assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name", ["recommendation_detail", "recommendation_versions", "recommendation_compare"]
)
def test_working_pages_of_a_submitted_recommendation_by_role(
    scene: Scene, role: str, name: str
) -> None:
    rec = draft_in(scene)
    leader_ = scene.people["leader"]
    assert leader_ is not None
    submit_recommendation(recommendation_id=rec.pk, actor=leader_, expected_version=1)
    query = "?a=1&b=1" if name == "recommendation_compare" else ""
    response = scene.client(role).get(reverse(f"workgroups:{name}", args=[rec.pk]) + query)
    if role in SUBMITTED_VIEWERS:
        assert response.status_code == 200, (role, response.status_code)
    else:
        assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_compare_by_role(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    member_ = scene.people["member"]
    assert member_ is not None
    save_recommendation(
        recommendation_id=rec.pk, author=member_, expected_version=1, text=text(vision="Nowa")
    )
    url = reverse("workgroups:recommendation_compare", args=[rec.pk]) + "?a=1&b=2"
    response = scene.client(role).get(url)
    if role in WORK_VIEWERS:
        assert response.status_code == 200
    else:
        assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_another_groups_recommendation_is_closed_to_this_groups_people(
    scene: Scene, role: str
) -> None:
    """By URL and by POST: nothing of another group's draft is seen or changed."""
    theirs = draft_in(scene, other=True)
    client = scene.client(role)
    urls = [
        reverse("workgroups:recommendation_detail", args=[theirs.pk]),
        reverse("workgroups:recommendation_edit", args=[theirs.pk]),
        reverse("workgroups:recommendation_versions", args=[theirs.pk]),
    ]
    posts = [
        (reverse("workgroups:recommendation_edit", args=[theirs.pk]), editor_post(theirs)),
        (
            reverse("workgroups:recommendation_restore", args=[theirs.pk]),
            {"number": 1, "expected_version": 1},
        ),
        (
            reverse("workgroups:recommendation_submit", args=[theirs.pk]),
            {"expected_version": 1, "confirm": "yes"},
        ),
    ]
    if role in {"member", "leader", "applicant", "resident", "anonymous"}:
        for url in urls:
            assert_refused(client.get(url), role)
        for url, data in posts:
            assert_refused(client.post(url, data), role)
        new_there = reverse("workgroups:recommendation_new", args=[scene.other_group.slug])
        assert_refused(client.post(new_there, editor_post()), role)
    theirs.refresh_from_db()
    if role != "superuser" and role != "other_member":
        assert theirs.version == 1 and theirs.status == Recommendation.Status.DRAFT
    assert Recommendation.objects.filter(group=scene.other_group).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_new_recommendation_by_role(scene: Scene, role: str) -> None:
    url = reverse("workgroups:recommendation_new", args=[scene.group.slug])
    client = scene.client(role)
    get = client.get(url)
    post = client.post(url, editor_post())
    if role in WRITERS:
        assert get.status_code == 200
        assert post.status_code == 302
        rec = Recommendation.objects.get(group=scene.group)
        assert post.url == reverse("workgroups:recommendation_detail", args=[rec.pk])
        assert rec.current is not None and rec.current.author == scene.people[role]
    else:
        assert_refused(get, role)
        assert_refused(post, role)
        assert not Recommendation.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_edit_by_role(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    url = reverse("workgroups:recommendation_edit", args=[rec.pk])
    client = scene.client(role)
    get = client.get(url)
    post = client.post(url, editor_post(rec, vision=f"Wizja: {role}"))
    rec.refresh_from_db()
    if role in WRITERS:
        assert get.status_code == 200
        assert post.status_code == 302
        assert rec.version == 2 and rec.current is not None
        assert rec.current.vision == f"Wizja: {role}"
    else:
        assert_refused(get, role)
        assert_refused(post, role)
        assert rec.version == 1


@pytest.mark.parametrize("role", ROLES)
def test_restore_by_role(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    author = scene.people["member"]
    assert author is not None
    save_recommendation(recommendation_id=rec.pk, author=author, expected_version=1, text=text())
    url = reverse("workgroups:recommendation_restore", args=[rec.pk])
    response = scene.client(role).post(url, {"number": 1, "expected_version": 2})
    rec.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 302
        assert rec.version == 3 and rec.current is not None and rec.current.restored_from == 1
    else:
        assert_refused(response, role)
        assert rec.version == 2


@pytest.mark.parametrize("role", ROLES)
def test_submit_by_role(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    url = reverse("workgroups:recommendation_submit", args=[rec.pk])
    response = scene.client(role).post(url, {"expected_version": 1, "confirm": "yes"})
    rec.refresh_from_db()
    if role in {"leader", "superuser"}:
        assert response.status_code == 302
        assert rec.status == Recommendation.Status.SUBMITTED
    else:
        assert_refused(response, role)
        assert rec.status == Recommendation.Status.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_submitting_asks_first_and_says_it_locks_editing(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    url = reverse("workgroups:recommendation_submit", args=[rec.pk])
    client = scene.client(role)
    for response in (
        client.get(url, {"expected_version": 1}),
        client.post(url, {"expected_version": 1}),
    ):
        rec.refresh_from_db()
        assert rec.status == Recommendation.Status.DRAFT
        if role in {"leader", "superuser"}:
            assert response.status_code == 200
            html = response.content.decode()
            assert "nikt z grupy nie może jej edytować" in html.lower(), html[html.find("<main") :]
            assert 'name="expected_version" value="1"' in html
            assert 'name="confirm" value="yes"' in html
        else:
            assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_publish_by_role(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    decide(rec, "verified")
    url = reverse("workgroups:recommendation_publish", args=[rec.pk])
    response = scene.client(role).post(url)
    rec.refresh_from_db()
    if role in {"editor", "superuser"}:
        assert response.status_code == 302
        assert response.url == reverse("workgroups:recommendation_public", args=[rec.pk])
        assert rec.published_at is not None
    else:
        assert_refused(response, role)
        assert rec.published_at is None


@pytest.mark.parametrize("role", ROLES)
def test_public_page_only_for_published(scene: Scene, role: str) -> None:
    rec = draft_in(scene)
    client = scene.client(role)
    url = reverse("workgroups:recommendation_public", args=[rec.pk])
    assert client.get(url).status_code == 404
    decide(rec, "verified")
    assert client.get(url).status_code == 404
    Recommendation.objects.filter(pk=rec.pk).update(published_at="2030-01-01T00:00Z")
    assert client.get(url).status_code == 200
    listing = client.get(reverse("workgroups:recommendation_list")).content.decode()
    assert url in listing


# --- Status rules on the pages ---------------------------------------------------------------


def test_a_submitted_recommendation_cannot_be_edited_until_returned(scene: Scene) -> None:
    rec = draft_in(scene)
    leader_ = scene.people["leader"]
    assert leader_ is not None
    submit_recommendation(recommendation_id=rec.pk, actor=leader_)
    client = english(scene.client("member"))
    url = reverse("workgroups:recommendation_edit", args=[rec.pk])

    response = client.post(url, editor_post(rec), follow=True)

    assert "cannot be changed until the verifiers return it" in response.content.decode()
    rec.refresh_from_db()
    assert rec.version == 1
    detail = client.get(reverse("workgroups:recommendation_detail", args=[rec.pk])).content
    assert url.encode() not in detail

    decide(rec, "returned", reasons="Brak źródeł finansowania.")
    detail_page = client.get(reverse("workgroups:recommendation_detail", args=[rec.pk]))
    page = detail_page.content.decode()
    assert "Brak źródeł finansowania." in page
    assert "Returned for changes" in page
    assert url in page
    assert client.post(url, editor_post(rec)).status_code == 302


def test_submit_from_a_stale_page_is_refused_with_a_message(scene: Scene) -> None:
    rec = draft_in(scene)
    author = scene.people["member"]
    assert author is not None
    save_recommendation(recommendation_id=rec.pk, author=author, expected_version=1, text=text())
    response = english(scene.client("leader")).post(
        reverse("workgroups:recommendation_submit", args=[rec.pk]),
        {"expected_version": 1, "confirm": "yes"},
        follow=True,
    )
    assert "Version 2 was saved after you opened this page" in response.content.decode()
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.DRAFT


# --- The editor without JavaScript -----------------------------------------------------------


def test_add_a_direction_keeps_everything_typed(scene: Scene) -> None:
    client = english(scene.client("member"))
    url = reverse("workgroups:recommendation_new", args=[scene.group.slug])
    data = editor_post(
        title="",
        vision="Moja wizja <b>miasta</b>",
        direction_text=["Pierwszy kierunek", "Drugi", ""],
        direction_indicator=["", "wskaźnik 2", ""],
        direction_unit=["", "", ""],
        add_opinions="",
        action="add_direction",
    )

    response = client.post(url, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Moja wizja &lt;b&gt;miasta&lt;/b&gt;" in page
    assert "Pierwszy kierunek" in page and "wskaźnik 2" in page
    assert page.count('name="direction_text"') == 4  # two typed, the blank one, one more
    assert "This field is required" not in page  # adding a row is not saving
    assert not Recommendation.objects.exists()


def test_bad_input_is_refused_with_a_message_and_nothing_typed_is_lost(scene: Scene) -> None:
    client = english(scene.client("member"))
    url = reverse("workgroups:recommendation_new", args=[scene.group.slug])
    pending = OpinionFactory(status=Opinion.Status.PENDING)
    data = editor_post(
        title="",
        vision="Wizja zostaje",
        direction_text=["", "Drugi kierunek"],
        direction_indicator=["sam wskaźnik", ""],
        direction_unit=["", ""],
        add_opinions=f"{pending.pk}",
    )

    response = client.post(url, data)

    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page
    assert "Title: This field is required." in page
    assert "Describe the direction, or clear its indicator and unit." in page
    assert "Wizja zostaje" in page and "sam wskaźnik" in page and "Drugi kierunek" in page
    assert f'name="opinion" value="{pending.pk}"' in page
    assert not Recommendation.objects.exists()


def test_evidence_by_number_by_search_and_removal(scene: Scene) -> None:
    client = english(scene.client("member"))
    area = scene.group.area
    by_number = OpinionFactory(area=area, text="Więcej ławek w parku Saskim.")
    found = analysed(OpinionFactory(area=area, text="Rowery miejskie przy pętli autobusowej."))
    elsewhere = analysed(OpinionFactory(text="Rowery na Czechowie, inny obszar."))
    report = built_report(area)
    url = reverse("workgroups:recommendation_new", args=[scene.group.slug])

    searched = client.post(url, editor_post(q="rowery", action="search")).content.decode()
    assert f'name="pick_opinion" value="{found.pk}"' in searched
    assert f'value="{elsewhere.pk}"' not in searched  # the group's area first
    wider = client.post(url, editor_post(q="rowery", all_areas="on", action="search"))
    assert f'name="pick_opinion" value="{elsewhere.pk}"' in wider.content.decode()

    added = client.post(
        url,
        editor_post(
            add_opinions=f"{by_number.pk}",
            add_opinions_note="ławki",
            pick_opinion=[found.pk],
            **{f"pick_note_{found.pk}": "rowery"},
            action="add_evidence",
        ),
    ).content.decode()
    assert f'name="opinion" value="{by_number.pk}"' in added
    assert f'name="opinion" value="{found.pk}"' in added

    saved = client.post(
        url,
        editor_post(
            opinion=[by_number.pk, found.pk],
            remove_opinion=[by_number.pk],
            **{f"opinion_note_{by_number.pk}": "ławki", f"opinion_note_{found.pk}": "rowery"},
            report=[report.pk],
            **{f"report_note_{report.pk}": "rozdział 2"},
        ),
    )
    assert saved.status_code == 302
    rec = Recommendation.objects.get()
    assert rec.current is not None
    assert rec.current.evidence == {
        "opinions": [{"id": found.pk, "note": "rowery"}],
        "reports": [{"id": report.pk, "note": "rozdział 2"}],
    }
    assert OpinionEvidence.objects.get(recommendation=rec).opinion == found


def test_a_conflicting_save_shows_both_texts_and_saves_against_the_new_version(
    scene: Scene,
) -> None:
    rec = draft_in(scene)
    anna = scene.people["member"]
    assert anna is not None
    piotr = member(scene.group)
    save_recommendation(
        recommendation_id=rec.pk,
        author=anna,
        expected_version=1,
        text=text(vision="Wizja Anny: więcej parków."),
    )
    client = english(Client())
    client.force_login(piotr)
    url = reverse("workgroups:recommendation_edit", args=[rec.pk])

    response = client.post(url, editor_post(rec, vision="Wizja Piotra: więcej ścieżek."))

    page = response.content.decode()
    assert response.status_code == 409
    assert 'role="alert"' in page
    assert "saved version 2 while you were editing" in page
    assert "Wizja Piotra: więcej ścieżek." in page  # his text, kept in the form
    assert "Anny" in page and "<del>" in page and "<ins>" in page  # hers, compared
    assert 'name="expected_version" value="2"' in page
    rec.refresh_from_db()
    assert rec.version == 2

    merged = client.post(
        url, editor_post(rec, vision="Wizja Anny i Piotra: parki i ścieżki.", expected_version=2)
    )
    assert merged.status_code == 302
    rec.refresh_from_db()
    assert rec.version == 3 and rec.current is not None
    assert rec.current.vision == "Wizja Anny i Piotra: parki i ścieżki."


def test_compare_marks_the_changes_and_refuses_unknown_versions(scene: Scene) -> None:
    rec = draft_in(scene)
    author = scene.people["member"]
    assert author is not None
    save_recommendation(
        recommendation_id=rec.pk,
        author=author,
        expected_version=1,
        text=text(diagnosis="Brakuje drzew i ławek."),
    )
    client = english(scene.client("member"))
    url = reverse("workgroups:recommendation_compare", args=[rec.pk])

    page = client.get(url).content.decode()  # defaults to the last two versions

    assert '<ins><span class="visually-hidden">[added: </span> i ławek<' in page
    assert client.get(url + "?a=1&b=9").status_code == 404
    assert client.get(url + "?a=x&b=2").status_code == 400


# --- Query counts ----------------------------------------------------------------------------


def test_versions_list_query_count(scene: Scene, django_assert_num_queries: Any) -> None:
    rec = draft_in(scene)
    author = scene.people["member"]
    assert author is not None
    for n in range(1, 6):
        save_recommendation(
            recommendation_id=rec.pk, author=author, expected_version=n, text=text(vision=f"v{n}")
        )
    client = scene.client("member")
    url = reverse("workgroups:recommendation_versions", args=[rec.pk])
    # 1 the recommendation with group, area and current version, 2 session, 3 user,
    # 4 the member's seat (then cached on the user), 5 the user's role groups (staff
    # predicates), 6 the versions with their authors.
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count('name="number"') == 5  # every older version


def test_public_page_query_count(scene: Scene, django_assert_num_queries: Any) -> None:
    area = scene.group.area
    opinions = [OpinionFactory(area=area) for _ in range(4)]
    reports = [built_report(area, version=n) for n in (1, 2)]
    author = scene.people["member"]
    assert author is not None
    rec = drafted(
        scene.group,
        author,
        opinions=[Cited(o.pk, f"uzasadnienie {o.pk}") for o in opinions],
        reports=[Cited(r.pk) for r in reports],
    )
    decide(rec, "returned", reasons="Popraw")
    decide(rec, "verified")
    Recommendation.objects.filter(pk=rec.pk).update(published_at="2030-01-01T00:00Z")
    client = Client()
    # 1 the recommendation with group, area and current version, 2 decided verifications,
    # 3 their verdicts, 4 cited opinions with areas, 5 cited reports with areas, 6 the goals
    # and directions it became, 7 its section in the recommendations' consultation.
    with django_assert_num_queries(7):
        response = client.get(reverse("workgroups:recommendation_public", args=[rec.pk]))
    page = response.content.decode()
    for opinion in opinions:
        assert opinion.get_absolute_url() in page
    assert page.count('class="verification"') == 2


def test_list_query_count_and_group_filter(scene: Scene, django_assert_num_queries: Any) -> None:
    author, other = scene.people["member"], scene.people["other_member"]
    assert author is not None and other is not None
    ours = [drafted(scene.group, author, title=f"Nasza {n}") for n in range(3)]
    theirs = drafted(scene.other_group, other, title="Ich")
    Recommendation.objects.update(status="verified", published_at="2030-01-01T00:00Z")
    client = Client()
    # 1 groups with published recommendations, 2 the recommendations with groups and areas.
    with django_assert_num_queries(2):
        page = client.get(reverse("workgroups:recommendation_list")).content.decode()
    assert all(r.title in page for r in [*ours, theirs])
    filtered = client.get(
        reverse("workgroups:recommendation_list") + f"?group={scene.other_group.slug}"
    ).content.decode()
    assert "Ich" in filtered and "Nasza 0" not in filtered
    assert RecommendationVersion.objects.count() == 4
