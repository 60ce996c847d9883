"""The files of a consultation report version, rendered from its content during the build:
the PDF (the report page, printed by WeasyPrint) and the XLSX (a sheet of figures and a
sheet of every comment with its answer). Neither reads the database: the content is what
the version says, so the page and both files say the same.

The PDF is printed in parts of some `PART_COMMENTS` comments each, joined into one tagged
file (merging.py): WeasyPrint keeps every page of a document in memory until it is written
and its tagging costs grow with the pages times the tagged elements, so one document of
20,000 comments took 45 minutes and 8 GB, while parts take time and memory in proportion
to the comments (bench/consultation_report_bench.py). Each part starts its page numbers
where the previous one ended; two processes print them (printers.py), and the parts are
joined here as they come.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment

from opinions.answers.models import ConsultationReport
from opinions.answers.report.content import cut_groups
from opinions.answers.report.display import report_figures
from opinions.answers.report.merging import merge_tagged_pdfs
from opinions.answers.report.printers import cyclic_gc_off, printed_parts
from opinions.printing import (
    bold_cells,
    cell_value,
    pdf_base_url,
    portal_url,
    sheet_with_columns,
)
from opinions.reports.charts import PRINT_STACKED

PRINT_TEMPLATE = "opinions/answers/report/print.html"
# Comments per part of the PDF: about 120 pages, some 250 MB while laid out. Parts of 250,
# 500 and 1,000 comments took the same CPU time per comment (some 11 ms, the join included):
# what a part repeats (styles, fonts) is small beside its lines; a larger part only
# needs more memory.
PART_COMMENTS = 500

PartCallback = Callable[[int, int], None]


def print_context(
    report: ConsultationReport,
    *,
    groups: list[dict[str, Any]] | None = None,
    continued: bool = False,
    first_page: int = 1,
) -> dict[str, Any]:
    """The print template's context: the whole report, or one part of it (`groups`, the
    comments it prints; `continued`, a part after the first, which starts at `first_page`)."""
    return {
        "report": report,
        "consultation": report.consultation,
        "content": report.content,
        "groups": report.content.get("groups", []) if groups is None else groups,
        "show_summary": not continued,
        "continued": continued,
        "first_page": first_page,
        "figures": [] if continued else report_figures(report.content, layout=PRINT_STACKED),
        "print": True,
        "has_links": bool(portal_url()),
        "printed_at": timezone.now(),
        "PORTAL_NAME": settings.PORTAL_NAME,
    }


def render_html(report: ConsultationReport) -> str:
    """The whole report as one HTML document (the PDF prints it in parts)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(PRINT_TEMPLATE, print_context(report))


def render_pdf(report: ConsultationReport, on_part: PartCallback | None = None) -> bytes:
    """The report's PDF, printed in parts (printers.py) and joined; `on_part(done, total)`
    after each."""
    parts = list(cut_groups(report.content.get("groups", []), PART_COMMENTS))

    def html_for(index: int, first_page: int) -> str:
        context = print_context(
            report, groups=parts[index], continued=index > 0, first_page=first_page
        )
        return render_to_string(PRINT_TEMPLATE, context)

    def in_order(printed: Iterator[bytes]) -> Iterator[bytes]:
        for done, data in enumerate(printed, start=1):
            yield data
            if on_part is not None:
                on_part(done, len(parts))

    printed = printed_parts(html_for, len(parts), base_url=pdf_base_url())
    # closing: if the join or on_part fails, the printers stop now, not when the generator
    # is collected (the cycle collector is off, and the traceback keeps its frame).
    with (
        translation.override(settings.LANGUAGE_CODE),
        cyclic_gc_off(),
        closing(printed),
    ):
        return merge_tagged_pdfs(in_order(printed))


# --- XLSX -----------------------------------------------------------------------------------


def render_xlsx(report: ConsultationReport) -> bytes:
    """A sheet of the figures, then one row per published comment with its answer."""
    with translation.override(settings.LANGUAGE_CODE):
        workbook = Workbook(write_only=True)
        _figures_sheet(workbook, report)
        _comments_sheet(workbook, report)
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


def _figures_sheet(workbook: Workbook, report: ConsultationReport) -> None:
    content = report.content
    # "Uwagi", as the rest of the report says (plain "Comments" is "Komentarze" elsewhere).
    comments = pgettext("consultation report", "Comments")
    sheet = sheet_with_columns(workbook, _("Figures"), [(_("What"), 60), (comments, 12), ("%", 10)])
    sheet.append(bold_cells(sheet, [_("What"), comments, _("Share (%)")]))
    sheet.append([cell_value(_("Consultation")), cell_value(content["consultation"]["title"])])
    totals = content["totals"]
    for label, key in (
        (_("Comments received"), "received"),
        (_("Published and answered below"), "published"),
        (_("Not published (moderation)"), "rejected"),
        (_("Waiting for moderation"), "pending"),
        (_("With a published answer"), "answered"),
        (_("Still unanswered"), "unanswered"),
    ):
        sheet.append([cell_value(label), totals[key], None])
    for figure in report_figures(content):
        sheet.append([])
        sheet.append(bold_cells(sheet, [figure.title, figure.total, None]))
        for bar in figure.bars:
            sheet.append([cell_value(bar.label), bar.count, round(bar.percent, 2)])
    institutions = content.get("institutions") or []
    if institutions:
        sheet.append([])
        sheet.append(bold_cells(sheet, [_("Institutions that commented"), comments, None]))
        for item in institutions:
            sheet.append([cell_value(item["name"]), item["count"], None])


COMMENT_COLUMNS = [
    (gettext_noop("No."), 8),
    (gettext_noop("Section"), 30),
    (gettext_noop("Sent by"), 22),
    (gettext_noop("Organisation"), 28),
    (gettext_noop("Channel"), 18),
    (gettext_noop("Received"), 12),
    (gettext_noop("Comment"), 70),
    (gettext_noop("Proposed wording"), 50),
    (gettext_noop("Justification of the comment"), 50),
    (gettext_noop("Position"), 18),
    (gettext_noop("Justification of the position"), 70),
    (gettext_noop("Changed section"), 24),
]


def _comments_sheet(workbook: Workbook, report: ConsultationReport) -> None:
    columns = [(_(name), width) for name, width in COMMENT_COLUMNS]
    sheet = sheet_with_columns(workbook, _("Comments and answers"), columns)
    sheet.append(bold_cells(sheet, [name for name, _width in columns]))
    wrap = Alignment(wrap_text=True, vertical="top")

    def wrapped(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=cell_value(value))
        cell.alignment = wrap
        return cell

    no_answer = _("no answer yet")
    for group in report.content.get("groups", []):
        for comment in group["comments"]:
            answer = comment["answer"] or {}
            changed = answer.get("changed_section")
            sheet.append(
                [
                    comment["number"],
                    cell_value(group["label"]),
                    cell_value(comment["submitter_label"]),
                    cell_value(comment["organisation"]),
                    cell_value(comment["channel_label"]),
                    cell_value(comment["received"] or ""),
                    wrapped(comment["text"]),
                    wrapped(comment["proposed_wording"]),
                    wrapped(comment["justification"]),
                    cell_value(answer.get("decision_label", no_answer)),
                    wrapped(answer.get("justification", "")),
                    cell_value(_changed_label(changed)),
                ]
            )


def _changed_label(changed: dict[str, Any] | None) -> str:
    if not changed:
        return ""
    return _("§%(number)s of version %(version)s") % {
        "number": changed["number"],
        "version": changed["version"],
    }
