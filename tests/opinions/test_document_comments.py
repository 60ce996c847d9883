"""Residents read a consulted document and comment on it section by section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opinions.models import Opinion, SubmitterKind
from opinions.services import moderation
from stages.models import Consultation, DocumentVersion, Section
from tests.factories import (
    DocumentConsultationFactory,
    DocumentVersionFactory,
    OpinionFactory,
    SectionFactory,
    moderator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def version() -> DocumentVersion:
    version = DocumentVersionFactory(consultation=DocumentConsultationFactory(slug="projekt"))
    chapter = SectionFactory(
        version=version, key="wizja", number="1", level=1, heading="Wizja", position=1
    )
    SectionFactory(
        version=version,
        key="cel-1-1",
        number="1.1",
        heading="Zieleń",
        position=2,
        parent=chapter,
        body="Więcej **drzew** w mieście.",
    )
    SectionFactory(
        version=version,
        key="cel-1-2",
        number="1.2",
        heading="Transport",
        position=3,
        parent=chapter,
    )
    return version


def section(version: DocumentVersion, key: str) -> Section:
    return version.sections.get(key=key)


def comment_form(**fields: str) -> dict[str, str]:
    return {
        "text": "Proszę dopisać ochronę starodrzewu w parkach.",
        "proposed_wording": "Chronimy starodrzew i sadzimy nowe drzewa.",
        "justification": "Starodrzew daje cień i retencję.",
        "submitter_kind": SubmitterKind.PERSON,
        "organisation": "",
        "email": "",
        "submission_key": "0b5a3c48-1a55-4b62-9a6f-3c2f0f5a9a11",
        **fields,
    }


def test_the_document_page_lists_sections_with_their_comment_counts(
    version: DocumentVersion, django_assert_num_queries
) -> None:
    green = section(version, "cel-1-1")
    green.comment_count = 3
    green.save()
    client = Client()
    url = reverse("opinions:consultation", args=["projekt"])
    # consultation, published versions, sections, events (plus the session's language)
    with django_assert_num_queries(4):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "§1.1 Zieleń" in html
    assert "3 uwagi" in html
    assert "<strong>drzew</strong>" in html
    assert reverse("opinions:document_section", args=["projekt", version.number, "cel-1-1"]) in html


def test_a_resident_comments_on_a_section_without_javascript(version: DocumentVersion) -> None:
    url = section(version, "cel-1-1").get_absolute_url()
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert "Zgłoś uwagę do §1.1" in page.content.decode()

    response = client.post(url, comment_form(email="ala@example.org"))

    opinion = Opinion.objects.get()
    assert response.status_code == 302
    assert response.url == opinion.get_tracking_url()
    assert opinion.section == section(version, "cel-1-1")
    assert opinion.consultation == version.consultation
    assert opinion.proposed_wording == "Chronimy starodrzew i sadzimy nowe drzewa."
    assert opinion.justification == "Starodrzew daje cień i retencję."
    assert opinion.status == Opinion.Status.PENDING
    assert opinion.organisation == ""


def test_an_organisation_must_give_its_name(version: DocumentVersion) -> None:
    url = section(version, "cel-1-1").get_absolute_url()
    response = Client().post(url, comment_form(submitter_kind=SubmitterKind.ORGANISATION))
    assert response.status_code == 200
    assert "Podaj nazwę organizacji" in response.content.decode()
    assert not Opinion.objects.exists()

    Client().post(
        url,
        comment_form(submitter_kind=SubmitterKind.PUBLIC_BODY, organisation="Gmina Świdnik"),
    )
    assert Opinion.objects.get().organisation == "Gmina Świdnik"


def test_a_closed_consultation_takes_no_comment_and_gives_the_text_back(
    version: DocumentVersion,
) -> None:
    Consultation.objects.filter(pk=version.consultation_id).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    url = section(version, "cel-1-1").get_absolute_url()
    response = Client().post(url, comment_form())
    html = response.content.decode()
    assert response.status_code == 409
    assert "Ta konsultacja jest zamknięta" in html
    assert "Proszę dopisać ochronę starodrzewu" in html
    assert not Opinion.objects.exists()
    # Said at the top, above the section's published comments, not only under them.
    alert = html.index("Twoja uwaga nie została wysłana")
    assert alert < html.index('id="comments-title"') < html.index('id="typed-text"')
    assert 'href="#typed-text"' in html


def test_a_section_of_a_draft_version_is_not_shown(version: DocumentVersion) -> None:
    draft = DocumentVersionFactory(
        consultation=version.consultation, status=DocumentVersion.Status.DRAFT, published_at=None
    )
    SectionFactory(version=draft, key="cel-1-1", number="1.1")
    url = reverse("opinions:document_section", args=["projekt", draft.number, "cel-1-1"])
    assert Client().get(url).status_code == 404


def test_comments_on_an_earlier_version_are_not_taken(version: DocumentVersion) -> None:
    newer = DocumentVersionFactory(consultation=version.consultation)
    SectionFactory(version=newer, key="cel-1-1", number="1.1")
    response = Client().post(section(version, "cel-1-1").get_absolute_url(), comment_form())
    assert response.status_code == 409
    assert not Opinion.objects.exists()


def test_the_section_page_shows_published_comments_and_answers_in_few_queries(
    version: DocumentVersion, django_assert_num_queries
) -> None:
    from opinions.answers.models import ConsultationAnswer, Decision

    target = section(version, "cel-1-1")
    answer = ConsultationAnswer.objects.create(
        consultation=version.consultation,
        decision=Decision.PARTLY,
        justification="Zapis o starodrzewie dodano w celu 1.1.",
        status=ConsultationAnswer.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    for n in range(4):
        OpinionFactory(
            consultation=version.consultation,
            section=target,
            answer=answer,
            organisation="Fundacja Zielony Lublin" if n == 0 else "",
        )
    OpinionFactory(
        consultation=version.consultation,
        section=target,
        status=Opinion.Status.PENDING,
        text="Jeszcze nie opublikowana uwaga.",
    )
    Consultation.objects.filter(pk=version.consultation_id).update(
        closes_at=timezone.now() - dt.timedelta(days=1)
    )
    # consultation, section, latest version, comment count, the page of comments with answers
    with django_assert_num_queries(5):
        response = Client().get(target.get_absolute_url())
    html = response.content.decode()
    assert html.count("Zapis o starodrzewie dodano") == 4
    assert "uwzględniono częściowo" in html
    assert "Fundacja Zielony Lublin" in html
    assert "Jeszcze nie opublikowana" not in html


def test_moderation_keeps_the_sections_comment_count(version: DocumentVersion) -> None:
    target = section(version, "cel-1-1")
    opinion = OpinionFactory(
        consultation=version.consultation, section=target, status=Opinion.Status.PENDING
    )
    staff = moderator()
    moderation.publish_opinion(opinion_id=opinion.pk, moderator=staff, expected_version=1)
    target.refresh_from_db()
    assert target.comment_count == 1
    moderation.reject_opinion(
        opinion_id=opinion.pk, moderator=staff, expected_version=2, reason="offensive"
    )
    target.refresh_from_db()
    assert target.comment_count == 0


def test_a_closed_consultation_links_its_published_report(version: DocumentVersion) -> None:
    from opinions.answers.models import ConsultationReport

    consultation = version.consultation
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - dt.timedelta(days=1)
    )
    url = reverse("opinions:consultation", args=["projekt"])
    report_url = reverse("opinions:consultation_report", args=["projekt"])
    assert report_url not in Client().get(url).content.decode()
    ConsultationReport.objects.create(
        consultation=consultation,
        version=1,
        status=ConsultationReport.Status.BUILT,
        published_at=timezone.now(),
    )
    assert report_url in Client().get(url).content.decode()


def test_with_two_versions_the_page_links_their_comparison(version: DocumentVersion) -> None:
    newer = DocumentVersionFactory(consultation=version.consultation)
    SectionFactory(version=newer, key="wizja", number="1", level=1, heading="Wizja")
    html = Client().get(reverse("opinions:consultation", args=["projekt"])).content.decode()
    compare = reverse("stages:document_compare", args=["projekt", version.number, newer.number])
    assert f'href="{compare}"' in html
