"""Events where paper opinions are collected (meetings, mobile points, surveys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..models import Event

if TYPE_CHECKING:
    from lublin2030.models import User

# What a staff member may set on an event; the rest is the portal's (who created it, when).
EDITABLE_FIELDS = (
    "kind",
    "title",
    "held_on",
    "place",
    "district",
    "participants",
    "facilitator",
    "notes",
)


def save_event(*, event: Event | None, values: Mapping[str, Any], by: User) -> Event:
    """Create an event (event=None) or change one; `values` are a form's cleaned data."""
    changes = {name: values[name] for name in EDITABLE_FIELDS if name in values}
    if event is None:
        return Event.objects.create(created_by=by, **changes)
    for name, value in changes.items():
        setattr(event, name, value)
    event.save(update_fields=list(changes))
    return event
