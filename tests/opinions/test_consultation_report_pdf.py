"""The consultation report's PDF, printed in parts and joined into one tagged file: every
comment in it once and in order, its bookmarks, its tags (PDF/UA) and the build's progress."""

from __future__ import annotations

import io
import shutil
import subprocess
from typing import Any

import pikepdf
import pytest

from opinions.answers.models import ConsultationReport
from opinions.answers.report import files
from opinions.answers.report.building import build_report, request_report
from opinions.answers.report.content import cut_groups
from opinions.answers.report.merging import merge_tagged_pdfs
from opinions.printing import PDF_VARIANT, pdf_document
from tests.opinions.commented_document import (
    CommentedDocument,
    add_comment,
    commented_document,
)

pytestmark = pytest.mark.django_db


def group(key: str, count: int) -> dict[str, Any]:
    return {"key": key, "label": f"§{key}", "comments": [f"{key}{n}" for n in range(count)]}


def parts_of(groups: list[dict[str, Any]], size: int) -> list[list[tuple[str, list[str], bool]]]:
    return [
        [(g["key"], g["comments"], g["continued"]) for g in part]
        for part in cut_groups(groups, size)
    ]


# --- Cutting the comments into parts ----------------------------------------------------------


def test_groups_fill_parts_in_order() -> None:
    assert parts_of([group("a", 2), group("b", 1), group("c", 3)], 3) == [
        [("a", ["a0", "a1"], False), ("b", ["b0"], False)],
        [("c", ["c0", "c1", "c2"], False)],
    ]


def test_a_long_section_goes_on_over_parts_marked_continued() -> None:
    assert parts_of([group("a", 1), group("b", 5)], 2) == [
        [("a", ["a0"], False), ("b", ["b0"], False)],
        [("b", ["b1", "b2"], True)],
        [("b", ["b3", "b4"], True)],
    ]


def test_no_comments_is_one_part_without_groups() -> None:
    assert parts_of([], 500) == [[]]


# --- The joined file --------------------------------------------------------------------------


@pytest.fixture
def many_comments() -> CommentedDocument:
    """Nine comments on the vision, more than a part holds in these tests."""
    document = commented_document()
    wizja = document.sections[0]
    for number in range(8):
        add_comment(document.consultation, f"Dodatkowa uwaga {number} do wizji.", section=wizja)
    document.answer_everything()
    return document


def outline_titles(pdf: pikepdf.Pdf) -> list[tuple[str, int]]:
    """Every bookmark (depth first) with the number of the page it opens."""
    pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    found: list[tuple[str, int]] = []

    def walk(items: Any) -> None:
        for item in items:
            found.append((item.title, pages[item.destination[0].objgen]))
            walk(item.children)

    with pdf.open_outline() as outline:
        walk(outline.root)
    return found


def built_in_parts(
    document: CommentedDocument, monkeypatch: pytest.MonkeyPatch, size: int
) -> tuple[ConsultationReport, list[tuple[int, str]]]:
    monkeypatch.setattr(files, "PART_COMMENTS", size)
    progress: list[tuple[int, str]] = []
    report = request_report(consultation=document.consultation, requested_by=None)
    report = build_report(
        report_id=report.pk, on_progress=lambda percent, note: progress.append((percent, note))
    )
    assert report.status == ConsultationReport.Status.BUILT, report.error
    return report, progress


def opened(report: ConsultationReport) -> pikepdf.Pdf:
    with report.pdf.open("rb") as handle:
        return pikepdf.Pdf.open(io.BytesIO(handle.read()))


def test_every_comment_is_in_the_joined_pdf_once_and_in_order(
    many_comments: CommentedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, progress = built_in_parts(many_comments, monkeypatch, size=3)
    pdf = opened(report)
    titles = outline_titles(pdf)

    comments = [title.split(" · ")[0] for title, _page in titles if title.startswith("Uwaga nr")]
    assert comments == [f"Uwaga nr {n}" for n in range(1, report.comment_count + 1)]
    assert report.comment_count == 12
    # The bookmarks open pages in reading order, and the parts' pages are all there.
    assert [page for _title, page in titles] == sorted(page for _title, page in titles)
    assert titles[0][1] == 0 and titles[-1][1] == len(pdf.pages) - 1
    # The vision's nine comments span three parts: its heading is repeated, as continued.
    vision = [title for title, _page in titles if title.startswith("§1 Wizja")]
    assert vision == ["§1 Wizja", "§1 Wizja (ciąg dalszy)", "§1 Wizja (ciąg dalszy)"]
    # The report's own headings are printed once.
    assert [title for title, _page in titles if title.startswith("Raport")] == [
        f"Raport z konsultacji: {many_comments.consultation.title}"
    ]
    # The progress bar moves after each of the four parts, never back.
    pdf_steps = [percent for percent, note in progress if note == "pdf"]
    assert pdf_steps == [35, 46, 57, 68, 80]


def test_the_joined_pdf_is_tagged_for_pdf_ua(
    many_comments: CommentedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, _progress = built_in_parts(many_comments, monkeypatch, size=3)
    pdf = opened(report)

    assert bool(pdf.Root.MarkInfo.Marked) is True
    assert str(pdf.Root.Lang) == "pl"
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
    assert str(pdf.docinfo.Title).startswith("Raport z konsultacji")
    assert b"pdfuaid" in pdf.Root.Metadata.read_bytes()

    tree = pdf.Root.StructTreeRoot
    documents = list(tree.K) if isinstance(tree.K, pikepdf.Array) else [tree.K]
    assert len(documents) == 1 and documents[0].S == "/Document"
    page_ids = {page.obj.objgen for page in pdf.pages}
    kids = list(documents[0].K)
    assert kids and all(kid.P.objgen == documents[0].objgen for kid in kids)
    assert all(kid.Pg.objgen in page_ids for kid in kids if "/Pg" in kid)
    # Each page's marked content maps to its own entry of the parent tree.
    nums = tree.ParentTree.Nums
    keys = [int(nums[index]) for index in range(0, len(nums), 2)]
    assert keys == list(range(len(keys))) and int(tree.ParentTreeNextKey) == len(keys)
    assert [int(page.obj.StructParents) for page in pdf.pages] == list(range(len(pdf.pages)))
    # The elements of every part are in the tree (one document, not the first part only).
    kinds = element_kinds(kids)
    assert kinds.count("/H1") == 1
    assert kinds.count("/H4") == report.comment_count


def element_kinds(elements: list[Any]) -> list[str]:
    """The structure types of the elements and all their descendants."""
    kinds: list[str] = []
    for element in elements:
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue  # a marked-content id or reference, not an element
        kinds.append(str(element.S))
        kids = element.get("/K")
        if kids is not None:
            kinds.extend(element_kinds(list(kids) if isinstance(kids, pikepdf.Array) else [kids]))
    return kinds


def test_a_report_in_one_part_is_built_the_same_way(
    many_comments: CommentedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_one, _progress = built_in_parts(many_comments, monkeypatch, size=500)
    in_parts, _progress = built_in_parts(many_comments, monkeypatch, size=2)
    one, several = opened(in_one), opened(in_parts)
    # The same bookmarks but the repeated headings of the continued section.
    assert [t for t, _p in outline_titles(one)] == [
        t for t, _p in outline_titles(several) if "(ciąg dalszy)" not in t
    ]
    # Each of the six parts starts on a page of its own.
    assert len(one.pages) < len(several.pages) <= len(one.pages) + 6


def test_the_joined_file_holds_each_parts_pages_byte_for_byte() -> None:
    """The parts are closed as soon as they are joined: the joined file carries their streams'
    data itself (the pages' content, the embedded fonts), unchanged."""
    parts = [
        bytes(
            pdf_document(
                f'<html lang="pl"><title>Część {n}</title><h1>Część {n}</h1>'
                + "".join(f"<p>Akapit {n}.{k}: zażółć gęślą jaźń.</p>" for k in range(80))
            ).write_pdf(pdf_variant=PDF_VARIANT)
        )
        for n in (1, 2)
    ]
    joined = pikepdf.Pdf.open(io.BytesIO(merge_tagged_pdfs(parts)))

    expected: list[bytes] = []
    for data in parts:
        with pikepdf.Pdf.open(io.BytesIO(data)) as part:
            expected.extend(page.Contents.read_bytes() for page in part.pages)
    assert len(expected) > 2
    assert [page.Contents.read_bytes() for page in joined.pages] == expected
    for page in joined.pages:
        for font in page.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            assert len(descriptor.FontFile2.read_bytes()) > 1000


def test_every_page_of_every_part_carries_the_running_title_and_its_number(
    many_comments: CommentedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, _progress = built_in_parts(many_comments, monkeypatch, size=3)
    pages = pdf_pages_text(report)

    assert len(pages) == len(opened(report).pages) >= 4
    for number, text in enumerate(pages, start=1):
        footer = text.strip().splitlines()[-1].split()
        assert (
            " ".join(footer[:-1])
            == f"Strategia Lublin 2030 · Raport z konsultacji · wersja {report.version}"
        )
        assert footer[-1] == str(number)


def pdf_pages_text(report: ConsultationReport) -> list[str]:
    """Each page's text as pdftotext (poppler) lays it out."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    with report.pdf.open("rb") as handle:
        data = handle.read()
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode().split("\f")[:-1]
