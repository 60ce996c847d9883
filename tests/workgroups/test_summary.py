"""The groups' work summed up: built from the verified recommendations, once, HTML and PDF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from opinions.models import Opinion
from tests.factories import OpinionFactory, editor
from tests.roles import ROLES, client_for, expect_refused
from tests.workgroups.factories import WorkingGroupFactory, recommendation
from workgroups.models import OpinionEvidence, Recommendation, SummaryReport
from workgroups.summary import build_summary_report, request_summary_report

pytestmark = pytest.mark.django_db


def test_the_summary_holds_the_verified_recommendations_and_their_evidence(client: Client) -> None:
    group = WorkingGroupFactory()
    verified = recommendation(
        group, title="Zielone podwórka", status=Recommendation.Status.VERIFIED
    )
    recommendation(group, title="Szkic w grupie")  # a draft stays out
    for text in ("Więcej drzew", "Ławki w cieniu"):
        OpinionEvidence.objects.create(recommendation=verified, opinion=OpinionFactory(text=text))
    OpinionEvidence.objects.create(
        recommendation=verified, opinion=OpinionFactory(status=Opinion.Status.PENDING)
    )
    report = request_summary_report(actor=editor())
    build_summary_report(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == SummaryReport.Status.BUILT
    [summed] = report.content["groups"][0]["recommendations"]
    assert (summed["title"], summed["opinions"], summed["reports"]) == ("Zielone podwórka", 2, 0)
    assert summed["directions"] == ["Program sadzenia drzew na podwórkach"]
    assert report.pdf.read().startswith(b"%PDF")
    built_at = report.built_at
    build_summary_report(report_id=report.pk)
    report.refresh_from_db()
    assert report.built_at == built_at
    html = client.get(reverse("workgroups:summary_latest")).content.decode()
    assert "Zielone podwórka" in html
    assert "Szkic w grupie" not in html


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_build_the_summary(role: str) -> None:
    client, _user = client_for(role)
    response = client.get(reverse("workgroups:summary_staff"))
    if role in ("editor", "superuser"):
        assert response.status_code == 200
    else:
        expect_refused(response, role)
        expect_refused(client.post(reverse("workgroups:summary_staff")), role)
        assert not SummaryReport.objects.exists()
