"""The comment form of a document consultation (a section of the draft, or a recommendation)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import SubmitterKind
from ..services.submission import validate_opinion_text
from .public import SpamTrapMixin, SubmissionKeyMixin, TextLimitsMixin, opinion_text_field

OPTIONAL_TEXT_LIMIT = 5000


class SectionCommentForm(TextLimitsMixin, SubmissionKeyMixin, SpamTrapMixin, forms.Form):
    text = opinion_text_field(
        pgettext_lazy("consultation", "Your comment"),
        help_text=_(
            "What should change in this part, or what is missing? Please do not give "
            "anyone's name, address or telephone number."
        ),
    )
    proposed_wording = forms.CharField(
        label=_("Proposed wording"),
        required=False,
        strip=False,
        help_text=_("Optional: how this part should read in your opinion."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        strip=False,
        help_text=_("Optional: why the change is needed."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    submitter_kind = forms.ChoiceField(
        label=_("I comment"),
        choices=[
            (SubmitterKind.PERSON, _("as a private person")),
            (SubmitterKind.ORGANISATION, _("on behalf of an organisation or institution")),
            (SubmitterKind.PUBLIC_BODY, _("on behalf of a municipality or other public body")),
        ],
        initial=SubmitterKind.PERSON,
        widget=forms.RadioSelect,
    )
    organisation = forms.CharField(
        label=_("Name of the organisation or body"),
        required=False,
        max_length=200,
        help_text=_(
            "Only when you comment on behalf of one; its name is published with the "
            "comment and in the consultation report. A private person's name is "
            "never asked for."
        ),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        help_text=_(
            "Optional and private: never published. We write only to send you the "
            "answer to your comment."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an e-mail address like name@example.com.")},
    )

    field_order = [
        "text",
        "proposed_wording",
        "justification",
        "submitter_kind",
        "organisation",
        "email",
    ]

    def clean_text(self) -> str:
        return validate_opinion_text(self.cleaned_data["text"])

    def _clean_optional(self, name: str) -> str:
        value: str = self.cleaned_data.get(name, "")
        if len(value) > OPTIONAL_TEXT_LIMIT:
            raise forms.ValidationError(
                _("Write at most %(max)d characters (now %(length)d).")
                % {"max": OPTIONAL_TEXT_LIMIT, "length": len(value)}
            )
        return value

    def clean_proposed_wording(self) -> str:
        return self._clean_optional("proposed_wording")

    def clean_justification(self) -> str:
        return self._clean_optional("justification")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("submitter_kind")
        if kind and kind != SubmitterKind.PERSON and not data.get("organisation", "").strip():
            self.add_error(
                "organisation",
                _("Give the name of the organisation or body on whose behalf you comment."),
            )
        return data
