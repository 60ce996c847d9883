"""Choice fields that label the process's vocabulary in the visitor's language."""

from __future__ import annotations

from django import forms

from stages.models import Consultation, ThematicArea

from ..models import Event


class AreaChoiceField(forms.ModelChoiceField[ThematicArea]):
    def label_from_instance(self, obj: ThematicArea) -> str:
        return obj.localized_name


class ConsultationChoiceField(forms.ModelChoiceField[Consultation]):
    def label_from_instance(self, obj: Consultation) -> str:
        return obj.localized_title


class EventChoiceField(forms.ModelChoiceField[Event]):
    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title} ({obj.held_on:%d.%m.%Y})"
