"""Forms of paper input (events, typing in cards, file import): validation only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opinions.importing.batches import default_consultation
from opinions.importing.messages import FileRefused
from opinions.importing.reading import read_table
from stages.models import Consultation, District, ThematicArea

from ..models import AgeBand, Channel, Event
from ..services.events import EDITABLE_FIELDS
from ..services.submission import validate_opinion_text
from .fields import AreaChoiceField, ConsultationChoiceField, EventChoiceField

MAX_UPLOAD_MB = 50
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def paper_consultations() -> Any:
    """Consultations paper input can go to: the open questions that have opened."""
    return Consultation.objects.filter(
        kind=Consultation.Kind.OPEN_QUESTION, opens_at__lte=timezone.now()
    ).order_by("opens_at", "pk")


class EventForm(forms.ModelForm[Event]):
    """Validation only: `opinions.services.events.save_event` writes the event."""

    class Meta:
        model = Event
        fields = list(EDITABLE_FIELDS)
        widgets = {"held_on": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        held_on = self.fields["held_on"]
        assert isinstance(held_on, forms.DateField)
        held_on.input_formats = DATE_INPUT_FORMATS
        self.fields["title"].widget.attrs["autocomplete"] = "off"
        district = self.fields["district"]
        assert isinstance(district, forms.ModelChoiceField)
        district.empty_label = _("not tied to one district")


class TypeInForm(forms.Form):
    """One paper card. The last four fields stay the same from one card to the next."""

    text = forms.CharField(
        label=_("Text of the card"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "autofocus": True}),
        help_text=_("Press Ctrl+Enter to save the card and start the next one."),
    )
    area = AreaChoiceField(
        label=_("Thematic area"),
        queryset=ThematicArea.objects.order_by("number"),
        required=False,
        empty_label=_("don't know"),
    )
    age_band = forms.ChoiceField(
        label=_("Age"), choices=[("", _("not given")), *AgeBand.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("not given"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    collected_on = forms.DateField(
        label=_("Collected on"), widget=DATE_WIDGET, input_formats=DATE_INPUT_FORMATS
    )
    consultation = ConsultationChoiceField(
        label=_("Consultation"), queryset=paper_consultations(), empty_label=None
    )
    # A new key each time the empty form is rendered; a resent form carries the same one.
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    # The fields kept between cards (in this order in the query string of the next card).
    STICKY = ("district", "channel", "collected_on", "consultation")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultation = self.fields["consultation"]
        assert isinstance(consultation, forms.ModelChoiceField)
        consultation.queryset = paper_consultations()  # "now" at each request

    def clean_text(self) -> str:
        return validate_opinion_text(self.cleaned_data["text"])

    def clean_collected_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["collected_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future")
        return value

    def clean_submission_key(self) -> uuid.UUID:
        # A damaged key is not the typist's fault: it gets a new one instead of an error.
        try:
            return uuid.UUID(str(self.cleaned_data.get("submission_key") or ""))
        except ValueError:
            return uuid.uuid4()

    def sticky_values(self) -> dict[str, str]:
        """The kept fields as query-string values for the next, empty card."""
        data = self.cleaned_data
        return {
            "district": str(data["district"].pk) if data.get("district") else "",
            "channel": data["channel"],
            "collected_on": data["collected_on"].isoformat(),
            "consultation": str(data["consultation"].pk),
        }

    def focus_first_error(self) -> None:
        """Send the cursor to the first field to correct instead of the text."""
        invalid = [name for name in self.fields if name in self.errors]
        if invalid and invalid[0] != "text":
            self.fields["text"].widget.attrs.pop("autofocus", None)
            self.fields[invalid[0]].widget.attrs["autofocus"] = True

    @classmethod
    def initial_for(cls, *, event: Event, query: Any) -> dict[str, Any]:
        """The kept fields from the query string, else the event's; bad values are ignored."""
        fields = cls().fields
        consultation = default_consultation()
        defaults: dict[str, Any] = {
            "district": event.district_id,
            "channel": event.channel,
            "collected_on": event.held_on,
            "consultation": consultation.pk if consultation else None,
        }
        for name in cls.STICKY:
            raw = query.get(name)
            if raw in (None, ""):
                continue
            try:
                value = fields[name].clean(raw)
            except ValidationError:
                continue
            defaults[name] = value.pk if hasattr(value, "pk") else value
        defaults["submission_key"] = uuid.uuid4()
        return defaults


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "Columns in the first row: text, area, district, channel, age_band, collected_on. "
            "CSV files must be saved as UTF-8."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    event = EventChoiceField(
        label=_("Event where the cards were collected"),
        queryset=Event.objects.order_by("-held_on", "-pk"),
        required=False,
        empty_label=_("none (the channel and date come from each row)"),
    )
    consultation = ConsultationChoiceField(
        label=_("Consultation"), queryset=paper_consultations(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultation = self.fields["consultation"]
        assert isinstance(consultation, forms.ModelChoiceField)
        consultation.queryset = paper_consultations()
        self.content = b""

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(
                _("The file is larger than %(max)d MB; split it into smaller files.")
                % {"max": MAX_UPLOAD_MB},
                code="too_big",
            )
        content = upload.read()
        try:
            # The file as a whole (encoding, columns, size); its rows are checked later.
            read_table(content, upload.name or "", first_row_only=True)
        except FileRefused as refusal:
            raise ValidationError(str(refusal), code="refused") from None
        self.content = content
        return upload
