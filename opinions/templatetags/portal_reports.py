"""Filters for the thematic reports' pages and files: shares, Polish plurals, dates, the
builder's progress notes; whether a consultation report's version can be published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy

from opinions.answers.models import ConsultationReport
from opinions.answers.report import building as consultation_report
from opinions.reports import building as reports
from opinions.reports.terms import written_form

register = template.Library()


@register.filter
def share_percent(value: float | int | None, digits: int = 1) -> str:
    """A share (0.1028) as a percentage number in the current locale ("10,3")."""
    if value is None:
        return "—"
    return str(number_format(100 * float(value), digits))


@register.filter
def pl_plural(count: int, forms: str) -> str:
    """The Polish form of a noun after a number: "opinia,opinie,opinii" → 1 opinia, 3 opinie,
    5 opinii, 22 opinie, 25 opinii (the report's Polish text needs it whatever the UI says)."""
    one, few, many = forms.split(",")
    count = abs(int(count))
    if count == 1:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


@register.filter
def share_of(count: int, total: int) -> str:
    """`count` as a percentage of `total` ("12,5"); a dash when the total is zero."""
    if not total:
        return "—"
    return str(number_format(100 * int(count) / int(total), 1))


@register.filter
def iso_date(value: str | None) -> dt.date | None:
    """A date written in a report's content ("2020-05-01") as a date, for the `date` filter."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@register.filter
def iso_datetime(value: str | None) -> dt.datetime | None:
    """A moment written in a report's content (ISO 8601, with its offset), for `date`."""
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@register.filter
def subtheme_label(subtheme: dict[str, Any]) -> str:
    """A sub-theme's name in the page's language: an editor's English name on English pages
    when it has one (opinions/reports/editing.py), its Polish name otherwise."""
    if (get_language() or "").startswith("en") and subtheme.get("label_en"):
        return str(subtheme["label_en"])
    return str(subtheme.get("label", ""))


@register.filter
def written_term(content: dict[str, Any], term: str) -> str:
    """A term (its lemmas) as the report writes it elsewhere („plac zabaw”)."""
    return written_form(content or {}, term)


@register.filter
def contrast_sides(contrast: dict[str, Any]) -> list[dict[str, Any]]:
    """The two sides of a contrasting view (opinions/reports/contrasts.py), more first."""
    return [{"key": key, **contrast[key]} for key in ("more", "less") if key in contrast]


@register.filter
def change_tables(changes: dict[str, Any] | None) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rising and the falling terms of a report's changes, in that order."""
    if not changes:
        return []
    return [("rising", changes.get("rising") or []), ("falling", changes.get("falling") or [])]


PROGRESS_NOTES = {
    reports.NOTE_STARTED: gettext_lazy("started"),
    reports.NOTE_FIGURES: gettext_lazy("counting the figures"),
    reports.NOTE_TERMS: gettext_lazy("finding the key terms"),
    reports.NOTE_SUBTHEMES: gettext_lazy("grouping into sub-themes"),
    reports.NOTE_SAVING: gettext_lazy("saving"),
    reports.NOTE_DONE: gettext_lazy("done"),
    reports.NOTE_FAILED: gettext_lazy("failed"),
    reports.NOTE_QUEUE_UNAVAILABLE: gettext_lazy(
        "the task queue could not be reached: retry now, or it is sent again tonight"
    ),
    # The consultation report's own steps (opinions/answers/report/building.py).
    consultation_report.NOTE_COMMENTS: gettext_lazy("reading the comments and answers"),
    consultation_report.NOTE_PDF: gettext_lazy("laying out the PDF"),
    consultation_report.NOTE_XLSX: gettext_lazy("writing the spreadsheet"),
}


@register.filter
def progress_note(code: str) -> str:
    """A report's progress note (a code the builder writes) in the visitor's language."""
    return str(PROGRESS_NOTES.get(code, code))


@register.simple_tag
def publish_refusal(report: ConsultationReport, unanswered: int) -> str:
    """Why a consultation report's version cannot be published ("" when it can): the staff
    page shows this instead of a button that could only be refused."""
    return consultation_report.publish_refusal(report, unanswered=unanswered)
