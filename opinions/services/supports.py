"""Support („Popieram”): one per person (account or session)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ..models import (
    Opinion,
    Support,
)

if TYPE_CHECKING:
    from lublin2030.models import User


logger = logging.getLogger(__name__)


# --- Support ("Popieram") ------------------------------------------------------------------


def support_opinion(*, opinion: Opinion, user: User | None, session_key: str) -> bool:
    """Add one support; False if this person or session already supports the opinion."""
    if not opinion.is_published:
        raise ValidationError(_("Only published opinions can be supported."), code="unpublished")
    supporter: dict[str, Any] = (
        {"user": user}
        if user is not None and user.is_authenticated
        else {"session_key": session_key}
    )
    if not supporter.get("user") and not session_key:
        raise ValidationError(_("Your browser did not keep the session."), code="no_session")
    try:
        with transaction.atomic():
            Support.objects.create(opinion=opinion, **supporter)
            Opinion.objects.filter(pk=opinion.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True


def withdraw_support(*, opinion: Opinion, user: User | None, session_key: str) -> bool:
    supporter: dict[str, Any] = (
        {"user": user}
        if user is not None and user.is_authenticated
        else {"session_key": session_key, "user": None}
    )
    with transaction.atomic():
        deleted, _count = Support.objects.filter(opinion=opinion, **supporter).delete()
        if deleted:
            Opinion.objects.filter(pk=opinion.pk).update(support_count=F("support_count") - 1)
    return bool(deleted)
