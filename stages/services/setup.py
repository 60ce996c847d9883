"""The process' set-up written on the staff pages: stages, thematic areas, districts.

Each save is logged (core.audit: who, when, what), in the same transaction as the save.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction

from core.audit import record_added, record_changed

from ..models import District, Stage, ThematicArea

Item = TypeVar("Item", Stage, ThematicArea, District)


@transaction.atomic
def save_setup_item(*, actor: Any, item: Item, changed: list[str]) -> Item:
    """Save a new or edited stage, area or district and log it.

    `changed`: the labels of the fields that changed (the log's "what"); an edit that
    changed nothing is neither saved nor logged.
    """
    created = item.pk is None
    if not created and not changed:
        return item
    item.full_clean()
    item.save()
    if created:
        record_added(actor=actor, obj=item)
    else:
        record_changed(actor=actor, obj=item, fields=changed)
    return item
