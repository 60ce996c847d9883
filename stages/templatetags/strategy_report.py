"""Filters of the monitoring report's templates: its stored figures as people read them."""

from __future__ import annotations

from django import template

from stages.strategy.monitoring import formatted
from stages.strategy.progress import Status

register = template.Library()


@register.filter
def report_number(value: str | None) -> str:
    return formatted(value)


@register.filter
def status_label(value: str) -> str:
    return Status(value).label
