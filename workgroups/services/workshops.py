"""Workshops of a group: planning one (date, place, agenda), then its minutes and attendance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Membership, WorkingGroup, Workshop

if TYPE_CHECKING:
    from lublin2030.models import User


def _check_attendees(group_id: int, attendees: Iterable[Membership]) -> list[Membership]:
    people = list(attendees)
    strangers = [m for m in people if m.group_id != group_id or not m.active]
    if strangers:
        raise ValidationError(
            {"attendees": _("Only the group's own members can be marked as present.")}
        )
    return people


def _clean(title: str, place: str) -> tuple[str, str]:
    title, place = title.strip(), place.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the workshop a title.")
    if not place:
        errors["place"] = _("Say where the workshop takes place.")
    if errors:
        raise ValidationError(errors)
    return title, place


def create_workshop(
    *,
    group: WorkingGroup,
    title: str,
    starts_at: dt.datetime,
    place: str,
    agenda: str = "",
    created_by: User | None = None,
) -> Workshop:
    title, place = _clean(title, place)
    return Workshop.objects.create(
        group=group,
        title=title,
        starts_at=starts_at,
        place=place,
        agenda=agenda.strip(),
        created_by=created_by,
    )


def update_workshop(
    *,
    workshop: Workshop,
    title: str,
    starts_at: dt.datetime,
    place: str,
    agenda: str,
    minutes: str,
    attendees: Iterable[Membership],
) -> Workshop:
    """Change the plan, write the minutes and set who attended, in one transaction."""
    title, place = _clean(title, place)
    people = _check_attendees(workshop.group_id, attendees)
    with transaction.atomic():
        workshop.title, workshop.starts_at, workshop.place = title, starts_at, place
        workshop.agenda, workshop.minutes = agenda.strip(), minutes.strip()
        workshop.save(update_fields=["title", "starts_at", "place", "agenda", "minutes"])
        workshop.attendees.set(people)
    return workshop
