"""The working groups themselves: one per thematic area, with seat quotas."""

from __future__ import annotations

from django.db import transaction

from stages.models import ThematicArea

from ..models import DEFAULT_SEATS, SeatQuota, WorkingGroup


@transaction.atomic
def ensure_working_groups() -> list[WorkingGroup]:
    """A group for every thematic area, with Lublin's seats where a group has none yet.

    Safe to run again: existing groups and quotas an editor has changed are kept.
    """
    existing = {group.area_id: group for group in WorkingGroup.objects.select_related("area")}
    groups = []
    for area in ThematicArea.objects.order_by("number"):
        group = existing.get(area.pk)
        if group is None:
            group = WorkingGroup.objects.create(area=area, slug=area.slug)
            SeatQuota.objects.bulk_create(
                SeatQuota(group=group, seat=seat, seats=seats)
                for seat, seats in DEFAULT_SEATS.items()
            )
        groups.append(group)
    return groups
