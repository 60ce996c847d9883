"""The verifier's form: a verdict and a justification for each criterion, and the result."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.params import MAX_VERSION

from ..models import Criterion, Verdict, Verification
from ..services.verification import JUSTIFICATION_MAX_LENGTH, CriterionInput


class VerdictsForm(forms.Form):
    """Fields `<criterion>_verdict` and `<criterion>_justification` for each criterion."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION
    )
    negative_outcome = forms.ChoiceField(
        label=_("If a criterion is negative, the recommendation is"),
        choices=[
            (Verification.Outcome.RETURNED, _("returned to the group for changes")),
            (Verification.Outcome.REJECTED, _("rejected")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons for the result"),
        required=False,
        max_length=JUSTIFICATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when a criterion is negative: what the group should know."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in Criterion.values:
            self.fields[f"{criterion}_verdict"] = forms.ChoiceField(
                label=_("Verdict"),
                choices=Verdict.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a verdict.")},
            )
            self.fields[f"{criterion}_justification"] = forms.CharField(
                label=_("Justification"),
                max_length=JUSTIFICATION_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
                error_messages={"required": _("Justify the verdict.")},
            )

    def criteria(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        """(criterion, its name, verdict field, justification field), for the template."""
        return [
            (
                criterion,
                str(label),
                self[f"{criterion}_verdict"],
                self[f"{criterion}_justification"],
            )
            for criterion, label in Criterion.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        negative = any(data.get(f"{c}_verdict") == Verdict.NEGATIVE for c in Criterion.values)
        if negative and not data.get("negative_outcome"):
            self.add_error(
                "negative_outcome",
                _(
                    "A criterion is negative: choose whether to return the recommendation "
                    "for changes or reject it."
                ),
            )
        if negative and not (data.get("reasons") or "").strip():
            self.add_error(
                "reasons", _("Say what the group should know about the negative result.")
            )
        return data

    def verdicts(self) -> dict[str, CriterionInput]:
        data = self.cleaned_data
        return {
            c: CriterionInput(data[f"{c}_verdict"], data[f"{c}_justification"])
            for c in Criterion.values
        }
