"""Tags of the printed reports' style sheets (WeasyPrint's @page rules)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Kept as they are in a CSS string; any other ASCII character is written as a hex escape,
# so a quote, a backslash, a line break or "</style>" in a title cannot end the string or
# the style element (HTML escaping does nothing inside <style>).
_PLAIN_ASCII = frozenset(" .,:;()-_/!?%+#'")


def css_string_literal(text: str) -> str:
    """`text` as a double-quoted CSS string."""
    out = []
    for char in text:
        if char.isalnum() or char in _PLAIN_ASCII or (ord(char) > 127 and char.isprintable()):
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return '"' + "".join(out) + '"'


@register.simple_tag
def css_string(*pieces: object) -> SafeString:
    """The pieces joined as one CSS string, for `content:` in a page's margin box:
    `{% css_string PORTAL_NAME " · " label %}`."""
    return mark_safe(css_string_literal("".join(str(piece) for piece in pieces)))  # noqa: S308
