"""Polish text on pages in another language, marked `lang="pl"` so that screen readers
pronounce it as Polish (WCAG 3.1.2): residents' opinions, district names, and the city's
names and titles that have no English version (`Localized` models fall back to Polish).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

POLISH = "pl"


def shows_polish(obj: Any = None, field: str = "name") -> bool:
    """Whether the page is in another language and shows Polish text here: any text when
    no object is given; an object's `field` when it has no English version (`field_en`)."""
    if (translation.get_language() or POLISH) == POLISH:
        return False
    if obj is None:
        return True
    return not getattr(obj, f"{field}_en", "")


def lang_attribute(obj: Any = None, field: str = "name") -> SafeString:
    """` lang="pl"` for an element holding Polish text on a page in another language."""
    return SafeString(' lang="pl"') if shows_polish(obj, field) else SafeString("")


def polish_span(text: Any, obj: Any = None, field: str = "name") -> SafeString | str:
    """The text (escaped), in a `<span lang="pl">` where it is Polish on a non-Polish page."""
    if shows_polish(obj, field):
        return format_html('<span lang="pl">{}</span>', text)
    return format_html("{}", text)
