"""/api/v1/ over the whole spine (the demo's groups, recommendations, strategy, and a published
report): every operation answers, none sends personal data, list queries are pinned."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lublin2030.demo.strategy import seed_adopted_strategy
from lublin2030.demo.workgroups import DemoSize, seed_working_groups
from lublin2030.models import User
from opinions.models import Comment, Opinion, ReportMembership, ThematicReport
from stages.models import Consultation, ThematicArea
from tests.factories import OpinionFactory, editor
from tests.site.test_api import PERSONAL_FIELDS, walk
from workgroups.models import Application, Membership, OpinionEvidence, Recommendation

pytestmark = pytest.mark.django_db

API = "/api/v1"
SMALL = DemoSize(recommendations_per_group=1, versions_per_recommendation=2, evidence_links=20)
PLANTED_EMAIL = "tajny.adres.planted@example.org"
PLANTED_NAME = "Zofia Zasadzona-Planted"


@pytest.fixture
def spine(lublin_process: None) -> dict[str, Any]:
    consultation = Consultation.objects.get(kind=Consultation.Kind.OPEN_QUESTION)
    for area in ThematicArea.objects.all():
        for number in range(3):
            OpinionFactory(
                consultation=consultation, area=area, text=f"{area.name}: opinia {number}"
            )
    staff = editor()
    seed_working_groups(size=SMALL, editor=staff)
    seed_adopted_strategy(editor=staff)
    report = ThematicReport.objects.create(
        area=ThematicArea.objects.order_by("number")[0],
        version=1,
        status=ThematicReport.Status.BUILT,
        cutoff_at=timezone.now(),
        built_at=timezone.now(),
        published_at=timezone.now(),
        opinion_count=3,
        content={
            "figures": {
                "by_age_band": [
                    {"key": "18-24", "label": "18–24", "count": 2},
                    {"key": "25-34", "label": "25–34", "count": 40},
                ]
            },
            "terms": [{"lemma": "drzewo", "count": 3}],
            "subthemes": [],
        },
    )
    opinions = list(Opinion.objects.published().order_by("pk")[:3])
    ReportMembership.objects.bulk_create(
        ReportMembership(report=report, opinion=opinion, subtheme=0) for opinion in opinions
    )
    # Personal data in every place it may sit: accounts, e-mails, signatures, applications
    # of those who did not agree to be named.
    User.objects.update(email=PLANTED_EMAIL, first_name=PLANTED_NAME, last_name=PLANTED_NAME)
    Opinion.objects.update(author_email=PLANTED_EMAIL)
    Comment.objects.create(
        opinion=opinions[0], text="Zgoda.", author_name=PLANTED_NAME, status="published"
    )
    hidden = Membership.objects.active().order_by("pk").first()
    assert hidden is not None and hidden.application is not None
    Application.objects.filter(pk=hidden.application.pk).update(
        consent_to_publish=False, full_name=PLANTED_NAME
    )
    Membership.objects.filter(pk=hidden.pk).update(public_name=PLANTED_NAME)
    cited = OpinionEvidence.objects.filter(opinion__status="published").first()
    assert cited is not None
    return {
        "report": report,
        "opinion": cited.opinion,
        "recommendation": Recommendation.objects.published().order_by("pk").first(),
        "consultation": consultation,
    }


def _paths(client: Client, spine: dict[str, Any]) -> list[str]:
    schema = json.loads(client.get(f"{API}/openapi.json").content)
    stage_slug = spine["consultation"].stage.slug
    values = {
        "{opinion_id}": str(spine["opinion"].pk),
        "{report_id}": str(spine["report"].pk),
        "{recommendation_id}": str(spine["recommendation"].pk),
        "{number}": "1",
    }
    paths = []
    for template in schema["paths"]:
        path = template
        for name, value in values.items():
            path = path.replace(name, value)
        slug = stage_slug if template.startswith(f"{API}/stages/") else spine["consultation"].slug
        paths.append(path.replace("{slug}", slug))
    return paths


def test_every_operation_and_no_personal_data(client: Client, spine: dict[str, Any]) -> None:
    answered = 0
    for path in _paths(client, spine):
        response = client.get(path)
        # The open question has no document: its versions' sections are a 404.
        if path.endswith("/sections"):
            assert response.status_code == 404
            continue
        assert response.status_code == 200, (path, response.content[:300])
        text = response.content.decode()
        assert "planted" not in text.lower(), path
        names: set[str] = set()
        walk(json.loads(text), names)
        assert not names & PERSONAL_FIELDS, (path, names & PERSONAL_FIELDS)
        answered += 1
    assert answered >= 22


def test_roster_names_only_members_who_agreed(client: Client, spine: dict[str, Any]) -> None:
    groups = json.loads(client.get(f"{API}/working-groups").content)
    names = {member["name"] for group in groups for member in group["roster"]}
    assert names
    consenting = set(
        Membership.objects.active()
        .exclude(public_name="")
        .exclude(application__consent_to_publish=False)
        .values_list("public_name", flat=True)
    )
    assert names == consenting
    assert PLANTED_NAME not in names


def test_report_figures_suppress_small_age_groups(client: Client, spine: dict[str, Any]) -> None:
    report = json.loads(client.get(f"{API}/reports/{spine['report'].pk}").content)
    counts = {row["key"]: row["count"] for row in report["figures"]["by_age_band"]}
    assert counts == {"18-24": None, "25-34": 40}
    members = json.loads(client.get(f"{API}/reports/{spine['report'].pk}/opinions").content)
    assert len(members["items"]) == 3


def test_recommendation_detail_has_versions_evidence_and_verdicts(
    client: Client, spine: dict[str, Any]
) -> None:
    recommendation = spine["recommendation"]
    detail = json.loads(client.get(f"{API}/recommendations/{recommendation.pk}").content)
    assert detail["versions"]
    assert all(version["created_at"] <= detail["published_at"] for version in detail["versions"])
    assert detail["opinion_evidence"] or detail["report_evidence"]
    assert detail["verifications"][0]["verdicts"]
    listed = json.loads(client.get(f"{API}/recommendations?updated_since=2000-01-01").content)
    assert recommendation.pk in {item["id"] for item in listed["items"]}
    later = json.loads(client.get(f"{API}/recommendations?updated_since=2999-01-01").content)
    assert later["items"] == []
    unpublished = Recommendation.objects.filter(published_at__isnull=True).first()
    if unpublished is not None:
        assert client.get(f"{API}/recommendations/{unpublished.pk}").status_code == 404


def test_trace_of_a_cited_opinion(client: Client, spine: dict[str, Any]) -> None:
    steps = json.loads(client.get(f"{API}/opinions/{spine['opinion'].pk}/trace").content)
    assert {"report", "cited"} <= {step["kind"] for step in steps}


def test_spine_queries_are_pinned(
    client: Client, spine: dict[str, Any], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # the groups with their areas; the rosters
        client.get(f"{API}/working-groups")
    with django_assert_num_queries(1):  # the recommendations with group and current version
        client.get(f"{API}/recommendations?limit=200")
    # the recommendation; its versions; opinion evidence; report evidence; verifications
    # with the verified version; their verdicts
    with django_assert_num_queries(6):
        client.get(f"{API}/recommendations/{spine['recommendation'].pk}")
    with django_assert_num_queries(1):  # the report versions with area and consultation
        client.get(f"{API}/reports?limit=200")
    with django_assert_num_queries(1):  # the goals with area and parent
        client.get(f"{API}/strategy/goals")
    with django_assert_num_queries(2):  # the indicators with their goal; the measurements
        client.get(f"{API}/strategy/indicators")
    with django_assert_num_queries(2):  # the tasks with their direction; the districts
        client.get(f"{API}/strategy/tasks")
