"""The answer queue's filters and the answer form (validation only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..answers.models import Decision


class AnswerFilterForm(forms.Form):
    """A plain GET form: every filtered view of the queue has its own address."""

    STATES = [
        ("unanswered", _("without an answer")),
        ("draft", _("answer drafted")),
        ("approved", _("answer approved")),
        ("published", _("answer published")),
        ("all", _("all")),
    ]

    state = forms.ChoiceField(label=_("Answer"), choices=STATES, required=False)
    section = forms.CharField(label=_("Section"), required=False, max_length=64)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("any")), *Decision.choices], required=False
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=200,
        help_text=_("Part of its name; * for every comment sent on behalf of one."),
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label=_("Justification"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required: it is published with the answer and in the consultation report."),
        error_messages={
            "required": _("Give a justification: the law requires one for every answer.")
        },
    )
    changed_section = forms.TypedChoiceField(
        label=_("Section of the next version it changed"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(
        self, *args: object, section_choices: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["changed_section"].choices = [("", _("none")), *section_choices]  # type: ignore[attr-defined]
