"""Forms of the strategy links page (editors): validation only; services.adoption writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stages.models import Direction, Goal

from ..models import Recommendation, StrategyLink
from ..services.adoption import DECIDABLE


class RecommendationChoiceField(forms.ModelChoiceField[Recommendation]):
    def label_from_instance(self, obj: Recommendation) -> str:
        return f"{obj.group.area.name} {obj.number}: {obj.title}"


def decidable_recommendations() -> Any:
    return Recommendation.objects.filter(status__in=DECIDABLE).select_related("group__area")


class LinkForm(forms.Form):
    recommendation = RecommendationChoiceField(
        label=_("Recommendation"), queryset=Recommendation.objects.none()
    )
    target = forms.ChoiceField(label=_("What it became"))
    how = forms.ChoiceField(label=_("How"), choices=StrategyLink.How.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    adopt = forms.BooleanField(
        label=_("Mark the recommendation adopted in the strategy"), required=False, initial=True
    )

    def __init__(self, *args: Any, goal: Goal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal = goal
        field = self.fields["recommendation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = decidable_recommendations()
        self.directions = {str(d.pk): d for d in goal.directions.order_by("position", "code")}
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [
            ("goal", _("the goal %(code)s itself") % {"code": goal.code}),
            *((pk, f"{d.code} {d.title}") for pk, d in self.directions.items()),
        ]

    def target_kwargs(self) -> dict[str, Goal | Direction]:
        target = self.cleaned_data["target"]
        if target == "goal":
            return {"goal": self.goal}
        return {"direction": self.directions[target]}


class NotAdoptedForm(forms.Form):
    recommendation = RecommendationChoiceField(
        label=_("Recommendation"), queryset=Recommendation.objects.none()
    )
    reason = forms.CharField(
        label=_("Why it was not adopted (shown to the public)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recommendation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = decidable_recommendations()
