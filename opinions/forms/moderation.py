"""Forms of the moderation queue: the filters, one form per action, and the bulk selection.

Validation only. The choice lists (areas, districts, events, consultations) are loaded once
per request by the view and handed in, so that neither the filters nor the fifty rows of a
queue page query them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from stages.models import Consultation, District, ThematicArea

from ..cleaning import clean_text
from ..models import Channel, Event, Opinion, OpinionQuerySet, RejectionReason
from ..services import Selection

NO_AREA = "none"
ALL_STATUSES = "all"
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class ChoiceLists:
    """What the filters and the row forms offer, read once per request."""

    areas: Sequence[ThematicArea]
    districts: Sequence[District]
    events: Sequence[Event] = ()
    consultations: Sequence[Consultation] = ()

    @classmethod
    def for_rows(cls) -> ChoiceLists:
        return cls(areas=list(ThematicArea.objects.all()), districts=list(District.objects.all()))

    @classmethod
    def for_queue(cls) -> ChoiceLists:
        return cls(
            areas=list(ThematicArea.objects.all()),
            districts=list(District.objects.all()),
            events=list(Event.objects.all()),
            consultations=list(Consultation.objects.all()),
        )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*Opinion.Status.choices, (ALL_STATUSES, _("all, waiting first"))],
    )
    area = forms.ChoiceField(label=_("Thematic area"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("any")), *Channel.choices]
    )
    event = forms.ChoiceField(label=_("Event"), required=False)
    consultation = forms.ChoiceField(label=_("Consultation"), required=False)
    spam = forms.BooleanField(label=_("Only suspected spam"), required=False)
    suggestion = forms.BooleanField(
        label=_("Only with an area suggestion to review"), required=False
    )

    def __init__(self, data: Any, *, choices: ChoiceLists) -> None:
        super().__init__(data)
        any_choice = ("", _("any"))
        self.fields["area"].choices = [  # type: ignore[attr-defined]
            any_choice,
            (NO_AREA, _("no area yet")),
            *[(area.slug, area.localized_name) for area in choices.areas],
        ]
        self.fields["district"].choices = [  # type: ignore[attr-defined]
            any_choice,
            *[(district.slug, district.name) for district in choices.districts],
        ]
        self.fields["event"].choices = [  # type: ignore[attr-defined]
            any_choice,
            *[(str(event.pk), str(event)) for event in choices.events],
        ]
        self.fields["consultation"].choices = [  # type: ignore[attr-defined]
            any_choice,
            *[(item.slug, item.localized_title) for item in choices.consultations],
        ]
        self._choices = choices

    @property
    def status_shown(self) -> str:
        status = self.cleaned_data.get("status") if hasattr(self, "cleaned_data") else ""
        return status or Opinion.Status.PENDING

    @property
    def is_filtered(self) -> bool:
        """Whether anything narrows the default queue (all waiting opinions)."""
        data = getattr(self, "cleaned_data", {})
        return self.status_shown != Opinion.Status.PENDING or any(
            data.get(name) for name in self.fields if name != "status"
        )

    def apply(self, opinions: OpinionQuerySet) -> OpinionQuerySet:
        """Narrow the queue by the valid filters (an invalid one is reported, not applied).

        Waiting opinions come first, oldest first: the queue is worked from its far end.
        """
        # `is_valid` fills cleaned_data with the valid fields even when another is wrong.
        self.is_valid()
        data = self.cleaned_data
        status = self.status_shown
        if status != ALL_STATUSES:
            opinions = opinions.filter(status=status)
        area = data.get("area")
        if area == NO_AREA:
            opinions = opinions.filter(area__isnull=True)
        elif area:
            opinions = opinions.filter(area__slug=area)
        if district := data.get("district"):
            opinions = opinions.filter(district__slug=district)
        if channel := data.get("channel"):
            opinions = opinions.filter(channel=channel)
        if event := data.get("event"):
            opinions = opinions.filter(event_id=int(event))
        if consultation := data.get("consultation"):
            opinions = opinions.filter(consultation__slug=consultation)
        if data.get("spam"):
            opinions = opinions.filter(is_suspected_spam=True)
        if data.get("suggestion"):
            opinions = opinions.filter(suggestion_to_review())
        waiting_first = Case(
            When(status=Opinion.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return opinions.order_by(waiting_first, "created_at", "pk")


def suggestion_to_review() -> Q:
    """Opinions whose suggested area differs from the one they have."""
    return Q(suggested_area__isnull=False) & (Q(area__isnull=True) | ~Q(area=F("suggested_area")))


class VersionForm(forms.Form):
    """Every action carries the version of the opinion the moderator saw."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def reason_field(*, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Reason"),
        required=required,
        choices=[("", _("choose a reason")), *RejectionReason.choices],
        error_messages={"required": _("Choose a reason from the list.")},
    )


class CleanTextField(forms.CharField):
    """Text normalised as everywhere else (no control characters, single spaces).

    The service cleans the note it shows the author but logs the raw one, and PostgreSQL
    refuses a NUL byte in text: cleaning here keeps both safe.
    """

    def to_python(self, value: Any) -> str:
        return clean_text(str(super().to_python(value)))


def note_field() -> forms.CharField:
    return CleanTextField(
        label=_("Note to the author (shown on their tracking page)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(VersionForm):
    reason = reason_field()
    note = note_field()


class CorrectForm(VersionForm):
    area = forms.ModelChoiceField(
        label=_("Thematic area"), queryset=ThematicArea.objects.all(), required=False
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.all(), required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)


class DuplicateForm(VersionForm):
    duplicate_of = forms.IntegerField(
        label=_("Number of the earlier opinion"),
        min_value=1,
        error_messages={"required": _("Give the number of the opinion this one repeats.")},
    )

    def clean_duplicate_of(self) -> Opinion:
        number: int = self.cleaned_data["duplicate_of"]
        original = Opinion.objects.filter(pk=number).only("pk").first()
        if original is None:
            raise forms.ValidationError(
                _("There is no opinion number %(number)d."),
                code="missing",
                params={"number": number},
            )
        return original


class CommentRejectForm(VersionForm):
    reason = reason_field()


class SelectionField(forms.Field):
    """The ticked rows, each as "id:version" (the version the moderator saw)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one opinion."),
        "invalid": _("The selection was not understood; reload the page and try again."),
    }

    def to_python(self, value: Any) -> list[Selection]:
        if not value:
            return []
        selections: dict[int, Selection] = {}
        for item in value:
            opinion_id, _sep, version = str(item).partition(":")
            if not (opinion_id.isdigit() and version.isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            selections[int(opinion_id)] = Selection(int(opinion_id), int(version))
        return list(selections.values())


class BulkForm(forms.Form):
    PUBLISH = "publish"
    REJECT = "reject"

    selected = SelectionField()
    action = forms.ChoiceField(choices=[(PUBLISH, _("publish")), (REJECT, _("reject"))])
    reason = reason_field(required=False)
    note = note_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.REJECT and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for rejecting the selected opinions."))
        return data

    @property
    def ticked_ids(self) -> set[int]:
        """The rows ticked in the request, to tick them again when the form comes back."""
        ids = set()
        for item in self.data.getlist("selected") if hasattr(self.data, "getlist") else []:
            opinion_id = str(item).partition(":")[0]
            if opinion_id.isdigit():
                ids.add(int(opinion_id))
        return ids
