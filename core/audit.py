"""Who changed what, and when, in the process' set-up and the staff's roles.

The log is Django's admin log (`LogEntry`): what the staff pages change and what an
administrator changes in the Django admin land in one place, and the admin's history of an
object shows both. Messages use the admin's structured form (a JSON list of "added",
"changed", "deleted"), so the admin renders them too; a role given or taken is recorded on
the person, as "added"/"deleted" of a `role` named by its group.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

ROLE = "role"


def _record(*, actor: Any, obj: models.Model, action: int, message: list[dict[str, Any]]) -> None:
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=action,
        change_message=json.dumps(message),
    )


def record_added(*, actor: Any, obj: models.Model) -> None:
    _record(actor=actor, obj=obj, action=ADDITION, message=[{"added": {}}])


def record_changed(*, actor: Any, obj: models.Model, fields: list[str]) -> None:
    """`fields`: the labels of the fields that changed, as the admin writes them."""
    _record(actor=actor, obj=obj, action=CHANGE, message=[{"changed": {"fields": fields}}])


def record_role(*, actor: Any, person: models.Model, role: str, granted: bool) -> None:
    change = "added" if granted else "deleted"
    _record(
        actor=actor,
        obj=person,
        action=CHANGE,
        message=[{change: {"name": ROLE, "object": role}}],
    )


def role_changes(user_model: type[models.Model]) -> QuerySet[LogEntry]:
    """The log of roles given and taken, newest first, with who did it."""
    return (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(user_model),
            change_message__contains=f'"name": "{ROLE}"',
        )
        .select_related("user")
        .order_by("-action_time", "-pk")
    )


def all_changes() -> QuerySet[LogEntry]:
    """The whole log (the staff pages' and the Django admin's), newest first, with who did
    it and the kind of thing changed."""
    return LogEntry.objects.select_related("user", "content_type").order_by("-action_time", "-pk")


@dataclass(frozen=True)
class RoleChange:
    granted: bool
    role: str


def read_role_change(entry: LogEntry) -> RoleChange | None:
    """The role an entry of `role_changes` gave or took; None for any other entry."""
    try:
        message = json.loads(entry.change_message)
        (change,) = message
        ((kind, details),) = change.items()
    except (ValueError, TypeError, AttributeError):
        return None
    if kind not in ("added", "deleted") or details.get("name") != ROLE:
        return None
    return RoleChange(granted=kind == "added", role=str(details.get("object", "")))
