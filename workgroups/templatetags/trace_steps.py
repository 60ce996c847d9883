"""The lines of the trace timeline (workgroups/partials/trace.html), built in Python.

An opinion with 50 links has some 50 sub-steps, each with a date written twice (`c` for
the machine, "j E Y" for people), a link and a note. Looped in the template language they
took more time than the queries behind them; here each line is one format_html and each
distinct date is formatted once (the links of one publication share it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import template
from django.utils import dateformat
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from ..trace import TraceStep

register = template.Library()

DAY_FORMAT = "j E Y"


class _Dates:
    """`<time>` elements by datetime, for one rendering."""

    def __init__(self) -> None:
        self._html: dict[dt.datetime, SafeString] = {}

    def __call__(self, value: dt.datetime) -> SafeString:
        html = self._html.get(value)
        if html is None:
            # As the |date filter shows it: in the current time zone, in the active language.
            local = localtime(value)
            html = format_html(
                '<time datetime="{}">{}</time>',
                dateformat.format(local, "c"),
                dateformat.format(local, DAY_FORMAT),
            )
            self._html[value] = html
        return html


def _line(step: TraceStep, dates: _Dates) -> str:
    """The step's text, date, link and note (what the <li> holds besides its sub-steps)."""
    parts = [str(conditional_escape(step.text))]
    if step.date:
        parts.append(" · " + dates(step.date))
    if step.url:
        parts.append(format_html(' · <a href="{}">{}</a>', step.url, step.link_text))
    if step.detail:
        parts.append(format_html('\n<p class="meta">{}</p>', step.detail))
    return "".join(parts)


@register.simple_tag
def trace_step(step: TraceStep) -> SafeString:
    return mark_safe(_line(step, _Dates()))  # noqa: S308 - every part escaped in _line


@register.simple_tag
def trace_substeps(substeps: Iterable[TraceStep]) -> SafeString:
    """The <li> of each sub-step (the links of the opinion: as many as it has)."""
    dates = _Dates()
    return mark_safe(  # noqa: S308 - every part escaped in _line
        "".join(f"<li>{_line(step, dates)}</li>\n" for step in substeps)
    )
