"""The editors' pages for consultations and their documents, and the public comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from opinions.answers.models import ConsultationAnswer, Decision
from stages.documents.models import DocumentVersion, Section
from stages.documents.parsing import parse_markdown
from stages.documents.services import create_draft_version, publish_version
from stages.models import Consultation
from tests.factories import ConsultationFactory, OpinionFactory, StageFactory
from tests.roles import ROLES, client_for, expect_refused
from tests.stages.docx import docx

pytestmark = pytest.mark.django_db

ALLOWED = {"editor", "superuser"}

FIRST = "# Projekt\n## Wizja\nLublin zielony.\n## Cele\nPięć obszarów.\n## Sport\nBoiska.\n"
SECOND = (
    "# Projekt\n## Wizja\nLublin zielony i otwarty.\n## Cele\nPięć obszarów.\n"
    "## Kultura\nTeatry i muzea.\n"
)


def editor_client() -> Client:
    return client_for("editor", english=True)[0]


@pytest.fixture
def consultation() -> Consultation:
    return ConsultationFactory(kind=Consultation.Kind.DOCUMENT, slug="projekt", title="Projekt")


@pytest.fixture
def two_versions(consultation: Consultation) -> tuple[DocumentVersion, DocumentVersion]:
    first = create_draft_version(
        consultation=consultation, parsed=parse_markdown(FIRST), source_name="a.md", user=None
    )
    publish_version(version=first)
    second = create_draft_version(
        consultation=consultation, parsed=parse_markdown(SECOND), source_name="b.md", user=None
    )
    return first, second


# --- Who may see the pages ------------------------------------------------------------------


def staff_urls(consultation: Consultation, version: DocumentVersion) -> list[str]:
    section = version.sections.first()
    assert section is not None
    return [
        reverse("stages:staff_consultation_list"),
        reverse("stages:staff_consultation_create"),
        reverse("stages:staff_consultation_edit", args=[consultation.pk]),
        reverse("stages:staff_document", args=[consultation.pk]),
        reverse("stages:staff_version", args=[consultation.pk, version.number]),
        reverse("stages:staff_version_compare", args=[consultation.pk, 1, 2]),
        reverse("stages:staff_section_edit", args=[section.pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_only_for_editors(
    role: str, consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    client = client_for(role)[0]
    for url in staff_urls(consultation, two_versions[1]):
        response = client.get(url)
        if role in ALLOWED:
            assert response.status_code == 200, url
        else:
            expect_refused(response, role)


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_posts_by_non_editors_are_refused_and_change_nothing(
    role: str, consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    client = client_for(role)[0]
    draft = two_versions[1]
    section = draft.sections.get(key="1-wizja")
    posts: list[tuple[str, dict[str, Any]]] = [
        (reverse("stages:staff_consultation_create"), {"title": "X"}),
        (reverse("stages:staff_consultation_edit", args=[consultation.pk]), {"title": "X"}),
        (
            reverse("stages:staff_document_upload", args=[consultation.pk]),
            {"file": SimpleUploadedFile("p.md", b"# A\n")},
        ),
        (reverse("stages:staff_version_publish", args=[consultation.pk, 2]), {}),
        (reverse("stages:staff_version_discard", args=[consultation.pk, 2]), {}),
        (
            reverse("stages:staff_section_edit", args=[section.pk]),
            {"heading": "X", "body": "", "key": ""},
        ),
    ]
    for url, data in posts:
        expect_refused(client.post(url, data), role)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert DocumentVersion.objects.count() == 2
    assert Section.objects.get(pk=section.pk).heading == "Wizja"
    assert Consultation.objects.get(pk=consultation.pk).title == "Projekt"


# --- Consultations --------------------------------------------------------------------------


def test_the_list_shows_kind_dates_status_and_the_report_countdown_in_fixed_queries(
    django_assert_num_queries: Any,
) -> None:
    now = timezone.now()
    for days in (5, 20, 40):
        ConsultationFactory(
            kind=Consultation.Kind.DOCUMENT,
            title=f"Zamknięta {days} dni temu",
            opens_at=now - dt.timedelta(days=days + 40),
            closes_at=now - dt.timedelta(days=days),
        )
    client = editor_client()
    # session, user, user's groups (the permission), the consultations with their counts
    with django_assert_num_queries(4):
        response = client.get(reverse("stages:staff_consultation_list"))
    html = response.content.decode()
    assert "25 days left" in html
    assert "10 days left" in html
    assert "overdue since" in html
    assert "document in sections" in html


def post_consultation(client: Client, **overrides: str) -> Any:
    data = {
        "stage": str(StageFactory().pk),
        "slug": "projekt-2030",
        "kind": "document",
        "statutory": "on",
        "title": "Projekt strategii",
        "opens_at": "2021-11-15T00:00",
        "closes_at": "2021-12-20T23:59",
    }
    data.update(overrides)
    return client.post(reverse("stages:staff_consultation_create"), data)


def test_an_editor_creates_a_statutory_consultation() -> None:
    response = post_consultation(editor_client())
    consultation = Consultation.objects.get(slug="projekt-2030")
    assert response.status_code == 302
    assert consultation.statutory
    assert timezone.localtime(consultation.opens_at).hour == 0  # Warsaw time as typed


def test_a_statutory_consultation_under_35_days_is_refused_with_the_reason() -> None:
    response = post_consultation(editor_client(), closes_at="2021-12-01T00:00")
    assert response.status_code == 200
    assert "at least 35 days" in response.content.decode()
    assert not Consultation.objects.filter(slug="projekt-2030").exists()


def test_editing_a_consultation_keeps_the_rule(consultation: Consultation) -> None:
    client = editor_client()
    url = reverse("stages:staff_consultation_edit", args=[consultation.pk])
    form = client.get(url).context["form"]
    data = {
        name: ("on" if value is True else "" if value in (None, False) else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        stage=str(consultation.stage_id),
        opens_at="2021-11-15T00:00",
        closes_at="2021-11-30T00:00",
        statutory="on",
    )
    response = client.post(url, data)
    assert "at least 35 days" in response.content.decode()
    assert not Consultation.objects.get(pk=consultation.pk).statutory
    data.update(closes_at="2021-12-20T00:00", title="Nowy tytuł")
    assert client.post(url, data).status_code == 302
    consultation.refresh_from_db()
    assert consultation.statutory and consultation.title == "Nowy tytuł"


# --- Uploading and editing --------------------------------------------------------------------


def upload(client: Client, consultation: Consultation, name: str, content: bytes) -> Any:
    return client.post(
        reverse("stages:staff_document_upload", args=[consultation.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_a_docx_upload_becomes_a_draft(consultation: Consultation) -> None:
    client = editor_client()
    response = upload(client, consultation, "projekt.docx", docx([("Wizja", 1), ("Tekst.", 0)]))
    version = DocumentVersion.objects.get()
    assert response.url == reverse("stages:staff_version", args=[consultation.pk, 1])
    assert (version.status, version.source_name) == ("draft", "projekt.docx")
    page = client.get(response.url).content.decode()
    assert "Publish this version" in page and "Wizja" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("projekt.docx", b"not a zip", "not a Word document"),
        ("projekt.md", b"no headings here", "no headings"),
        ("projekt.pdf", b"%PDF", "Upload a Word document"),
        ("projekt.md", b"# A\n" + b"x" * 200, "larger than"),
    ],
)
@override_settings(DOCUMENT_MAX_BYTES=100)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_saved(
    consultation: Consultation, name: str, content: bytes, message: str
) -> None:
    response = upload(editor_client(), consultation, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DocumentVersion.objects.exists()


def test_a_second_upload_while_a_draft_exists_is_refused(
    consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    response = upload(editor_client(), consultation, "c.md", b"# Inny\n# Projekt\n")
    assert response.status_code == 400
    assert "Version 2 is a draft already" in response.content.decode()


def test_a_draft_section_is_edited_and_matched_to_a_previous_one_by_hand(
    consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    client = editor_client()
    culture = two_versions[1].sections.get(heading="Kultura")
    assert culture.key == "3-kultura"
    url = reverse("stages:staff_section_edit", args=[culture.pk])
    response = client.post(url, {"heading": "Kultura i sport", "body": "Teatry.", "key": "3-sport"})
    assert response.status_code == 302
    culture.refresh_from_db()
    assert (culture.heading, culture.key) == ("Kultura i sport", "3-sport")
    # Back to a section of its own: a fresh key, never a previous section's.
    response = client.post(url, {"heading": "Kultura i sport", "body": "Teatry.", "key": ""})
    assert response.status_code == 302
    culture.refresh_from_db()
    assert culture.key == "3-kultura-i-sport"


def test_a_key_taken_by_another_section_is_refused_on_the_page(
    consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    culture = two_versions[1].sections.get(heading="Kultura")
    url = reverse("stages:staff_section_edit", args=[culture.pk])
    response = editor_client().post(url, {"heading": "K", "body": "", "key": "1-wizja"})
    assert response.status_code == 200
    assert "already has the key" in response.content.decode()


def test_a_published_sections_edit_page_sends_back(
    consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    section = two_versions[0].sections.get(key="1-wizja")
    url = reverse("stages:staff_section_edit", args=[section.pk])
    response = editor_client().post(url, {"heading": "Zmiana", "body": "", "key": ""})
    assert response.status_code == 302
    assert Section.objects.get(pk=section.pk).heading == "Wizja"


def test_publishing_and_discarding_from_the_version_page(
    consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    client = editor_client()
    client.post(
        reverse("stages:staff_version_publish", args=[consultation.pk, 2]),
        {"note": "Dodano kulturę."},
    )
    second = DocumentVersion.objects.get(number=2)
    assert second.is_published and second.note == "Dodano kulturę."
    response = client.post(reverse("stages:staff_version_discard", args=[consultation.pk, 2]))
    assert DocumentVersion.objects.filter(number=2).exists()
    assert response.status_code == 302


# --- Comparing versions -----------------------------------------------------------------------


def answer_changing(section: Section, *, status: str = "published", comments: int = 2) -> None:
    consultation = section.version.consultation
    answer = ConsultationAnswer.objects.create(
        consultation=consultation,
        decision=Decision.ACCEPTED,
        justification=f"Uwzględniono w „{section.heading}”.",
        changed_section=section,
        status=status,
        published_at=timezone.now() if status == "published" else None,
    )
    for _ in range(comments):
        OpinionFactory(consultation=consultation, answer=answer)


def test_the_comparison_shows_changes_by_key_and_the_answers_that_led_to_them(
    consultation: Consultation,
    two_versions: tuple[DocumentVersion, DocumentVersion],
    django_assert_num_queries: Any,
) -> None:
    second = two_versions[1]
    answer_changing(second.sections.get(key="1-wizja"))
    answer_changing(second.sections.get(key="3-kultura"), comments=1)
    answer_changing(second.sections.get(key="2-cele"), status="draft")
    client = editor_client()
    url = reverse("stages:staff_version_compare", args=[consultation.pk, 1, 2])
    # session, user, groups; the consultation, both versions, both versions' sections; the
    # answers panel (one query for every section)
    with django_assert_num_queries(9):
        response = client.get(url)
    items = {item.key: item for item, _panels in response.context["items"]}
    assert {key: item.change for key, item in items.items()} == {
        "1-wizja": "changed",
        "2-cele": "unchanged",
        "3-kultura": "added",
        "3-sport": "removed",
    }
    html = response.content.decode()
    assert "<ins>" in html and "otwarty" in html
    assert html.count("Changed in answer to comments") == 2  # the draft answer is not shown
    assert "(2 comments)" in html and "(1 comment)" in html
    # The newer version's order; the removed section after the one that preceded it.
    assert list(items) == ["1-wizja", "2-cele", "3-sport", "3-kultura"]


def test_the_public_comparison_shows_published_versions_only(
    consultation: Consultation, two_versions: tuple[DocumentVersion, DocumentVersion]
) -> None:
    url = reverse("stages:document_compare", args=["projekt", 1, 2])
    assert url == "/consultations/projekt/versions/1/2/"
    assert Client().get(url).status_code == 404  # version 2 is a draft
    publish_version(version=two_versions[1])
    answer_changing(two_versions[1].sections.get(key="1-wizja"))
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sport" in html and "Kultura" in html
    assert "Uwzględniono w „Wizja”" in html


def test_the_document_and_version_pages_cost_a_fixed_number_of_queries(
    consultation: Consultation,
    two_versions: tuple[DocumentVersion, DocumentVersion],
    django_assert_num_queries: Any,
) -> None:
    client = editor_client()
    client.get(reverse("stages:staff_consultation_list"))  # the session is warm
    # session, user, groups; the consultation; its versions with their section counts and
    # their creators
    with django_assert_num_queries(5):
        client.get(reverse("stages:staff_document", args=[consultation.pk]))
    # session, user, groups; the consultation; the version; its sections; the previous
    # version
    with django_assert_num_queries(7):
        response = client.get(reverse("stages:staff_version", args=[consultation.pk, 2]))
    assert len(response.context["sections"]) == 3
