"""Paper comments on a document: the import's optional `section` and `organisation` columns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.tabular import render_message
from opinions.importing import batches, checking, commit, messages
from opinions.models import ImportBatch, ImportRow, Opinion, SubmitterKind
from stages.models import Consultation, Stage
from tests.factories import DocumentConsultationFactory, DocumentVersionFactory, SectionFactory
from tests.opinions.test_importing import CONSULTATION, csv_bytes, row

pytestmark = pytest.mark.django_db

HEADER = [
    "text",
    "area",
    "district",
    "channel",
    "age_band",
    "collected_on",
    "section",
    "organisation",
]


@pytest.fixture
def consultation(lublin_process: None) -> Consultation:
    consultation = DocumentConsultationFactory(
        stage=Stage.objects.order_by("number").last(),
        slug="projekt-strategii",
        opens_at=timezone.now() - dt.timedelta(days=20),
    )
    version = DocumentVersionFactory(consultation=consultation)
    SectionFactory(version=version, key="cel-2-1", number="2.1")
    SectionFactory(version=version, key="cel-2-2", number="2.2")
    return consultation


def comment_row(section: str, organisation: str = "") -> list[str]:
    today = timezone.localdate().isoformat()
    return [*row(collected_on=today), section, organisation]


def run_import(consultation: Consultation, rows: list[list[str]]) -> ImportBatch:
    batch = batches.create_batch(
        content=csv_bytes(rows, header=HEADER),
        original_name="uwagi.csv",
        consultation=consultation,
        event=None,
        uploaded_by=None,
    )
    checking.check_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW, batch.error
    assert commit.claim_commit(batch_id=batch.pk)
    commit.commit_batch(batch_id=batch.pk)
    return batch


def test_paper_comments_land_on_their_sections(consultation: Consultation) -> None:
    run_import(
        consultation,
        [
            comment_row("2.1"),
            comment_row("§2.2", "Rada Dzielnicy Czuby Północne"),
            comment_row(""),
        ],
    )
    saved = {o.section.number if o.section else "": o for o in Opinion.objects.all()}
    assert set(saved) == {"2.1", "2.2", ""}
    assert saved["2.2"].organisation == "Rada Dzielnicy Czuby Północne"
    assert saved["2.2"].submitter_kind == SubmitterKind.ORGANISATION
    assert saved["2.1"].submitter_kind == SubmitterKind.PERSON
    assert all(o.status == Opinion.Status.PENDING for o in saved.values())


def test_an_unknown_section_rejects_that_row_alone(consultation: Consultation) -> None:
    batch = run_import(consultation, [comment_row("9.9"), comment_row("2.1")])
    rejected = ImportRow.objects.get(batch=batch, verdict=ImportRow.Verdict.REJECTED)
    with translation.override("en"):
        text = [messages.render_message(reason) for reason in rejected.reasons]
    assert rejected.row_number == 2
    assert any("unknown section “9.9”" in reason for reason in text)
    assert Opinion.objects.get().section.number == "2.1"


def test_a_section_for_an_open_question_is_refused(lublin_process: None) -> None:
    open_question = Consultation.objects.get(slug=CONSULTATION)
    batch = batches.create_batch(
        content=csv_bytes([[*row(), "2.1", ""]], header=HEADER),
        original_name="uwagi.csv",
        consultation=open_question,
        event=None,
        uploaded_by=None,
    )
    checking.check_batch(batch_id=batch.pk)
    only = ImportRow.objects.get(batch=batch)
    assert only.verdict == ImportRow.Verdict.REJECTED
    with translation.override("en"):
        assert "has no document" in messages.render_message(only.reasons[0])


def checked(consultation: Consultation, rows: list[list[str]]) -> ImportBatch:
    batch = batches.create_batch(
        content=csv_bytes(rows, header=HEADER),
        original_name="uwagi.csv",
        consultation=consultation,
        event=None,
        uploaded_by=None,
    )
    checking.check_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW, batch.error
    return batch


def committed(batch: ImportBatch) -> None:
    assert commit.claim_commit(batch_id=batch.pk)
    commit.commit_batch(batch_id=batch.pk)


def row_reasons(batch: ImportBatch) -> list[str]:
    with translation.override("en"):
        return [
            render_message(reason)
            for reasons in ImportRow.objects.filter(batch=batch)
            .order_by("row_number")
            .values_list("reasons", flat=True)
            for reason in reasons
        ]


def test_a_new_version_published_between_check_and_commit_keeps_the_checked_section(
    consultation: Consultation,
) -> None:
    batch = checked(consultation, [comment_row("2.1"), comment_row("")])
    checked_section = consultation.document_versions.get().sections.get(number="2.1")
    newer = DocumentVersionFactory(consultation=consultation)
    SectionFactory(version=newer, key="cel-2-1", number="2.1")

    committed(batch)
    saved = Opinion.objects.exclude(section=None).get()
    assert saved.section == checked_section
    assert Opinion.objects.count() == 2
    assert row_reasons(batch) == [
        "a newer version of the document was published after the check: the comment stays "
        "on §2.1 of the version it was checked against"
    ]


def test_a_section_removed_after_the_check_loses_nothing_but_the_section(
    consultation: Consultation,
) -> None:
    batch = checked(consultation, [comment_row("2.2", "Rada Dzielnicy Czuby Północne")])
    consultation.document_versions.get().sections.filter(number="2.2").delete()

    committed(batch)
    saved = Opinion.objects.get()
    assert saved.section is None
    assert saved.organisation == "Rada Dzielnicy Czuby Północne"
    assert row_reasons(batch) == [
        "section §2.2 was removed after the check: the comment is saved without a section"
    ]
