"""`load_document` and the demo's draft strategy."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from lublin2030.demo.documents import SLUG, seed_draft_strategy
from stages.documents.models import DocumentVersion
from stages.models import Consultation
from tests.factories import ConsultationFactory
from tests.stages.docx import docx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


@pytest.fixture
def consultation() -> Consultation:
    return ConsultationFactory(kind=Consultation.Kind.DOCUMENT, slug="projekt")


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_document", *args, stdout=out)
    return out.getvalue()


def test_a_markdown_file_loads_as_a_draft_and_again_changes_nothing(
    consultation: Consultation, tmp_path: Path
) -> None:
    path = tmp_path / "projekt.md"
    path.write_text("# Wizja\nTekst.\n# Cele\n## Zieleń\n", encoding="utf-8")
    assert "Version 1 loaded (3 sections), a draft." in run("projekt", str(path))
    assert "same as version 1" in run("projekt", str(path))
    version = DocumentVersion.objects.get()
    assert (version.status, version.source_name) == ("draft", "projekt.md")
    assert "same as version 1" in run("projekt", str(path), "--publish")
    version.refresh_from_db()
    assert version.is_published


def test_a_docx_loads_and_publishes(consultation: Consultation, tmp_path: Path) -> None:
    path = tmp_path / "projekt.docx"
    path.write_bytes(docx([("Wizja", 1), ("Tekst.", 0), ("Misja", 2)]))
    assert "published" in run("projekt", str(path), "--publish")
    version = DocumentVersion.objects.get()
    assert version.is_published and version.published_at is not None
    assert list(version.sections.values_list("number", "heading")) == [
        ("1", "Wizja"),
        ("1.1", "Misja"),
    ]


def test_clear_errors_and_nothing_saved(consultation: Consultation, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No consultation has the slug “nie-ma”"):
        run("nie-ma", str(tmp_path / "x.md"))
    with pytest.raises(CommandError, match="Cannot read"):
        run("projekt", str(tmp_path / "missing.md"))
    flat = tmp_path / "flat.md"
    flat.write_text("Bez nagłówków.", encoding="utf-8")
    with pytest.raises(CommandError, match=r"flat\.md: The file has no headings"):
        run("projekt", str(flat))
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"not a zip at all")
    with pytest.raises(CommandError, match="not a Word document"):
        run("projekt", str(fake))
    question = ConsultationFactory(slug="pytanie")
    good = tmp_path / "good.md"
    good.write_text("# A\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a consultation of a document"):
        run(question.slug, str(good))
    assert not DocumentVersion.objects.exists()


@pytest.mark.usefixtures("lublin_process")
def test_the_demo_draft_strategy_is_a_closed_statutory_consultation_of_about_40_sections() -> None:
    result = seed_draft_strategy()
    assert result is not None and result.created
    consultation = Consultation.objects.get(slug=SLUG)
    assert consultation.statutory and consultation.kind == "document"
    assert consultation.status_at() == "closed"
    assert (consultation.closes_at - consultation.opens_at).days >= 35
    version = result.version
    assert version.is_published and version.number == 1
    assert version.title == "Projekt Strategii Rozwoju Lublina na lata 2021–2030"
    numbers = list(version.sections.values_list("number", flat=True))
    assert 38 <= len(numbers) <= 50
    assert numbers[:3] == ["1", "1.1", "1.2"]
    assert {"4", "5", "6", "7", "8"} <= set(numbers)  # the five development areas
    again = seed_draft_strategy()
    assert again is not None and not again.created
    assert consultation.document_versions.count() == 1
