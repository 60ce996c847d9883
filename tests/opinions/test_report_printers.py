"""The processes that print the consultation report's PDF parts (opinions/answers/report/
printers.py): real processes, real WeasyPrint; the parts come back in order with their
page numbers chained, and a part that fails or a printer that stops fails the build."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pikepdf
import pytest

from opinions.answers.models import ConsultationReport
from opinions.answers.report import files, printers
from opinions.answers.report.building import build_report, request_report
from opinions.answers.report.printers import PrintingFailed, printed_parts
from tests.opinions.commented_document import CommentedDocument, add_comment, commented_document

BASE = "https://portal.invalid/"


def part_html(index: int, first_page: int, sizes: tuple[int, ...] = (1, 2, 3, 4)) -> str:
    """A part of sizes[index] pages whose footers print their page numbers."""
    pages = "".join(
        f'<p style="break-before: page">Część {index}, strona {n}.</p>' for n in range(sizes[index])
    )
    return (
        f'<html lang="pl"><title>Część {index}</title><style>@page {{ size: A7; '
        "@bottom-right { content: 'str. ' counter(page) } } "
        f"@page :first {{ counter-reset: page {first_page} }}</style>{pages}"
    )


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[printers._Printer]:
    """The printers that printed_parts starts, as if the machine had two CPUs."""
    monkeypatch.setattr(printers, "usable_cpus", lambda: 2)
    started: list[printers._Printer] = []

    class Recorded(printers._Printer):
        def __init__(self) -> None:
            super().__init__()
            started.append(self)

    monkeypatch.setattr(printers, "_Printer", Recorded)
    return started


def page_texts(data: bytes) -> list[str]:
    import subprocess

    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


@pytest.mark.parametrize("printers_at_most", [1, 2])
def test_parts_come_back_in_order_numbered_on_from_the_part_before(
    monkeypatch: pytest.MonkeyPatch, started: list[printers._Printer], printers_at_most: int
) -> None:
    """Two printers (other processes) or this process: the same parts, the same numbers.
    The first part is the longest to write, so with two printers the second part is
    written first and must wait for it."""
    monkeypatch.setattr(printers, "PRINTERS", printers_at_most)
    sizes = (40, 1, 1, 2)

    def html_for(index: int, first_page: int) -> str:
        return part_html(index, first_page, sizes)

    parts = list(printed_parts(html_for, 4, base_url=BASE))

    assert [len(pikepdf.Pdf.open(io.BytesIO(data)).pages) for data in parts] == list(sizes)
    texts = [text for data in parts for text in page_texts(data)]
    expected = [
        f"Część {index}, strona {n}. str. {number}"
        for number, (index, n) in enumerate(
            ((index, n) for index in range(4) for n in range(sizes[index])), start=1
        )
    ]
    assert texts == expected
    assert len(started) == (2 if printers_at_most == 2 else 0)
    assert all(printer.process.poll() == 0 for printer in started)  # stopped when asked


def test_a_part_that_fails_to_print_says_which_and_why(started: list[printers._Printer]) -> None:
    def html_for(index: int, first_page: int) -> Any:
        return part_html(index, first_page) if index != 2 else None  # not HTML

    printed = printed_parts(html_for, 4, base_url=BASE)
    assert next(printed).startswith(b"%PDF")
    with pytest.raises(PrintingFailed, match=r"part 3 of the PDF: \w+Error: ") as failed:
        list(printed)
    assert "Traceback" not in str(failed.value)  # the error first, then where it was
    assert "printers.py" in str(failed.value)
    assert len(started) == 2
    assert all(printer.process.poll() is not None for printer in started)


def test_printers_stop_when_the_parts_are_not_wanted_any_more(
    started: list[printers._Printer],
) -> None:
    """The join failing after the first part: closing the parts stops both printers."""
    printed = printed_parts(part_html, 4, base_url=BASE)
    next(printed)
    assert all(printer.process.poll() is None for printer in started)

    printed.close()

    assert len(started) == 2
    assert all(printer.process.poll() is not None for printer in started)


def test_a_printer_that_does_not_answer_fails_the_print_in_time(
    monkeypatch: pytest.MonkeyPatch, started: list[printers._Printer]
) -> None:
    monkeypatch.setattr(printers, "MODULE", "tests.opinions.hung_printer")
    monkeypatch.setattr(printers, "REPLY_TIMEOUT", 0.5)
    monkeypatch.setattr(printers, "STOP_TIMEOUT", 0.5)

    with pytest.raises(PrintingFailed, match=r"no printing process answered in 0\.5 s"):
        list(printed_parts(part_html, 4, base_url=BASE))

    assert all(printer.process.poll() is not None for printer in started)  # killed


def test_a_printer_that_stops_is_a_failure_not_a_wait() -> None:
    with printers._Printer() as printer:
        printer.process.kill()
        with pytest.raises(PrintingFailed, match="a printing process stopped"):
            printer.receive()


@pytest.mark.django_db
def test_a_build_whose_printers_cannot_start_fails_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document: CommentedDocument = commented_document()
    for number in range(6):
        add_comment(
            document.consultation, f"Uwaga {number} do wizji.", section=document.sections[0]
        )
    monkeypatch.setattr(files, "PART_COMMENTS", 3)
    # python -m of a module that is not there: each printer exits at once.
    monkeypatch.setattr(printers, "MODULE", "opinions.answers.report.no_such_printer")
    report = request_report(consultation=document.consultation, requested_by=None)

    report = build_report(report_id=report.pk)

    assert report.status == ConsultationReport.Status.FAILED
    assert report.error.startswith("PrintingFailed: a printing process stopped (exit code 1)")
    assert not report.pdf and not report.xlsx and not report.content


@pytest.mark.django_db
def test_a_join_that_fails_stops_the_printers_at_once(
    monkeypatch: pytest.MonkeyPatch, started: list[printers._Printer]
) -> None:
    document: CommentedDocument = commented_document()
    for number in range(9):
        add_comment(
            document.consultation, f"Uwaga {number} do wizji.", section=document.sections[0]
        )
    monkeypatch.setattr(files, "PART_COMMENTS", 3)

    def join_failing_after_one(parts: Iterator[bytes]) -> bytes:
        next(parts)
        raise ValueError("the join failed")

    monkeypatch.setattr(files, "merge_tagged_pdfs", join_failing_after_one)
    report = request_report(consultation=document.consultation, requested_by=None)

    report = build_report(report_id=report.pk)

    assert report.status == ConsultationReport.Status.FAILED
    assert report.error.startswith("ValueError: the join failed")
    assert len(started) == 2
    assert all(printer.process.poll() is not None for printer in started)
