from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Stage, StageUpdate


class StageChoiceField(forms.ModelChoiceField[Stage]):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.roman}. {obj.localized_title}"


class StageUpdateForm(forms.ModelForm[StageUpdate]):
    class Meta:
        model = StageUpdate
        fields = ["stage", "title", "body"]
        field_classes = {"stage": StageChoiceField}
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["autocomplete"] = "off"


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish on (date and time, Warsaw time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def clean_publish_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["publish_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class StageStatusForm(forms.Form):
    pinned_status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("from the dates")), *Stage.Status.choices],
    )
