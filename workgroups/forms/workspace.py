"""Forms of the group workspace: the area's opinion filters, and workshops (validation only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opinions.forms.public import OpinionFilterForm

from ..models import Membership, WorkingGroup, Workshop


class AreaOpinionFilterForm(OpinionFilterForm):
    """The public list's search and filters, without the area: it is the group's own."""

    # Removes the inherited field (Django's declarative forms), before any choices load.
    area = None  # type: ignore[assignment]


class WorkshopPlanForm(forms.Form):
    """A workshop as it is planned: what, when, where, and its agenda."""

    title = forms.CharField(
        label=_("Title"), max_length=Workshop._meta.get_field("title").max_length
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("For example 2025-03-14 17:00."),
    )
    place = forms.CharField(
        label=_("Place"), max_length=Workshop._meta.get_field("place").max_length
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: a blank line between paragraphs, “- ” for a list item."),
    )


class AttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.public_name or obj.user.get_username()


class WorkshopRecordForm(WorkshopPlanForm):
    """The plan, the minutes and who attended, for the workshop's record."""

    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown. What was discussed and agreed."),
    )
    attendees = AttendeeField(
        label=_("Members present"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this group's members can be ticked: another group's membership id is refused.
        field = self.fields["attendees"]
        assert isinstance(field, AttendeeField)
        field.queryset = group.memberships.active().select_related("user").order_by("seat", "pk")
