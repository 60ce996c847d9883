"""A <select> and a field's group rendered in Python: the same HTML as Django's templates,
several times faster.

Django renders each <option> through its own template include; the public list's filters
have about a hundred options, which cost more than the rest of the page. This widget gives
the same markup (Django's select.html, select_option.html and attrs.html, escaped the same
way) without the template engine.

`FastBoundField.as_field_group` does the same for the label, help text and errors around
the widget (Django's field.html, label.html and the error list's templates): a signed-in
list page rendered seven of them through the engine, a quarter of its rendering time in a
profile. The label and help text do not depend on the request: each is built once per
process and language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def _attributes(attrs: dict[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return "".join(parts)


class FastSelect(forms.Select):
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        # The <select>'s own attributes without Django's option dictionaries (optgroups):
        # each option's HTML is kept once per value and label (see _option).
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        parts = [
            format_html('<select name="{}"', widget["name"]),
            _attributes(widget["attrs"]),
            ">",
        ]
        chosen = set(widget["value"])
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                return self._render_groups(name, value, attrs)
            text = "" if option_value is None else str(option_value)
            selected = not has_selected and text in chosen
            has_selected |= selected
            opening, closing = _option(text, str(option_label))
            parts += (opening, " selected" if selected else "", closing)
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every piece went through format_html

    def _render_groups(self, name: str, value: Any, attrs: dict[str, Any] | None) -> SafeString:
        """Choices in <optgroup>s (no form of the portal has them today)."""
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            format_html('<select name="{}"', widget["name"]),
            _attributes(widget["attrs"]),
            ">",
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('\n  <option value="{}"', str(option["value"])))
                parts.append(_attributes(option["attrs"]))
                parts.append(format_html(">{}</option>", option["label"]))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every piece went through format_html


@lru_cache(maxsize=4096)
def _option(value: str, label: str) -> tuple[str, str]:
    """An <option>'s HTML before and after its `selected`: the same for every request."""
    return format_html('\n  <option value="{}"', value), format_html(">{}</option>", label)


# (form class, field, language, its id, label, help text, required) → the HTML before the
# errors. Bounded by the forms that use it: their labels are fixed, in two languages.
_HEADS: dict[tuple[Any, ...], str] = {}


def _field_head(field: forms.BoundField) -> str:
    key = (
        type(field.form),
        field.html_name,
        get_language(),
        field.auto_id,
        str(field.label),
        str(field.help_text),
        field.field.required,
    )
    head = _HEADS.get(key)
    if head is None:
        label = str(field.label_tag()) if field.label else ""
        help_text = ""
        if field.help_text:
            id_attribute = format_html(' id="{}_helptext"', field.auto_id) if field.auto_id else ""
            help_text = format_html(
                '<div class="helptext"{}>{}</div>',
                id_attribute,
                mark_safe(field.help_text),  # noqa: S308 - as field.html's `|safe`
            )
        head = _HEADS[key] = f"{label}\n\n{help_text}\n"
    return head


class FastBoundField(forms.BoundField):
    """A field whose `as_field_group` gives Django's field.html markup without the engine
    (a field shown as a fieldset still goes through it)."""

    def as_field_group(self) -> SafeString:
        if self.use_fieldset:
            return super().as_field_group()
        errors = self.errors
        # The renderer strips what a template renders; so does this.
        html = f"{_field_head(self)}{errors if errors else ''}\n{self}".strip()
        return mark_safe(html)  # noqa: S308 - label, help text, errors and widget are HTML
