from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import Consultation, District, Stage, StageUpdate, ThematicArea
from .services.consultations import ConsultationRefused, check_dates


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


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed on the Warsaw wall clock (the browser's datetime-local)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def clean(self, value: Any) -> dt.datetime | None:
        cleaned: dt.datetime | None = super().clean(value)
        if cleaned is not None and timezone.is_naive(cleaned):
            cleaned = timezone.make_aware(cleaned)
        return cleaned


class ConsultationForm(forms.ModelForm[Consultation]):
    """Validation only; the service (stages.services.consultations) checks the dates."""

    class Meta:
        model = Consultation
        fields = [
            "stage",
            "slug",
            "kind",
            "statutory",
            "title",
            "title_en",
            "opens_at",
            "closes_at",
            "question",
            "question_en",
            "description",
            "description_en",
            "how_to_comment",
            "how_to_comment_en",
        ]
        field_classes = {
            "stage": StageChoiceField,
            "opens_at": LocalDateTimeField,
            "closes_at": LocalDateTimeField,
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "how_to_comment": forms.Textarea(attrs={"rows": 6}),
            "how_to_comment_en": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "slug": _(
                "Its address: consultations/<address>/. Lower-case letters, digits, hyphens."
            ),
            "statutory": _(
                "Required by law (a draft strategy): open at least 35 days, and a report "
                "answering every comment within 30 days after it closes."
            ),
            "opens_at": _("Warsaw time."),
            "closes_at": _("Warsaw time."),
            "how_to_comment": _("Besides this portal: addresses, forms, meetings (Markdown)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            value = self.initial.get(name)
            if isinstance(value, dt.datetime):
                self.initial[name] = timezone.localtime(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at:
            # The service's own rule, said next to the field (and before the model's
            # constraint would say it in its own words).
            try:
                check_dates(
                    opens_at=opens_at, closes_at=closes_at, statutory=bool(data.get("statutory"))
                )
            except ConsultationRefused as refused:
                self.add_error(refused.field, refused.message)
        return data

    def validate_unique(self) -> None:
        # The service says when the address is taken (it must also hold without this form).
        pass


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Document file"),
        help_text=_(
            "A Word document (.docx) with the Heading 1, 2 and 3 styles for chapters, sections "
            "and paragraphs, or a Markdown file (.md) with #, ## and ### headings."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.md,.markdown,.txt"}),
    )


class SectionForm(forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Text (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    key = forms.ChoiceField(
        label=_("Corresponds to"),
        required=False,
        help_text=_(
            "Which section of the previous version this one continues: the comparison and "
            "the answers to comments follow it. Choose “a new section” if it continues none."
        ),
    )

    def __init__(self, *args: Any, key_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = self.fields["key"]
        assert isinstance(key, forms.ChoiceField)
        key.choices = key_choices


# --- The process' set-up (staff pages instead of the Django admin) ---------------------------

LATIN_FOR_SLUG = str.maketrans({"ł": "l", "Ł": "L"})


def slug_from(name: str) -> str:
    """An address from a Polish name: "Głusk" → "glusk" (Django's slugify drops "ł")."""
    return slugify(name.translate(LATIN_FOR_SLUG))


def mark_languages(form: forms.BaseForm, polish: tuple[str, ...]) -> None:
    """`lang` on the inputs of text in another language than the page may be: the English
    versions ("title_en") and the Polish texts, for screen readers and spelling checkers."""
    for name, field in form.fields.items():
        if name.endswith("_en"):
            field.widget.attrs["lang"] = "en"
        elif name in polish:
            field.widget.attrs["lang"] = "pl"


class SlugFromNameMixin:
    """A blank address is made from the name (`slug_source`), as the process file does."""

    slug_source = "name"
    cleaned_data: dict[str, Any]

    def clean_slug(self) -> str:
        # The name comes before the address in every form here, so it is cleaned already.
        slug = str(self.cleaned_data.get("slug") or "")
        name = str(self.cleaned_data.get(self.slug_source) or "")
        if not slug and name:
            slug = slug_from(name)
            if not slug:
                raise forms.ValidationError(
                    _("The name has no letters or digits to make an address from: type one."),
                    code="required",
                )
        return slug


SLUG_HELP = _(
    "Its part of the page address: lower-case letters, digits, hyphens. Left empty, it is "
    "made from the name."
)


class StageForm(SlugFromNameMixin, forms.ModelForm[Stage]):
    slug_source = "title"

    class Meta:
        model = Stage
        fields = [
            "number",
            "title",
            "title_en",
            "slug",
            "period_start",
            "period_end",
            "period_label",
            "period_label_en",
            "pinned_status",
            "summary",
            "summary_en",
            "description",
            "description_en",
            "expected_results",
            "expected_results_en",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
            "expected_results": forms.Textarea(attrs={"rows": 5}),
            "expected_results_en": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"slug": _("Address")}
        help_texts = {
            "slug": SLUG_HELP,
            "period_label": _(
                "How the period is written on the pages, e.g. „maj – czerwiec 2019”."
            ),
            "description": _("Paragraphs separated by an empty line."),
        }
        error_messages = {
            "number": {"unique": _("Another stage has this number.")},
            "slug": {"unique": _("Another stage has this address.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        mark_languages(
            self,
            polish=(
                "title",
                "period_label",
                "summary",
                "description",
                "expected_results",
            ),
        )
        self.fields["pinned_status"].label = _("Status")
        self.fields["pinned_status"].help_text = _(
            "Leave “from the dates” unless the process runs ahead of or behind the plan."
        )
        pinned = self.fields["pinned_status"]
        assert isinstance(pinned, forms.ChoiceField)
        pinned.choices = [("", _("from the dates")), *Stage.Status.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return data


class AreaForm(SlugFromNameMixin, forms.ModelForm[ThematicArea]):
    class Meta:
        model = ThematicArea
        fields = ["number", "name", "name_en", "slug", "description", "description_en"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"slug": _("Address")}
        help_texts = {"slug": SLUG_HELP}
        error_messages = {
            "number": {"unique": _("Another area has this number.")},
            "slug": {"unique": _("Another area has this address.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        mark_languages(self, polish=("name", "description"))


class DistrictForm(SlugFromNameMixin, forms.ModelForm[District]):
    class Meta:
        model = District
        fields = ["name", "slug"]
        labels = {"slug": _("Address")}
        help_texts = {"slug": SLUG_HELP}
        error_messages = {
            "name": {"unique": _("A district of this name already exists.")},
            "slug": {"unique": _("Another district has this address.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        mark_languages(self, polish=("name",))
