"""Forms of the moderation queue: the filters, one form per action, and the bulk selection.

Validation only. The choice lists (areas, districts, events, consultations) are loaded once
per request by the view and handed in, so that neither the filters nor the rows of a
queue page query them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.html import OptionPairs, option_pairs
from core.params import MAX_ID, MAX_VERSION, parse_number
from stages.models import Consultation, District, ThematicArea

from .. import vocabulary
from ..analysis.confidence import SUGGEST_FROM
from ..analysis.search import search_opinions
from ..cleaning import clean_text
from ..models import Channel, Event, Opinion, OpinionQuerySet, RejectionReason
from ..services.moderation import Selection

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

    # Each list as escaped (value, label) pairs for `{% options %}`, once per request (the
    # labels are in the request's language).

    @cached_property
    def area_options(self) -> OptionPairs:
        return option_pairs((area.pk, area.localized_name) for area in self.areas)

    @cached_property
    def district_options(self) -> OptionPairs:
        return option_pairs((district.pk, district.name) for district in self.districts)

    @cached_property
    def channel_options(self) -> OptionPairs:
        return option_pairs(Channel.choices)

    @cached_property
    def reason_options(self) -> OptionPairs:
        return option_pairs(RejectionReason.choices)

    def attach_to(self, opinions: Iterable[Opinion]) -> None:
        """Give each opinion its area, suggested area, district, event and consultation from
        these lists, rather than joining five tables to a page of rows (PostgreSQL
        took longer to plan such a join than to run it). A row missing from a list is left
        to load itself."""
        by_id: dict[str, dict[Any, Any]] = {
            "area": {row.pk: row for row in self.areas},
            "suggested_area": {row.pk: row for row in self.areas},
            "district": {row.pk: row for row in self.districts},
            "event": {row.pk: row for row in self.events},
            "consultation": {row.pk: row for row in self.consultations},
        }
        for opinion in opinions:
            for name, rows in by_id.items():
                pk = getattr(opinion, f"{name}_id")
                if pk is None:
                    setattr(opinion, name, None)
                elif pk in rows:
                    setattr(opinion, name, rows[pk])

    # From the vocabulary cache: one round trip for all the lists instead of a query each.

    @classmethod
    def for_rows(cls) -> ChoiceLists:
        lists = vocabulary.rows_of([ThematicArea, District])
        return cls(areas=lists[ThematicArea], districts=lists[District])

    @classmethod
    def for_queue(cls) -> ChoiceLists:
        lists = vocabulary.rows_of([ThematicArea, District, Event, Consultation])
        return cls(
            areas=lists[ThematicArea],
            districts=lists[District],
            events=lists[Event],
            consultations=lists[Consultation],
        )


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search in the text or by number"),
        required=False,
        max_length=200,
        help_text=_(
            'Words in any form, with or without Polish letters; "quotes" for a phrase, '
            "-word to leave a word out; or an opinion's number (#123)."
        ),
        widget=forms.SearchInput,
    )
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
        # Slugs become ids from the lists already read (the choices were validated against
        # them), so the filters are the columns of Opinion's (status, …, created_at) indexes
        # rather than joins.
        area = data.get("area")
        if area == NO_AREA:
            opinions = opinions.filter(area__isnull=True)
        elif area:
            opinions = self._by_slug(opinions, "area_id", self._choices.areas, area)
        if district := data.get("district"):
            opinions = self._by_slug(opinions, "district_id", self._choices.districts, district)
        if channel := data.get("channel"):
            opinions = opinions.filter(channel=channel)
        if event := data.get("event"):
            opinions = opinions.filter(event_id=int(event))
        if consultation := data.get("consultation"):
            opinions = self._by_slug(
                opinions, "consultation_id", self._choices.consultations, consultation
            )
        if query := (data.get("q") or "").strip():
            opinions = _searched(opinions, query)
        if data.get("spam"):
            opinions = opinions.filter(is_suspected_spam=True)
        if data.get("suggestion"):
            opinions = opinions.filter(suggestion_to_review())
        # The (status, created_at) index gives the order, with no sort of the 60,000
        # waiting opinions of a million (or of all of them). With every status shown, the
        # waiting come first because "pending" sorts before "published" and "rejected" (a
        # test holds the values to that); then the published, then the rejected, each
        # oldest first.
        return opinions.order_by("status", "created_at", "pk")

    @staticmethod
    def _by_slug(
        opinions: OpinionQuerySet, column: str, rows: Sequence[Any], slug: str
    ) -> OpinionQuerySet:
        pk = next((row.pk for row in rows if row.slug == slug), None)
        return opinions.none() if pk is None else opinions.filter(**{column: pk})


def _searched(opinions: OpinionQuerySet, query: str) -> OpinionQuerySet:
    """By number ("#123" or "123"), else every content word in any form (the list's search,
    opinions.analysis.search: the lemmas the analysis stored)."""
    number = query.removeprefix("#").strip()
    if number.isdigit() and len(number) <= 12:
        return opinions.filter(pk=int(number))
    return search_opinions(opinions, query)  # type: ignore[return-value]


def suggestion_to_review() -> Q:
    """Opinions with a suggested area worth showing that differs from the one they have."""
    return (
        Q(suggested_area__isnull=False)
        & Q(suggested_area_confidence__gte=SUGGEST_FROM)
        & (Q(area__isnull=True) | ~Q(area=F("suggested_area")))
    )


class VersionForm(forms.Form):
    """Every action carries the version of the opinion the moderator saw."""

    version = forms.IntegerField(min_value=1, max_value=MAX_VERSION, widget=forms.HiddenInput)


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
        max_value=MAX_ID,
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
            raw_id, _sep, raw_version = str(item).partition(":")
            opinion_id, version = parse_number(raw_id), parse_number(raw_version, max_digits=9)
            if opinion_id is None or version is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            selections[opinion_id] = Selection(opinion_id, version)
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
            opinion_id = parse_number(str(item).partition(":")[0])
            if opinion_id is not None:
                ids.add(opinion_id)
        return ids
