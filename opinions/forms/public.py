"""Forms of the residents' pages: validation only, the saving is done by the services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stages.models import Consultation, District, ThematicArea

from ..models import TEXT_MAX_LENGTH, TEXT_MIN_LENGTH, AgeBand, Channel, Event, Relation
from ..selectors import Order
from ..services.submission import validate_opinion_text
from .fields import (
    AreaChoiceField,
    CachedChoicesMixin,
    ConsultationChoiceField,
    DistrictChoiceField,
    EventChoiceField,
)
from .widgets import FastBoundField, FastSelect

HONEYPOT_FIELD = "website"


def _text_help() -> str:
    return gettext(
        "Between %(min)d and %(max)d characters. Please do not give anyone's name, address "
        "or telephone number."
    ) % {"min": TEXT_MIN_LENGTH, "max": TEXT_MAX_LENGTH}


# Translated when the form is rendered, in the visitor's language.
TEXT_HELP = lazy(_text_help, str)()


class SpamTrapMixin(forms.Form):
    """A field people never see; bots that fill every field fill it.

    Filling it does not reject the submission: it is saved and flagged for the moderators,
    so a person whose browser autofilled it loses nothing.
    """

    website = forms.CharField(
        label=_("Leave this field empty (it is a trap for spam robots)"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    @property
    def is_suspected_spam(self) -> bool:
        return bool(self.cleaned_data.get(HONEYPOT_FIELD, "").strip())


class SubmissionKeyMixin(forms.Form):
    # A new key each time the empty form is rendered; a resent form carries the same one.
    # A damaged key is not the person's fault: it gets a new one instead of an error.
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_submission_key(self) -> uuid.UUID:
        try:
            return uuid.UUID(str(self.cleaned_data.get("submission_key") or ""))
        except ValueError:
            return uuid.uuid4()


class TextLimitsMixin(forms.Form):
    # For the character counter next to the text area.
    text_min_length = TEXT_MIN_LENGTH
    text_max_length = TEXT_MAX_LENGTH


def opinion_text_field(label: Any, help_text: Any = TEXT_HELP) -> forms.CharField:
    # No max_length: the browser would cut a pasted text silently at the limit; the server
    # says how long it is instead, and keeps all of it in the form.
    return forms.CharField(
        label=label,
        help_text=help_text,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        error_messages={"required": _("Write your answer.")},
    )


class OpinionForm(
    CachedChoicesMixin, TextLimitsMixin, SubmissionKeyMixin, SpamTrapMixin, forms.Form
):
    text = opinion_text_field(_("Your answer"))
    area = AreaChoiceField(
        label=_("Which area of city life is it mostly about?"),
        queryset=ThematicArea.objects.all(),
        required=False,
        empty_label=_("I don't know"),
        help_text=_("Optional. The moderators will assign the area if you leave it."),
    )
    district = DistrictChoiceField(
        label=_("Which district is it about?"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("None in particular / the whole city"),
        help_text=_("Optional."),
    )
    age_band = forms.ChoiceField(
        label=_("Your age"),
        choices=[("", _("I prefer not to say")), *AgeBand.choices],
        required=False,
        widget=FastSelect,
        help_text=_("Optional. Published only in totals, never next to your opinion."),
    )
    relation = forms.ChoiceField(
        label=_("Your relation to Lublin"),
        choices=[("", _("I prefer not to say")), *Relation.choices],
        required=False,
        widget=FastSelect,
        help_text=_("Optional. Published only in totals, never next to your opinion."),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        help_text=_(
            "Optional and private: never published. We write only to tell you what became "
            "of your opinion."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an e-mail address like name@example.com.")},
    )

    field_order = ["text", "area", "district", "age_band", "relation", "email"]
    vocabulary_models = (ThematicArea, District)

    def clean_text(self) -> str:
        return validate_opinion_text(self.cleaned_data["text"])


class CommentForm(TextLimitsMixin, SubmissionKeyMixin, SpamTrapMixin, forms.Form):
    text = opinion_text_field(_("Your comment"))
    author_name = forms.CharField(
        label=_("Signature"),
        required=False,
        max_length=80,
        help_text=_("Optional: a name or a nickname shown with the comment."),
    )

    field_order = ["text", "author_name"]

    def clean_text(self) -> str:
        return validate_opinion_text(self.cleaned_data["text"])


class OpinionFilterForm(CachedChoicesMixin, forms.Form):
    """The list's filters: a plain GET form, so every filtered view has its own address."""

    Sort = Order
    # Rendered on every list and search page: see opinions/forms/widgets.py.
    bound_field_class = FastBoundField

    q = forms.CharField(
        label=_("Search in the opinions"),
        required=False,
        max_length=200,
        help_text=_(
            "Words in any form, with or without Polish letters: „drzewo” also finds „drzew” "
            'and „drzewami”. Opinions with all the words come first. "Quotes" find a '
            'phrase, a minus leaves a word out: "plac zabaw" -parking.'
        ),
        widget=forms.SearchInput,
    )
    area = AreaChoiceField(
        label=_("Thematic area"),
        queryset=ThematicArea.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All areas"),
    )
    district = DistrictChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All districts"),
    )
    channel = forms.ChoiceField(
        label=_("How it was given"),
        choices=[("", _("All channels")), *Channel.choices],
        required=False,
        widget=FastSelect,
    )
    event = EventChoiceField(
        label=_("Meeting"),
        queryset=Event.objects.all(),
        required=False,
        empty_label=_("All meetings"),
    )
    consultation = ConsultationChoiceField(
        label=_("Consultation"),
        queryset=Consultation.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All consultations"),
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=[
            (Sort.RELEVANCE, _("most relevant first (with a search)")),
            # By when the portal received it: a paper card comes in days after it was filled.
            (Sort.NEWEST, _("most recently received first")),
            (Sort.SUPPORTED, _("most supported first")),
        ],
        required=False,
        widget=FastSelect,
    )

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q", "")).split())

    def clean_sort(self) -> str:
        # Relevance by default with a search, newest first without one (relevance then has
        # nothing to rank by).
        sort = str(self.cleaned_data.get("sort") or "")
        if self.cleaned_data.get("q"):
            return sort or self.Sort.RELEVANCE
        return self.Sort.NEWEST if sort in ("", self.Sort.RELEVANCE) else sort

    @property
    def is_filtered(self) -> bool:
        """Whether any filter narrows the list (the order does not), once validated."""
        return any(self.cleaned_data.get(name) for name in self.fields if name != "sort")
