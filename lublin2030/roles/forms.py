from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.roles import ROLE_GROUPS, ROLE_LABELS

from ..models import User


class GrantRoleForm(forms.Form):
    email = forms.EmailField(
        label=_("The person's e-mail address"),
        help_text=_("The address of their account on this portal."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[(role, ROLE_LABELS[role]) for role in ROLE_GROUPS]
    )

    def clean_email(self) -> User:
        email = self.cleaned_data["email"]
        person = User.objects.filter(email__iexact=email).order_by("pk").first()
        if person is None:
            raise forms.ValidationError(
                _("No account uses this address. The person must sign up on the portal first."),
                code="unknown",
            )
        return person

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, role = data.get("email"), data.get("role")
        if isinstance(person, User) and role and person.groups.filter(name=role).exists():
            self.add_error(
                "role",
                _("%(person)s already is a %(role)s.")
                % {"person": person, "role": ROLE_LABELS[role]},
            )
        return data


class WithdrawRoleForm(forms.Form):
    person = forms.ModelChoiceField(queryset=User.objects.all(), widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=[(role, role) for role in ROLE_GROUPS])
