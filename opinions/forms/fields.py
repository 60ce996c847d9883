"""Choice fields that label the process's vocabulary in the visitor's language.

In a form with `CachedChoicesMixin`, their rows come from `opinions.vocabulary` (one cache
round trip for the whole form) rather than a query per field for the choices and another
for the value sent. Elsewhere they query as any ModelChoiceField does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from stages.models import Consultation, District, ThematicArea

from .. import vocabulary
from ..models import Event
from .widgets import FastSelect

M = TypeVar("M", bound=models.Model)


class CachedChoiceIterator(forms.models.ModelChoiceIterator):
    field: CachedModelChoiceField[Any]

    def __iter__(self) -> Iterator[Any]:
        rows = self.field.rows
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in rows:
            yield self.choice(obj)

    def __len__(self) -> int:
        rows = self.field.rows
        if rows is None:
            return super().__len__()
        return len(rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        rows = self.field.rows
        if rows is None:
            return super().__bool__()
        return self.field.empty_label is not None or bool(rows)


class CachedModelChoiceField(forms.ModelChoiceField[M]):
    """A ModelChoiceField that can be handed its rows (all of the model's, in order)."""

    iterator = CachedChoiceIterator
    widget = FastSelect
    rows: list[M] | None = None

    def can_use_cached_rows(self) -> bool:
        # The cached lists hold every row in the default order: only an unfiltered,
        # unordered queryset of a cached model may be answered from them.
        queryset = self.queryset
        return (
            queryset is not None
            and queryset.model in vocabulary.MODELS
            and not queryset.query.where
            and not queryset.query.order_by
        )

    def to_python(self, value: Any) -> M | None:
        if self.rows is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        assert self.queryset is not None  # rows are only handed to a field with a queryset
        model = self.queryset.model
        key = self.to_field_name or "pk"
        if isinstance(value, model):
            value = getattr(value, key)
        model_field = model._meta.get_field(self.to_field_name) if self.to_field_name else None
        try:
            wanted = (model_field or model._meta.pk).to_python(value)  # type: ignore[union-attr]
        except ValidationError:
            wanted = None
        for row in self.rows:
            if wanted is not None and getattr(row, key) == wanted:
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class CachedChoicesMixin(forms.Form):
    """Fills the form's cached choice fields from the vocabulary cache, in one round trip.

    A view that read the vocabulary already (for the consultation it shows, say) hands its
    lists over as `vocabulary_rows`, and the form reads nothing more.
    """

    # The models whose lists the form's cached fields need (for a view that reads them).
    vocabulary_models: tuple[type[models.Model], ...] = ()

    def __init__(
        self,
        *args: Any,
        vocabulary_rows: dict[type[models.Model], list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields = [
            field
            for field in self.fields.values()
            if isinstance(field, CachedModelChoiceField) and field.can_use_cached_rows()
        ]
        if fields:
            models = {field: field.queryset.model for field in fields if field.queryset is not None}
            given = vocabulary_rows or {}
            if all(model in given for model in models.values()):
                lists = given
            else:
                lists = vocabulary.rows_of(models.values())
            for field, model in models.items():
                field.rows = lists[model]


class AreaChoiceField(CachedModelChoiceField[ThematicArea]):
    def label_from_instance(self, obj: ThematicArea) -> str:
        return obj.localized_name


class DistrictChoiceField(CachedModelChoiceField[District]):
    pass


class ConsultationChoiceField(CachedModelChoiceField[Consultation]):
    def label_from_instance(self, obj: Consultation) -> str:
        return obj.localized_title


class EventChoiceField(CachedModelChoiceField[Event]):
    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title} ({obj.held_on:%d.%m.%Y})"
