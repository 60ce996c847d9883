"""Building the consultation report: its content, files, versions, claims, and publishing."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.builds import builder_lock
from opinions.answers.models import ConsultationReport, Decision
from opinions.answers.report import building, tasks
from opinions.answers.report.building import (
    build_report,
    publish_refusal,
    publish_report,
    request_report,
    retry_report,
)
from opinions.answers.report.content import read_content, unanswered_count
from opinions.answers.report.files import PRINT_TEMPLATE, print_context, render_html
from opinions.models import Opinion
from tests.factories import ConsultationFactory, editor
from tests.opinions.commented_document import (
    PERSON_EMAIL,
    PERSON_NAME,
    PERSON_USERNAME,
    CommentedDocument,
    add_comment,
    commented_document,
)

pytestmark = pytest.mark.django_db

PRIVATE = (PERSON_NAME, PERSON_EMAIL, PERSON_USERNAME, "Prywatna")


@pytest.fixture
def document() -> CommentedDocument:
    return commented_document()


def answered(document: CommentedDocument) -> CommentedDocument:
    """Every comment answered; the pending one published first."""
    Opinion.objects.filter(pk=document.comments["pending"].pk).update(
        status=Opinion.Status.PUBLISHED
    )
    document.answer(
        "ngo",
        decision=Decision.PARTLY,
        justification="Dodano kierunek dotyczący dróg rowerowych, bez wskazania lokalizacji.",
        changed=document.next_version.sections.get(key="cele"),
    )
    document.answer("water", decision=Decision.ACCEPTED)
    document.answer("person", decision=Decision.NOT_ACCEPTED, justification="Cel ujęto w 2.3.")
    document.answer_everything()
    return document


def built(document: CommentedDocument) -> ConsultationReport:
    report = request_report(consultation=document.consultation, requested_by=editor())
    return build_report(report_id=report.pk)


def all_comments(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [comment for group in content["groups"] for comment in group["comments"]]


# --- Content --------------------------------------------------------------------------------


def test_comments_are_grouped_by_section_in_document_order(document: CommentedDocument) -> None:
    content = read_content(document.consultation)

    groups = [(group["key"], [c["id"] for c in group["comments"]]) for group in content["groups"]]
    comments = document.comments
    assert groups == [
        ("wizja", [comments["water"].pk]),
        ("cele", [comments["person"].pk, comments["ngo"].pk]),
        ("other", [comments["general"].pk]),
    ]
    assert [group["label"] for group in content["groups"]] == [
        "§1 Wizja",
        "§2 Cele strategiczne",
        "Uwagi nieodnoszące się do konkretnej części",
    ]
    # Numbered in the order they are printed; pending and rejected comments are not printed.
    assert [comment["number"] for comment in all_comments(content)] == [1, 2, 3, 4]


def test_a_comment_is_printed_verbatim_with_its_answer(document: CommentedDocument) -> None:
    answered(document)
    content = read_content(document.consultation)
    ngo = next(c for c in all_comments(content) if c["id"] == document.comments["ngo"].pk)

    assert ngo["text"] == "Cel 2.1 pomija transport rowerowy."
    assert ngo["proposed_wording"] == "Rozwój sieci dróg rowerowych łączących dzielnice."
    assert ngo["justification"] == "Udział ruchu rowerowego rośnie od lat."
    assert ngo["organisation"] == "Stowarzyszenie Rowerowy Lublin"
    assert ngo["submitter_label"] == "organizacja lub instytucja"
    assert ngo["channel_label"] == "spotkanie w dzielnicy"
    assert ngo["answer"] == {
        "id": document.answers["ngo"].pk,
        "decision": "partly",
        "decision_label": "uwzględniono częściowo",
        "justification": "Dodano kierunek dotyczący dróg rowerowych, bez wskazania lokalizacji.",
        "changed_section": {"key": "cele", "number": "2", "heading": "Cele", "version": 2},
    }


def test_a_private_persons_name_is_never_kept(document: CommentedDocument) -> None:
    content = read_content(document.consultation)
    person = next(c for c in all_comments(content) if c["id"] == document.comments["person"].pk)
    assert person["organisation"] == ""
    assert person["submitter_label"] == "osoba prywatna"
    assert not any(value in str(content) for value in PRIVATE)
    assert [item["name"] for item in content["institutions"]] == [
        "Państwowe Gospodarstwo Wodne Wody Polskie",
        "Stowarzyszenie Rowerowy Lublin",
    ]


def test_figures_count_every_category(document: CommentedDocument) -> None:
    document.answer("ngo", decision=Decision.PARTLY)
    document.answer("water", decision=Decision.ACCEPTED)
    document.answer("person", published=False)
    content = read_content(document.consultation)
    figures = {
        key: {row["key"]: row["count"] for row in rows} for key, rows in content["figures"].items()
    }

    assert figures["by_section"] == {"1:wizja": 1, "1:cele": 2, ":other": 1}
    assert figures["by_channel"]["online"] == 3 and figures["by_channel"]["district-meeting"] == 1
    assert figures["by_channel"]["survey"] == 0
    assert figures["by_submitter"] == {"person": 2, "organisation": 1, "public-body": 1}
    # The draft answer is not a position yet.
    assert figures["by_decision"] == {
        "accepted": 1,
        "partly": 1,
        "not-accepted": 0,
        "not-applicable": 0,
        "none": 2,
    }
    assert figures["rejected_by_reason"]["offensive"] == 1
    assert sum(figures["rejected_by_reason"].values()) == 1
    assert content["totals"] == {
        "received": 6,
        "published": 4,
        "rejected": 1,
        "pending": 1,
        "answered": 2,
        "unanswered": 3,
    }
    assert (content["complete"], content["unanswered_count"]) == (False, 3)


def test_unanswered_means_pending_or_published_without_a_published_answer(
    document: CommentedDocument,
) -> None:
    assert unanswered_count(document.consultation) == 5
    document.answer("ngo", "water")
    document.answer("person", published=False)
    assert unanswered_count(document.consultation) == 3
    answered(document)
    assert unanswered_count(document.consultation) == 0
    content = read_content(document.consultation)
    assert (content["complete"], content["unanswered_count"]) == (True, 0)


def test_an_open_question_without_sections_puts_everything_in_other() -> None:
    consultation = ConsultationFactory()
    first = add_comment(consultation, "Więcej zieleni w centrum.")
    second = add_comment(consultation, "Lepsza komunikacja miejska.")
    content = read_content(consultation)
    assert [group["key"] for group in content["groups"]] == ["other"]
    assert [c["id"] for c in content["groups"][0]["comments"]] == [first.pk, second.pk]


def test_a_consultation_without_comments_builds_an_empty_report() -> None:
    consultation = ConsultationFactory()
    report = build_report(report_id=request_report(consultation=consultation, requested_by=None).pk)
    assert report.status == ConsultationReport.Status.BUILT, report.error
    assert report.content["complete"] is True and "groups" not in report.content
    assert list(report.pages.values_list("number", "groups")) == [(1, [])]
    assert report.pdf and report.xlsx


# --- Files: no personal data anywhere --------------------------------------------------------


def pdf_text(report: ConsultationReport) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    with report.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode()


def xlsx_sheets(report: ConsultationReport) -> list[list[tuple[Any, ...]]]:
    with report.xlsx.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    return [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]


def test_html_pdf_and_xlsx_hold_every_comment_and_no_personal_data(
    document: CommentedDocument,
) -> None:
    report = built(answered(document))
    assert report.status == ConsultationReport.Status.BUILT, report.error

    html = render_html(report)
    text = pdf_text(report)
    figures, comments = xlsx_sheets(report)
    xlsx = "\n".join(str(cell) for row in figures + comments for cell in row if cell is not None)
    for output in (html, text, xlsx):
        for private in PRIVATE:
            assert private not in output
        assert "Stowarzyszenie Rowerowy Lublin" in output
        assert "Państwowe Gospodarstwo Wodne Wody Polskie" in output
        assert "uwzględniono częściowo" in output
        assert "nie uwzględniono" in output
    assert "Rozwój sieci dróg rowerowych" in " ".join(text.split())
    assert "Proszę dopisać cel dotyczący zieleni osiedlowej." in " ".join(text.split())

    header, *rows = comments
    assert header[0] == "Nr" and len(header) == 12
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5]
    ngo = next(row for row in rows if row[6] == "Cel 2.1 pomija transport rowerowy.")
    assert ngo[1:4] == (
        "§2 Cele strategiczne",
        "organizacja lub instytucja",
        "Stowarzyszenie Rowerowy Lublin",
    )
    assert ngo[9] == "uwzględniono częściowo"
    assert ngo[11] == "§2 w wersji 2"
    assert ("Uwagi otrzymane", 6, None) in figures


def test_the_files_print_whole_chart_labels_and_call_comments_uwagi(
    document: CommentedDocument,
) -> None:
    """The PDF's charts once cut "organizacja lub instytu…" beside the bar; its tables and
    the XLSX said "Komentarze" where the report says "uwagi" (English keeps "Comments")."""
    report = built(answered(document))
    html = render_html(report)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg"' in html
    assert ">organizacja lub instytucja</text>" in html
    assert ">gmina lub inny podmiot publiczny</text>" in html
    assert "…</text>" not in html
    assert '<th scope="col" class="num">Uwagi</th>' in html and "Komentarze" not in html

    figures, _comments = xlsx_sheets(report)
    assert figures[0] == ("Co", "Uwagi", "Udział (%)")
    assert ("Instytucje, które zgłosiły uwagi", "Uwagi", None) in figures
    assert not any("Komentarze" in str(cell) for row in figures for cell in row)

    with translation.override("en"):
        english = render_to_string(PRINT_TEMPLATE, print_context(report))
    assert '<th scope="col" class="num">Comments</th>' in english


# --- Versions, claims, idempotence ----------------------------------------------------------


def test_request_queues_a_version_and_sends_its_build_after_commit(
    document: CommentedDocument, django_capture_on_commit_callbacks: Any
) -> None:
    person = editor()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = request_report(consultation=document.consultation, requested_by=person)
    assert (first.version, first.status, first.requested_by) == (1, "queued", person)
    assert len(callbacks) == 1

    with pytest.raises(ValidationError, match="Trwa budowanie"):
        request_report(consultation=document.consultation, requested_by=person)
    assert ConsultationReport.objects.count() == 1

    build_report(report_id=first.pk)
    second = request_report(consultation=document.consultation, requested_by=person)
    assert second.version == 2


def test_the_task_builds_and_a_second_run_changes_nothing(document: CommentedDocument) -> None:
    report = request_report(consultation=document.consultation, requested_by=None)
    progress: list[tuple[int, str]] = []
    build_report(
        report_id=report.pk, on_progress=lambda percent, note: progress.append((percent, note))
    )
    report.refresh_from_db()
    assert report.status == ConsultationReport.Status.BUILT
    # The PDF notes its progress after each of its parts (one here) too.
    notes = [
        note
        for index, (_percent, note) in enumerate(progress)
        if progress[index - 1][1] != note or not index
    ]
    assert notes == ["comments", "pdf", "xlsx", "saving", "done"]
    assert [percent for percent, _note in progress] == sorted(
        percent for percent, _note in progress
    )
    first = (report.content, report.built_at, report.pdf.name, report.xlsx.name, report.started_at)

    # The Celery task itself, delivered again: the version is built, nothing is redone.
    tasks.build_consultation_report(report.pk)
    report.refresh_from_db()
    assert (
        report.content,
        report.built_at,
        report.pdf.name,
        report.xlsx.name,
        report.started_at,
    ) == first
    assert report.comment_count == 4


def test_a_build_whose_worker_died_is_taken_over(document: CommentedDocument) -> None:
    report = request_report(consultation=document.consultation, requested_by=None)
    # Marked building by a worker that was killed (no live process holds its lock).
    ConsultationReport.objects.filter(pk=report.pk).update(
        status=ConsultationReport.Status.BUILDING, started_at=timezone.now(), progress=35
    )
    report = build_report(report_id=report.pk)
    assert report.status == ConsultationReport.Status.BUILT
    assert report.progress == 100


@contextmanager
def live_builder(report_id: int) -> Iterator[None]:
    """Another process building the version: its lock, held from another thread (another
    database session on PostgreSQL, another open file on SQLite)."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with builder_lock(
                kind="consultation-report", namespace=building.LOCK_NAMESPACE, pk=report_id
            ) as held:
                assert held
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        thread.join(10)


def test_a_build_held_by_a_live_builder_is_left_alone(document: CommentedDocument) -> None:
    report = request_report(consultation=document.consultation, requested_by=None)
    with live_builder(report.pk):
        assert build_report(report_id=report.pk).status == ConsultationReport.Status.QUEUED


def test_a_version_left_building_by_a_dead_worker_can_be_retried(
    document: CommentedDocument, django_capture_on_commit_callbacks: Any
) -> None:
    report = request_report(consultation=document.consultation, requested_by=None)
    ConsultationReport.objects.filter(pk=report.pk).update(
        status=ConsultationReport.Status.BUILDING, started_at=timezone.now(), progress=35
    )
    # While its builder lives, it is not taken from it.
    with live_builder(report.pk), pytest.raises(ValidationError):
        retry_report(report=report)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = retry_report(report=report)
    assert (report.status, report.progress) == (ConsultationReport.Status.QUEUED, 0)
    assert len(callbacks) == 1


def test_a_failed_build_says_why_and_can_be_retried(
    document: CommentedDocument, settings: Any, tmp_path: Any
) -> None:
    report = request_report(consultation=document.consultation, requested_by=None)
    media = settings.MEDIA_ROOT
    # A media folder that cannot be created: the files cannot be stored.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker / "media")
    report = build_report(report_id=report.pk)
    assert report.status == ConsultationReport.Status.FAILED
    assert report.error.startswith(("NotADirectoryError", "FileExistsError", "OSError"))
    assert not report.pdf and not report.content

    settings.MEDIA_ROOT = media
    report = retry_report(report=report)
    assert (report.status, report.error) == (ConsultationReport.Status.QUEUED, "")
    assert build_report(report_id=report.pk).status == ConsultationReport.Status.BUILT
    with pytest.raises(ValidationError):
        retry_report(report=report)


# --- Publishing -----------------------------------------------------------------------------


def test_publishing_is_refused_while_a_comment_is_unanswered(document: CommentedDocument) -> None:
    report = built(document)
    with pytest.raises(ValidationError, match="5 uwag nadal czeka na odpowiedź"):
        publish_report(report=report, editor=editor())
    report.refresh_from_db()
    assert report.published_at is None

    # Answered since, but this version was built without the answers: a new one is needed.
    answered(document)
    assert "zbuduj nową wersję" in publish_refusal(report)
    with pytest.raises(ValidationError):
        publish_report(report=report, editor=editor())

    complete = built(document)
    person = editor()
    complete = publish_report(report=complete, editor=person)
    assert complete.is_published and complete.published_by == person
    with pytest.raises(ValidationError, match="już publiczna"):
        publish_report(report=complete, editor=person)


def test_a_version_not_built_cannot_be_published(document: CommentedDocument) -> None:
    answered(document)
    report = request_report(consultation=document.consultation, requested_by=None)
    with pytest.raises(ValidationError, match="Tylko zbudowaną"):
        publish_report(report=report, editor=editor())


@pytest.mark.parametrize(("days_after_close", "met"), [(29, True), (30, True), (31, False)])
def test_the_thirty_day_deadline(days_after_close: int, met: bool) -> None:
    closes_at = dt.datetime(2021, 12, 20, 23, 59, tzinfo=dt.UTC)
    with time_machine.travel(closes_at + dt.timedelta(days=1), tick=False):
        document = answered(commented_document(closes_at=closes_at))
        report = built(document)
    assert report.deadline_met is None
    with time_machine.travel(closes_at + dt.timedelta(days=days_after_close), tick=False):
        report = publish_report(report=report, editor=editor())
    assert report.published_at == closes_at + dt.timedelta(days=days_after_close)
    assert report.deadline_met is met
