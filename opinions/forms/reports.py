"""The editor's form on a thematic report version: sub-theme labels and an analyst's summary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opinions.models import ThematicReport
from opinions.reports.editing import LABEL_MAX_LENGTH, SUMMARY_MAX_LENGTH, ReportEdits


class ReportEditForm(forms.Form):
    """One Polish and one English label per sub-theme of the version, and the summary.

    Fields are named by the sub-theme's index (`label_0`, `label_en_0`, …), so a form posted
    against a version always matches that version's sub-themes.
    """

    expected_latest = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    summary = forms.CharField(
        label=_("Analyst's summary (optional)"),
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Plain text, shown at the top of the report as the analyst's, with the date. "
            "Leave it empty for no summary."
        ),
    )

    def __init__(self, *args: Any, report: ThematicReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subthemes = list((report.content or {}).get("subthemes", []))
        for item in self.subthemes:
            number = item["index"] + 1
            self.fields[f"label_{item['index']}"] = forms.CharField(
                label=_("Name of sub-theme %(number)d, in Polish") % {"number": number},
                max_length=LABEL_MAX_LENGTH,
                widget=forms.TextInput(attrs={"lang": "pl"}),
                error_messages={"required": _("Give the sub-theme a name.")},
                help_text=_("As the report was built: %(label)s")
                % {"label": item.get("built_label", item.get("label", ""))},
            )
            self.fields[f"label_en_{item['index']}"] = forms.CharField(
                label=_("Name of sub-theme %(number)d, in English (optional)") % {"number": number},
                required=False,
                max_length=LABEL_MAX_LENGTH,
                widget=forms.TextInput(attrs={"lang": "en"}),
                help_text=_("Shown on the English pages; without it they show the Polish name."),
            )
        # The summary after the labels, as on the page.
        self.order_fields([name for name in self.fields if name != "summary"] + ["summary"])

    def label_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(Polish, English) fields of each sub-theme, in the report's order."""
        return [
            (self[f"label_{item['index']}"], self[f"label_en_{item['index']}"])
            for item in self.subthemes
        ]

    def edits(self) -> ReportEdits:
        data = self.cleaned_data
        return ReportEdits(
            labels={item["index"]: data[f"label_{item['index']}"] for item in self.subthemes},
            labels_en={item["index"]: data[f"label_en_{item['index']}"] for item in self.subthemes},
            summary=data["summary"],
        )

    @staticmethod
    def initial_for(report: ThematicReport, *, expected_latest: int) -> dict[str, Any]:
        current = ReportEdits.of(report)
        initial: dict[str, Any] = {"expected_latest": expected_latest, "summary": current.summary}
        for index, label in current.labels.items():
            initial[f"label_{index}"] = label
            initial[f"label_en_{index}"] = current.labels_en.get(index, "")
        return initial
