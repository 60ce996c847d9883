"""A stage's status pinned by an editor (otherwise it follows the stage's dates)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation

from core.audit import record_changed

from ..models import Stage


@transaction.atomic
def pin_stage_status(*, stage: Stage, status: str, actor: Any = None) -> Stage:
    """Pin a stage's status ('' lets the dates decide again); logged when someone did it."""
    if status and status not in Stage.Status.values:
        raise ValueError(f"unknown stage status: {status!r}")
    if status == stage.pinned_status:
        return stage
    stage.pinned_status = status
    stage.save(update_fields=["pinned_status"])
    if actor is not None:
        with translation.override(None):
            field = str(Stage._meta.get_field("pinned_status").verbose_name)
        record_changed(actor=actor, obj=stage, fields=[field])
    return stage
