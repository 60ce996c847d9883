"""The files of a built thematic report: the PDF (the report page, printed) in Polish and in
English, and the XLSX appendix (every opinion the version was built from, and its figures).

A built version never changes, so its files are rendered once (opinions.printing.store_file):
two renders at once (the task, and a first download that did not wait for it) keep one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment

from opinions.models import Channel, ReportMembership, ThematicReport
from opinions.printing import LOCAL_BASE as LOCAL_BASE
from opinions.printing import (
    PDF_VARIANT,
    bold_cells,
    cell_value,
    pdf_document,
    portal_url,
    sheet_with_columns,
    static_only_fetcher,
    store_file,
)
from opinions.reports.charts import COMPACT, report_figures

if TYPE_CHECKING:
    from weasyprint.document import Document

PRINT_TEMPLATE = "opinions/reports/print.html"
ENGLISH = "en"
# The PDF's relative links resolve against the portal's address (opinions.printing); without
# one they stay out of the PDF, whose quotes name their opinion's number anyway (as the XLSX
# appendix does).
MEMBERSHIP_CHUNK = 2000


class ReportNotBuilt(Exception):
    """Files are made only of a built report."""


def render_report_files(*, report_id: int) -> ThematicReport:
    """Render and store whichever of the report's PDFs (Polish, then English) and XLSX is
    missing; safe to re-run."""
    report = ThematicReport.objects.select_related(
        "area", "consultation", "requested_by", "published_by"
    ).get(pk=report_id)
    if report.status != ThematicReport.Status.BUILT:
        raise ReportNotBuilt(f"report {report_id} is {report.status}, not built")
    with translation.override(settings.LANGUAGE_CODE):
        if not report.pdf:
            _store(report, "pdf", f"{_base_name(report)}.pdf", render_pdf(report))
        if not report.xlsx:
            _store(report, "xlsx", f"{_base_name(report)}-opinie.xlsx", render_xlsx(report))
    # The English one last: should it fail, the Polish files are kept, and the task's
    # re-run (or a first download) makes only what is missing.
    with translation.override(ENGLISH):
        if not report.pdf_en:
            _store(report, "pdf_en", f"{_base_name(report)}-en.pdf", render_pdf(report))
    report.refresh_from_db(fields=["pdf", "pdf_en", "xlsx"])
    return report


def _base_name(report: ThematicReport) -> str:
    return f"raport-{report.area.slug}-v{report.version}-{report.pk}"


def _store(report: ThematicReport, field: str, filename: str, data: bytes) -> None:
    store_file(report, field, filename, data)


# --- PDF ------------------------------------------------------------------------------------


def render_pdf(report: ThematicReport) -> bytes:
    # PDF/UA: a tagged PDF (headings, tables, reading order) that screen readers can follow.
    return bytes(render_pdf_document(report).write_pdf(pdf_variant=PDF_VARIANT))


def render_pdf_document(report: ThematicReport) -> Document:
    """The report laid out on A4 pages by WeasyPrint (its `pages` are the PDF's pages)."""
    return pdf_document(render_to_string(PRINT_TEMPLATE, print_context(report)))


def print_context(report: ThematicReport) -> dict[str, Any]:
    from opinions.reports.building import previous_version

    previous = previous_version(report)
    return {
        "report": report,
        "content": report.content,
        "figures": report_figures(report.content, layout=COMPACT),
        "previous": previous if previous is not None and previous.is_published else None,
        "print": True,
        "has_links": bool(_portal_url()),
        "printed_at": timezone.now(),
        "PORTAL_NAME": settings.PORTAL_NAME,
    }


_portal_url = portal_url
_static_only_fetcher = static_only_fetcher


# --- XLSX -----------------------------------------------------------------------------------


def render_xlsx(report: ThematicReport) -> bytes:
    """Every opinion of the version (one row each) and, on a second sheet, its figures."""
    workbook = Workbook(write_only=True)
    _opinions_sheet(workbook, report)
    _figures_sheet(workbook, report)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_cell = cell_value
_header = sheet_with_columns
_bold = bold_cells


def _opinions_sheet(workbook: Workbook, report: ThematicReport) -> None:
    columns = [
        (_("Opinion no."), 12),
        (_("Text"), 80),
        (_("District"), 24),
        (_("Channel"), 24),
        (_("Date"), 12),
        (_("Sub-theme"), 36),
    ]
    sheet = _header(workbook, _("Opinions"), columns)
    sheet.append(_bold(sheet, [name for name, _width in columns]))
    channels = dict(Channel.choices)
    subthemes = {
        item["index"]: f"{item['index'] + 1}. {item['label']}"
        for item in report.content.get("subthemes", [])
    }
    from openpyxl.cell import WriteOnlyCell

    for opinion_id, text, district, channel, collected_on, subtheme in _memberships(report):
        text_cell = WriteOnlyCell(sheet, value=_cell(text))
        text_cell.alignment = Alignment(wrap_text=True, vertical="top")
        date_cell = WriteOnlyCell(sheet, value=collected_on)
        date_cell.number_format = "yyyy-mm-dd"
        sheet.append(
            [
                opinion_id,
                text_cell,
                _cell(district or _("no district")),
                _cell(str(channels.get(channel, channel))),
                date_cell,
                _cell(subthemes.get(subtheme, "") if subtheme is not None else ""),
            ]
        )


def _memberships(report: ThematicReport) -> Iterator[tuple[Any, ...]]:
    rows = (
        ReportMembership.objects.filter(report=report)
        .order_by("opinion_id")
        .values_list(
            "opinion_id",
            "opinion__text",
            "opinion__district__name",
            "opinion__channel",
            "opinion__collected_on",
            "subtheme",
        )
    )
    yield from rows.iterator(chunk_size=MEMBERSHIP_CHUNK)


def _figures_sheet(workbook: Workbook, report: ThematicReport) -> None:
    content = report.content
    sheet = _header(workbook, _("Figures"), [(_("What"), 40), (_("Opinions"), 12), ("%", 10)])
    sheet.append(_bold(sheet, [_("What"), _("Opinions"), _("Share (%)")]))
    scope = content.get("scope", {})
    sheet.append(
        [_cell(_("Area")), _cell(scope.get("area_name", "")), None],
    )
    sheet.append([_cell(_("Opinions in the report")), scope.get("opinion_count", 0), None])
    for figure in report_figures(content):
        sheet.append([])
        sheet.append(_bold(sheet, [figure.title, figure.total, None]))
        for bar in figure.bars:
            sheet.append([_cell(bar.label), bar.count, round(bar.percent, 2)])
    terms = content.get("terms", [])
    if terms:
        sheet.append([])
        sheet.append(_bold(sheet, [_("Key terms"), _("Opinions"), _("Score")]))
        for term in terms:
            sheet.append(
                [_cell(term.get("form") or term["term"]), term["count"], term.get("score")]
            )
    subthemes = content.get("subthemes", [])
    if subthemes:
        sheet.append([])
        sheet.append(_bold(sheet, [_("Sub-themes"), _("Opinions"), None]))
        for item in subthemes:
            sheet.append([_cell(f"{item['index'] + 1}. {item['label']}"), item["size"], None])
