"""Forms of the strategy's staff pages: validation only, the services write."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stages.models import District

from .models import DevelopmentArea, Goal, Indicator, Measurement, StrategyDocument, Task
from .services import IndicatorValues, indicator_errors


class AdoptionForm(forms.Form):
    adopted_on = forms.DateField(
        label=_("Date of the resolution"), widget=forms.DateInput(attrs={"type": "date"})
    )
    resolution_number = forms.CharField(label=_("Resolution number"), max_length=100)
    resolution_url = forms.URLField(label=_("Link to the text of the resolution"), required=False)
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, required=False)
    votes_abstaining = forms.IntegerField(label=_("Abstentions"), min_value=0, required=False)


class GoalChoiceField(forms.ModelChoiceField[Goal]):
    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.code} {obj.localized_title}"


class AreaChoiceField(forms.ModelChoiceField[DevelopmentArea]):
    def label_from_instance(self, obj: DevelopmentArea) -> str:
        return obj.localized_name


class GoalForm(forms.Form):
    area = AreaChoiceField(label=_("Development area"), queryset=DevelopmentArea.objects.all())
    parent = GoalChoiceField(
        label=_("Strategic goal above it"),
        queryset=Goal.objects.filter(parent__isnull=True),
        required=False,
        help_text=_("Leave empty for a strategic goal; choose one for an operational goal."),
    )
    code = forms.RegexField(
        label=_("Code"),
        max_length=20,
        regex=r"^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$",
        help_text=_("As the strategy numbers it, e.g. B.2 or B.2.1."),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)


class DirectionForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"), max_length=20, regex=r"^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$"
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class IndicatorForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=80, help_text=_("Lowercase letters, digits and hyphens.")
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    unit = forms.CharField(label=_("Unit"), max_length=50)
    polarity = forms.ChoiceField(label=_("Which way is better"), choices=Indicator.Polarity.choices)
    baseline_value = forms.DecimalField(
        label=_("Baseline value"), max_digits=18, decimal_places=4, localize=True
    )
    baseline_year = forms.IntegerField(label=_("Baseline year"), min_value=1900, max_value=2200)
    target_value = forms.DecimalField(
        label=_("Target value"), max_digits=18, decimal_places=4, localize=True
    )
    target_year = forms.IntegerField(label=_("Target year"), min_value=1900, max_value=2200)
    source = forms.CharField(
        label=_("Source"), max_length=300, help_text=_("E.g. Statistics Poland, Local Data Bank")
    )
    source_url = forms.URLField(label=_("Link to the source"), required=False)
    frequency = forms.ChoiceField(
        label=_("How often it is measured"), choices=Indicator.Frequency.choices
    )
    yearly_targets = forms.CharField(
        label=_("Yearly targets (optional)"),
        required=False,
        help_text=_("Year and value, separated by commas, e.g. 2025: 12.5, 2027: 15"),
    )

    def clean_yearly_targets(self) -> dict[int, Decimal]:
        text = self.cleaned_data.get("yearly_targets") or ""
        targets: dict[int, Decimal] = {}
        for part in filter(None, (item.strip() for item in text.split(","))):
            year, _colon, value = part.partition(":")
            try:
                targets[int(year.strip())] = Decimal(value.strip())
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(
                    _("“%(part)s” is not a year and a value like 2025: 12.5") % {"part": part}
                ) from None
        return targets

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            for name, error in indicator_errors(self.values()).items():
                self.add_error(name if name in self.fields else None, error)
        return data

    def values(self) -> IndicatorValues:
        data = self.cleaned_data
        return IndicatorValues(
            code=data["code"],
            name=data["name"],
            unit=data["unit"],
            polarity=data["polarity"],
            baseline_value=data["baseline_value"],
            baseline_year=data["baseline_year"],
            target_value=data["target_value"],
            target_year=data["target_year"],
            source=data["source"],
            source_url=data.get("source_url", ""),
            frequency=data["frequency"],
            yearly_targets=data.get("yearly_targets") or {},
        )


class MeasurementForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4, localize=True)
    status = forms.ChoiceField(
        label=_("Status"), choices=Measurement.Status.choices, initial=Measurement.Status.FINAL
    )
    source_url = forms.URLField(label=_("Link to the source"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MeasurementImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: indicator (its code), year, value; optional: status (final or "
            "provisional), source_url, note. Values with a dot as the decimal sign."
        ),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, save nothing"), required=False)


class TaskForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)
    budget = forms.DecimalField(
        label=_("Budget (PLN)"), max_digits=14, decimal_places=2, localize=True, required=False
    )
    starts_on = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"),
        queryset=District.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: the whole city."),
    )


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)


class ImplementationUpdateForm(forms.Form):
    published_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    image = forms.ImageField(label=_("Photo (optional)"), required=False)
    alt_text = forms.CharField(
        label=_("What the photo shows (for people who cannot see it)"),
        max_length=300,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("image") and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", _("Describe the photo for people who cannot see it."))
        return data


class MonitoringReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StrategyDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    url = forms.URLField(label=_("Link"), required=False)
    file = forms.FileField(label=_("File"), required=False)
    adopted_on = forms.DateField(
        label=_("Adopted on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
