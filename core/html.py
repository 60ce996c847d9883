"""HTML built in Python where a template loop is too slow for a page at a million opinions.

Each row of the moderation queue has its own lists of areas, districts, channels and
reasons: some 2,600 options on a page. Looped in the template language, with an `{% if %}`
per option to mark the selected one, they took most of the page's 180 ms. The pairs are
escaped once per request (`option_pairs`), and each list is joined by `options_html`
(the `{% options %}` tag).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

OptionPairs = tuple[tuple[str, str], ...]


def option_pairs(choices: Iterable[tuple[Any, Any]]) -> OptionPairs:
    """(value, label) pairs, both turned to text and HTML-escaped, ready for `options_html`."""
    return tuple(
        (str(conditional_escape(str(value))), str(conditional_escape(str(label))))
        for value, label in choices
    )


def options_html(
    pairs: Sequence[tuple[str, str]], selected: Any = None, selected_label: Any = ""
) -> SafeString:
    """The <option>s; `selected_label` names the selected value should the list lack it (a
    list read just before that value was added), so a form sent back unchanged keeps it
    rather than falling to the list's first option."""
    wanted = "" if selected is None else str(conditional_escape(str(selected)))
    html = "".join(
        f'<option value="{value}" selected>{label}</option>'
        if value == wanted
        else f'<option value="{value}">{label}</option>'
        for value, label in pairs
    )
    if wanted and selected_label and all(value != wanted for value, _label in pairs):
        label = conditional_escape(str(selected_label))
        html = f'<option value="{wanted}" selected>{label}</option>' + html
    return mark_safe(html)  # noqa: S308 - the pairs were escaped by option_pairs, the rest here
