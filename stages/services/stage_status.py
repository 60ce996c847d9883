"""A stage's status pinned by an editor (otherwise it follows the stage's dates)."""

from __future__ import annotations

from django.db import transaction

from ..models import Stage


@transaction.atomic
def pin_stage_status(*, stage: Stage, status: str) -> Stage:
    """Pin a stage's status ('' lets the dates decide again)."""
    if status and status not in Stage.Status.values:
        raise ValueError(f"unknown stage status: {status!r}")
    stage.pinned_status = status
    stage.save(update_fields=["pinned_status"])
    return stage
