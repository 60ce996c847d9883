"""Markdown for text written by staff, rendered so that it can never carry markup of its own.

Raw HTML in the source is shown as text (the HTML preprocessors are switched off), and the
result is cleaned by nh3 against an allow-list, so a link cannot run script either.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import markdown as md
import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


_local = threading.local()
# Rendered HTML kept by the source's hash: the same text always renders the same, so an
# entry never goes stale (a changed text has another key).
# The prefix carries the rendering's settings, so changing them never serves old HTML.
_SETTINGS = repr(
    (
        sorted(ALLOWED_TAGS),
        sorted((tag, sorted(names)) for tag, names in ALLOWED_ATTRIBUTES.items()),
    )
)
CACHE_PREFIX = f"markdown:{hashlib.sha256(_SETTINGS.encode()).hexdigest()[:12]}:"
CACHE_SECONDS = 7 * 24 * 3600


def _converter() -> md.Markdown:
    """One converter per thread, reset between texts (building one costs more than using it)."""
    converter: md.Markdown | None = getattr(_local, "converter", None)
    if converter is None:
        converter = md.Markdown(extensions=["tables", "sane_lists"], output_format="html")
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        _local.converter = converter
    return converter


def render_markdown(source: str) -> SafeString:
    converter = _converter()
    try:
        html = converter.convert(source)
    finally:
        converter.reset()
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 against the allow-list above


def render_markdown_many(sources: Sequence[str]) -> list[SafeString]:
    """Each text rendered, through the cache in one round trip (a document of 200 sections)."""
    keys = [CACHE_PREFIX + hashlib.sha256(text.encode()).hexdigest() for text in sources]
    found = cache.get_many(keys)
    missing = {}
    rendered = []
    for key, text in zip(keys, sources, strict=True):
        html = found.get(key)
        if html is None:
            html = missing[key] = str(render_markdown(text))
        rendered.append(mark_safe(html))  # noqa: S308 - cleaned by nh3 when it was rendered
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    return rendered
