"""The recommendation editor's fields, directions of action and evidence (validation only).

The editor works without JavaScript, so everything typed travels in one form and every
button re-renders it with nothing lost: directions are parallel lists of inputs
(`direction_text`, `direction_indicator`, `direction_unit`, one of each per row), and
evidence is the cited opinions' ids with a note input per id, a remove checkbox, numbers
typed in, and opinions ticked in the search results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.params import MAX_VERSION, parse_numbers

from ..services.recommendations import NOTE_MAX_LENGTH, Cited

# Rows a form may carry: enough for any recommendation, a bound on what one POST can cost.
MAX_DIRECTIONS = 40
MAX_EVIDENCE = 200
EMPTY_DIRECTION_ROWS = 3
FIELD_MAX_LENGTH = 300


class RecommendationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    vision = forms.CharField(
        label=_("Vision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What Lublin should be like in 2030 in this area."),
    )
    diagnosis = forms.CharField(
        label=_("Diagnosis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The present state, with the residents' opinions and the report."),
    )
    goals = forms.CharField(
        label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    note = forms.CharField(
        label=_("Note on this version"),
        required=False,
        max_length=300,
        help_text=_("Optional: what you changed, for the version history."),
    )
    expected_version = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_VERSION, widget=forms.HiddenInput
    )


def _column(data: Any, name: str) -> list[str]:
    return [str(value) for value in data.getlist(name)][:MAX_DIRECTIONS]


def read_directions(data: Any) -> list[dict[str, str]]:
    """The direction rows as typed (parallel lists; a short list is padded with blanks)."""
    texts = _column(data, "direction_text")
    indicators = _column(data, "direction_indicator")
    units = _column(data, "direction_unit")
    count = max(len(texts), len(indicators), len(units))

    def at(values: list[str], index: int) -> str:
        return values[index] if index < len(values) else ""

    return [
        {
            "text": at(texts, i),
            "indicator": at(indicators, i),
            "responsible_unit": at(units, i),
        }
        for i in range(count)
    ]


def direction_errors(rows: list[dict[str, str]]) -> dict[int, str]:
    """Row index → what is wrong with it."""
    errors: dict[int, str] = {}
    for index, row in enumerate(rows):
        text, indicator, unit = (row[k].strip() for k in ("text", "indicator", "responsible_unit"))
        if "\x00" in text + indicator + unit:
            # Django's own text fields refuse them too; PostgreSQL cannot store them.
            errors[index] = gettext("Null characters are not allowed.")
        elif not text and (indicator or unit):
            errors[index] = gettext("Describe the direction, or clear its indicator and unit.")
        elif len(text) > 2000:
            errors[index] = gettext("Write at most 2000 characters.")
        elif len(indicator) > FIELD_MAX_LENGTH or len(unit) > FIELD_MAX_LENGTH:
            errors[index] = gettext("Indicator and unit: at most 300 characters each.")
    return errors


def padded(rows: list[dict[str, str]], *, extra: int = 0) -> list[dict[str, str]]:
    """The rows plus empty ones to type into: at least `EMPTY_DIRECTION_ROWS` in all."""
    blank = {"text": "", "indicator": "", "responsible_unit": ""}
    rows = [row for row in rows if any(v.strip() for v in row.values())]
    missing = max(EMPTY_DIRECTION_ROWS - len(rows), 1) + extra
    return [*rows, *({**blank} for _ in range(min(missing, MAX_DIRECTIONS - len(rows))))]


_NUMBER = re.compile(r"[0-9]+")


def _ids(values: list[str]) -> list[int]:
    return parse_numbers(values, limit=MAX_EVIDENCE, max_digits=11)


@dataclass
class EvidenceInput:
    """Evidence as the form holds it, after removals and additions."""

    opinions: list[Cited] = field(default_factory=list)
    reports: list[Cited] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _note(data: Any, name: str) -> str:
    return str(data.get(name, "")).strip()


def read_evidence(data: Any) -> EvidenceInput:
    """Cited opinions (listed, minus removed, plus ticked and typed numbers) and reports."""
    result = EvidenceInput()
    removed = set(_ids(data.getlist("remove_opinion")))
    opinions: list[Cited] = []
    for pk in _ids(data.getlist("opinion")):
        if pk not in removed:
            opinions.append(Cited(pk, _note(data, f"opinion_note_{pk}")))
    for pk in _ids(data.getlist("pick_opinion")):
        opinions.append(Cited(pk, _note(data, f"pick_note_{pk}")))
    typed = str(data.get("add_opinions", ""))
    typed_note = _note(data, "add_opinions_note")
    for number in _NUMBER.findall(typed)[:MAX_EVIDENCE]:
        if len(number) < 12:
            opinions.append(Cited(int(number), typed_note))
    leftover = _NUMBER.sub("", typed).replace(",", "").replace(";", "").replace("#", "").strip()
    if leftover:
        result.errors.append(
            gettext("Type opinion numbers only, separated by commas or spaces (e.g. 12, 57).")
        )
    seen: set[int] = set()
    for cited in opinions:
        if cited.id not in seen:
            seen.add(cited.id)
            result.opinions.append(cited)
    for pk in _ids(data.getlist("report")):
        result.reports.append(Cited(pk, _note(data, f"report_note_{pk}")))
    if any("\x00" in c.note for c in (*result.opinions, *result.reports)) or "\x00" in typed:
        result.errors.append(gettext("Null characters are not allowed."))
    too_long = [c for c in (*result.opinions, *result.reports) if len(c.note) > NOTE_MAX_LENGTH]
    if too_long:
        result.errors.append(
            gettext("A note on evidence may have at most %(max)d characters.")
            % {"max": NOTE_MAX_LENGTH}
        )
    return result


class OpinionSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the opinions"), required=False, max_length=200)
    all_areas = forms.BooleanField(label=_("Search all areas"), required=False)


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("Older version"), min_value=1, max_value=MAX_VERSION)
    b = forms.IntegerField(label=_("Newer version"), min_value=1, max_value=MAX_VERSION)
