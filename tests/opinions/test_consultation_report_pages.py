"""The consultation report's pages: who may do what, the staff page, the public pages."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opinions.answers.models import ConsultationReport
from opinions.answers.report.building import build_report, publish_report, request_report
from tests.factories import editor
from tests.opinions.commented_document import (
    PERSON_EMAIL,
    PERSON_NAME,
    PERSON_USERNAME,
    CommentedDocument,
    commented_document,
)
from tests.opinions.test_consultation_report_build import answered
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

STAFF = {"moderator", "editor", "superuser"}
EDITORS = {"editor", "superuser"}
SLUG = "projekt-strategii"


@pytest.fixture
def document() -> CommentedDocument:
    return commented_document()


def built(document: CommentedDocument, *, publish: bool = False) -> ConsultationReport:
    report = request_report(consultation=document.consultation, requested_by=None)
    report = build_report(report_id=report.pk)
    if publish:
        report = publish_report(report=report, editor=editor())
    return report


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def url(name: str, *args: Any) -> str:
    return reverse(f"opinions:{name}", args=[SLUG, *args])


# --- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_staff_page_is_for_moderators_and_editors(role: str, document: CommentedDocument) -> None:
    client, _user = client_for(role)
    response = client.get(url("consultation_report_staff"))
    if role in STAFF:
        html = html_of(response)
        assert 'id="report-deadline"' in html
        # Only editors see the button that builds.
        assert (f'action="{url("consultation_report_build")}"' in html) == (role in EDITORS)
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_progress_is_for_staff(role: str, document: CommentedDocument) -> None:
    request_report(consultation=document.consultation, requested_by=None)
    client, _user = client_for(role)
    response = client.get(url("consultation_report_progress", 1), headers={"HX-Request": "true"})
    if role in STAFF:
        assert response.status_code == 200
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - EDITORS))
def test_building_retrying_and_publishing_are_for_editors(
    role: str, document: CommentedDocument
) -> None:
    answered(document)
    ready = built(document)
    failed = request_report(consultation=document.consultation, requested_by=None)
    ConsultationReport.objects.filter(pk=failed.pk).update(status=ConsultationReport.Status.FAILED)
    client, _user = client_for(role)
    for target in (
        url("consultation_report_build"),
        url("consultation_report_retry", failed.version),
        url("consultation_report_publish", ready.version),
    ):
        expect_refused(client.post(target), role)
    assert ConsultationReport.objects.count() == 2
    ready.refresh_from_db()
    failed.refresh_from_db()
    assert ready.published_at is None and failed.status == ConsultationReport.Status.FAILED


@pytest.mark.parametrize("role", sorted(EDITORS))
def test_editors_build_and_publish(
    role: str, document: CommentedDocument, django_capture_on_commit_callbacks: Any
) -> None:
    answered(document)
    client, user = client_for(role)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url("consultation_report_build"))
    assert response.status_code == 302 and response.url.endswith("#version-1")
    report = build_report(report_id=ConsultationReport.objects.get().pk)
    response = client.post(url("consultation_report_publish", 1))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_published and report.published_by == user


def test_staff_gets_are_not_changes(document: CommentedDocument) -> None:
    client, _user = client_for("editor")
    for target in (
        url("consultation_report_build"),
        url("consultation_report_retry", 1),
        url("consultation_report_publish", 1),
    ):
        assert client.get(target).status_code == 405


# --- The staff page -------------------------------------------------------------------------


def test_publishing_with_unanswered_comments_is_refused_with_how_many(
    document: CommentedDocument,
) -> None:
    report = built(document)
    client, _user = client_for("editor")
    response = client.post(url("consultation_report_publish", report.version), follow=True)
    html = html_of(response)
    assert "5 uwag nadal czeka na odpowiedź" in html
    # The page says how many remain.
    assert "5 uwag wciąż czeka na odpowiedź" in html
    report.refresh_from_db()
    assert report.published_at is None


def test_a_version_that_cannot_be_published_offers_no_button_but_says_why(
    document: CommentedDocument,
) -> None:
    report = built(document)
    publish = f'action="{url("consultation_report_publish", report.version)}"'
    queue = f'href="{reverse("opinions:answer_queue", args=[SLUG])}?state=unanswered"'
    client, _user = client_for("editor")
    html = html_of(client.get(url("consultation_report_staff")))
    assert publish not in html
    assert "5 uwag nadal czeka na odpowiedź: przed publikacją raportu" in html
    assert queue in html
    # The row as the progress poll draws it when the build ends says the same.
    progress = url("consultation_report_progress", report.version)
    row = html_of(client.get(progress, headers={"HX-Request": "true"}))
    assert publish not in row and "5 uwag nadal czeka na odpowiedź" in row and queue in row

    # Every comment answered since: this version still lacks them, a new one is publishable.
    answered(document)
    html = html_of(client.get(url("consultation_report_staff")))
    assert publish not in html and queue not in html
    assert "Ta wersja powstała, gdy 5 uwag czekało na odpowiedź; zbuduj nową" in html
    newer = built(document)
    html = html_of(client.get(url("consultation_report_staff")))
    assert f'action="{url("consultation_report_publish", newer.version)}"' in html
    assert publish not in html


def test_building_while_a_version_runs_is_refused(document: CommentedDocument) -> None:
    request_report(consultation=document.consultation, requested_by=None)
    client, _user = client_for("editor")
    html = html_of(client.post(url("consultation_report_build"), follow=True))
    assert "Trwa budowanie wersji tego raportu" in html
    assert ConsultationReport.objects.count() == 1


def test_days_left_and_overdue() -> None:
    closes_at = dt.datetime(2021, 12, 20, 22, 59, tzinfo=dt.UTC)
    client, _user = client_for("moderator")
    with time_machine.travel(closes_at + dt.timedelta(days=2), tick=False):
        commented_document(closes_at=closes_at)
        html = html_of(client.get(url("consultation_report_staff")))
        assert "(28 dni)" in html or "28 dni" in html
    with time_machine.travel(closes_at + dt.timedelta(days=33), tick=False):
        html = html_of(client.get(url("consultation_report_staff")))
        assert "po terminie o 3 dni" in html


def test_progress_polls_while_running_and_stops_when_built(document: CommentedDocument) -> None:
    answered(document)
    report = request_report(consultation=document.consultation, requested_by=None)
    ConsultationReport.objects.filter(pk=report.pk).update(
        status=ConsultationReport.Status.BUILDING, progress=35, progress_note="pdf"
    )
    client, _user = client_for("editor")
    target = url("consultation_report_progress", 1)
    html = html_of(client.get(target, headers={"HX-Request": "true"}))
    assert html.lstrip().startswith('<tr id="version-1"')
    assert 'hx-trigger="every 1s"' in html and 'value="35"' in html
    assert "składanie pliku PDF" in html

    build_report(report_id=report.pk)
    html = html_of(client.get(target, headers={"HX-Request": "true"}))
    assert "hx-trigger" not in html
    assert f'action="{url("consultation_report_publish", 1)}"' in html

    # Without htmx the address leads back to the staff page, at the version's row.
    response = client.get(target)
    assert response.status_code == 302
    assert response.url == f"{url('consultation_report_staff')}#version-1"


def test_staff_page_query_count_is_fixed(
    document: CommentedDocument, django_assert_num_queries: Any
) -> None:
    answered(document)
    for _index in range(3):
        built(document)
    request_report(consultation=document.consultation, requested_by=editor())
    client, _user = client_for("editor")
    client.get(url("consultation_report_staff"))  # the session is loaded once before
    # 1 session, 1 user, 1 the user's groups (rules' role checks, cached on the user), 1 the
    # consultation, 1 its versions with their people (content left out but for one key),
    # 1 the count of unanswered comments: six, whatever the number of versions.
    with django_assert_num_queries(6):
        html = html_of(client.get(url("consultation_report_staff")))
    assert html.count('<tr id="version-') == 4


# --- Public pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_published_report_is_public_and_unpublished_versions_are_for_staff(
    role: str, document: CommentedDocument
) -> None:
    answered(document)
    public = built(document, publish=True)
    draft = built(document)
    client, _user = client_for(role)
    html = html_of(client.get(url("consultation_report")))
    assert "Stowarzyszenie Rowerowy Lublin" in html
    assert html_of(client.get(url("consultation_report_version", public.version)))
    response = client.get(url("consultation_report_version", draft.version))
    pdf = client.get(url("consultation_report_version_pdf", draft.version))
    if role in STAFF:
        assert "Ta wersja nie jest publiczna" in html_of(response)
        assert pdf.status_code == 200
    else:
        assert response.status_code == 404 and pdf.status_code == 404


def test_public_page_before_publication_says_when_it_is_due(document: CommentedDocument) -> None:
    built(document)
    html = html_of(Client().get(url("consultation_report")))
    assert "nie został jeszcze opublikowany" in html
    assert Client().get(url("consultation_report_pdf")).status_code == 404
    assert Client().get(url("consultation_report_xlsx")).status_code == 404


def test_public_page_says_when_the_report_is_late() -> None:
    closes_at = dt.datetime(2021, 12, 20, 22, 59, tzinfo=dt.UTC)  # 20 Dec, 23:59 in Warsaw
    with time_machine.travel(closes_at + dt.timedelta(days=2), tick=False):
        commented_document(closes_at=closes_at)
        html = html_of(Client().get(url("consultation_report")))
        assert "Ustawa wymaga jego publikacji do 19 stycznia 2022" in html
        assert "spóźnienie" not in html
    with time_machine.travel(closes_at + dt.timedelta(days=32), tick=False):
        html = html_of(Client().get(url("consultation_report")))
        assert "Ustawa wymagała jego publikacji do 19 stycznia 2022" in html
        assert "spóźnienie wynosi 2 dni" in html
        english = Client()
        english.cookies["django_language"] = "en"
        assert "it is 2 days late" in html_of(english.get(url("consultation_report")))


def test_public_files_have_their_content_types(document: CommentedDocument) -> None:
    answered(document)
    built(document, publish=True)
    pdf = Client().get(url("consultation_report_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = Client().get(url("consultation_report_xlsx"))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "attachment" in xlsx["Content-Disposition"]


def test_the_public_page_holds_no_personal_data(document: CommentedDocument) -> None:
    answered(document)
    built(document, publish=True)
    html = html_of(Client().get(url("consultation_report")))
    assert "Proszę dopisać cel dotyczący zieleni osiedlowej." in html
    for private in (PERSON_NAME, PERSON_EMAIL, PERSON_USERNAME):
        assert private not in html


def test_the_latest_version_first_and_the_older_ones_listed(document: CommentedDocument) -> None:
    answered(document)
    built(document, publish=True)
    built(document, publish=True)
    html = html_of(Client().get(url("consultation_report")))
    assert "wersja 2" in html
    assert f'href="{url("consultation_report_version", 1)}"' in html
    older = html_of(Client().get(url("consultation_report_version", 1)))
    assert "To wcześniejsza wersja raportu." in older
    assert f'href="{url("consultation_report_version_pdf", 1)}"' in older


def test_public_page_query_count_is_fixed(
    document: CommentedDocument, django_assert_num_queries: Any
) -> None:
    answered(document)
    for _index in range(3):
        built(document, publish=True)
    # 1 the consultation, 1 its published versions (content left out), 1 the latest one's
    # content (figures, totals), 1 the page of its comments with their answers.
    with django_assert_num_queries(4):
        html = html_of(Client().get(url("consultation_report")))
    assert len(re.findall(r'<article class="comment"', html)) == 5


def test_headings_are_in_order(document: CommentedDocument) -> None:
    answered(document)
    built(document, publish=True)
    html = html_of(Client().get(url("consultation_report")))
    main = html[html.index("<main") :]
    levels = [int(level) for level in re.findall(r"<h([1-6])", main)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_deadline_met_is_shown(document: CommentedDocument) -> None:
    answered(document)
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        built(document, publish=True)
    html = html_of(Client().get(url("consultation_report")))
    assert "po upływie 30 dni" in html


def test_a_long_report_is_shown_in_parts(
    document: CommentedDocument, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opinions.answers.report import content

    monkeypatch.setattr(content, "COMMENTS_PER_PAGE", 2)
    answered(document)
    report = built(document, publish=True)
    # The version stores its comments by page; its content holds the rest.
    assert "groups" not in report.content and report.content["comments_per_page"] == 2
    assert report.pages.count() == 3
    first = html_of(Client().get(url("consultation_report")))
    assert first.count('<article class="comment"') == 2
    assert 'id="figures-title"' in first
    assert "uwagi 1–2 z 5" in first
    last = html_of(Client().get(url("consultation_report") + "?page=3"))
    assert last.count('<article class="comment"') == 1
    assert 'id="figures-title"' not in last
    # The section split between pages 1 and 2 is named on both, as continued on the second.
    second = html_of(Client().get(url("consultation_report") + "?page=2"))
    assert "§2 Cele strategiczne" in first and "§2 Cele strategiczne" in second
    assert "(ciąg dalszy)" in second and "(ciąg dalszy)" not in first
