"""Forms of recruitment: the call, seat quotas, the application, review filters and notes,
and the selection steps. Validation only: the services write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import DEFAULT_SEATS, Application, RecruitmentCall, Seat, Sector, WorkingGroup
from ..services.recruitment import MAX_LEADERS, MAX_SEATS_OF_A_KIND, application_errors

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class GroupChoiceField(forms.ModelChoiceField[WorkingGroup]):
    def label_from_instance(self, obj: WorkingGroup) -> str:
        return obj.name


class GroupsField(forms.ModelMultipleChoiceField[WorkingGroup]):
    def label_from_instance(self, obj: WorkingGroup) -> str:
        return obj.name


def all_groups() -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.select_related("area")


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text of the call"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown: **bold**, lists, links."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens (date and time, Warsaw time)"),
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_INPUT_FORMATS,
    )
    closes_at = forms.DateTimeField(
        label=_("Closes (date and time, Warsaw time)"),
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_INPUT_FORMATS,
    )
    groups = GroupsField(
        label=_("Groups it fills"),
        queryset=all_groups(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["autocomplete"] = "off"

    @classmethod
    def initial_for(cls, call: RecruitmentCall) -> dict[str, Any]:
        return {
            "title": call.title,
            "text": call.text,
            "opens_at": timezone.localtime(call.opens_at),
            "closes_at": timezone.localtime(call.closes_at),
            "groups": list(call.groups.all()),
        }

    def clean_opens_at(self) -> dt.datetime:
        return _aware(self.cleaned_data["opens_at"])

    def clean_closes_at(self) -> dt.datetime:
        return _aware(self.cleaned_data["closes_at"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The call must close after it opens."))
        return data


class QuotaForm(forms.Form):
    """One number per seat kind."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in DEFAULT_SEATS:
            limit = MAX_LEADERS if kind == Seat.LEADER else MAX_SEATS_OF_A_KIND
            self.fields[kind] = forms.IntegerField(
                label=Seat(kind).label, min_value=0, max_value=limit
            )


class ApplicationForm(forms.Form):
    first_choice = GroupChoiceField(label=_("First choice"), queryset=WorkingGroup.objects.none())
    second_choice = GroupChoiceField(
        label=_("Second choice (optional)"), queryset=WorkingGroup.objects.none(), required=False
    )
    third_choice = GroupChoiceField(
        label=_("Third choice (optional)"), queryset=WorkingGroup.objects.none(), required=False
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, widget=forms.RadioSelect)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=300,
        required=False,
        help_text=_("Required unless you apply as a resident."),
    )
    wants_to_lead = forms.BooleanField(label=_("I am willing to lead the group"), required=False)
    motivation = forms.CharField(
        label=_("Why do you want to join?"), widget=forms.Textarea(attrs={"rows": 6})
    )
    experience = forms.CharField(
        label=_("Relevant experience"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    conflicts_of_interest = forms.CharField(
        label=_("Conflicts of interest"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("For example work for a company or body with a stake in the area."),
    )
    consent_to_publish = forms.BooleanField(
        label=_("If I am selected, my name and sector may be published on the group's page"),
        required=False,
    )

    def __init__(self, *args: Any, call: RecruitmentCall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        groups = call.groups.select_related("area").order_by("area__number")
        for name in ("first_choice", "second_choice", "third_choice"):
            field = self.fields[name]
            assert isinstance(field, GroupChoiceField)
            field.queryset = groups
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"

    @classmethod
    def initial_for(cls, application: Application) -> dict[str, Any]:
        return {
            "first_choice": application.first_choice_id,
            "second_choice": application.second_choice_id,
            "third_choice": application.third_choice_id,
            "full_name": application.full_name,
            "sector": application.sector,
            "organisation": application.organisation,
            "wants_to_lead": application.wants_to_lead,
            "motivation": application.motivation,
            "experience": application.experience,
            "conflicts_of_interest": application.conflicts_of_interest,
            "consent_to_publish": application.consent_to_publish,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "first_choice" not in data or "sector" not in data:
            return data
        errors = application_errors(
            call=self.call,
            choices=[data.get("first_choice"), data.get("second_choice"), data.get("third_choice")],
            sector=data["sector"],
            organisation=data.get("organisation", ""),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class ApplicationFilterForm(forms.Form):
    group = GroupChoiceField(
        label=_("Group"),
        queryset=WorkingGroup.objects.none(),
        required=False,
        empty_label=_("all groups"),
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("all sectors")), *Sector.choices], required=False
    )
    decision = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("any status")), *Application.Decision.choices],
        required=False,
    )

    def __init__(self, *args: Any, call: RecruitmentCall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, GroupChoiceField)
        field.queryset = call.groups.select_related("area").order_by("area__number")

    def apply(self, applications: QuerySet[Application]) -> QuerySet[Application]:
        if not self.is_valid():
            return applications
        group = self.cleaned_data.get("group")
        if group is not None:
            applications = applications.filter(
                Q(first_choice=group) | Q(second_choice=group) | Q(third_choice=group)
            )
        if self.cleaned_data.get("sector"):
            applications = applications.filter(sector=self.cleaned_data["sector"])
        if self.cleaned_data.get("decision"):
            applications = applications.filter(decision=self.cleaned_data["decision"])
        return applications


class NotesForm(forms.Form):
    review_notes = forms.CharField(
        label=_("Editors' notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PlaceForm(forms.Form):
    """A seat for one applicant: "<group id>:<seat kind>" from the seats they can take."""

    seat = forms.ChoiceField(label=_("Seat"))

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seat"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = options

    def target(self) -> tuple[int, str]:
        group, _sep, seat = self.cleaned_data["seat"].partition(":")
        return int(group), seat
