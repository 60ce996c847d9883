"""Reads of the working groups that pages and services share: how many seats of each kind a
group has, how many of them are filled and how many are free."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from opinions.models import Opinion
from stages.models import Consultation, DocumentVersion, Section

from .models import (
    DEFAULT_SEATS,
    Membership,
    OpinionEvidence,
    Recommendation,
    RecommendationVersion,
    ReportEvidence,
    Seat,
    SeatQuota,
    Verification,
    WorkingGroup,
)

# Every kind of seat, in Lublin's order: the leader first.
SEAT_ORDER: list[str] = list(DEFAULT_SEATS)

# Seats taken, by (group id, seat kind).
Taken = dict[tuple[int, str], int]


def seat_label(kind: str) -> str:
    return str(Seat(kind).label)


def seats_by_kind(quotas: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Seats by kind from (kind, seats) pairs: every kind present, in Lublin's order, zero
    where the group has none."""
    seats = dict.fromkeys(SEAT_ORDER, 0)
    seats.update(quotas)
    return seats


def seats_of(group: WorkingGroup) -> dict[str, int]:
    """The group's seats by kind (every kind present, zero where the group has none)."""
    return seats_by_kind(group.quotas.values_list("seat", "seats"))


def taken_seats(group_ids: Iterable[int], *, active_only: bool = False) -> Taken:
    """The seats taken in the groups, by (group, kind), in one query. A seat placed but not
    yet announced (inactive) counts unless `active_only`.

    A service that must not over-fill a seat counts after locking the groups' quotas
    (`services.recruitment.lock_quotas`): every placement takes the same locks before it
    adds a membership, so the count stays true until the transaction ends.
    """
    memberships = Membership.objects.filter(group_id__in=list(group_ids))
    if active_only:
        memberships = memberships.active()
    return {
        (group_id, seat): count
        for group_id, seat, count in memberships.values_list("group_id", "seat")
        .annotate(count=Count("pk"))
        .order_by()
    }


def count_taken(memberships: Iterable[Membership]) -> Taken:
    """`taken_seats` over memberships a page has read anyway (no query)."""
    return dict(Counter((membership.group_id, membership.seat) for membership in memberships))


@dataclass(frozen=True)
class SeatRow:
    """One kind of seat of a group: how many there are, and how many are filled."""

    kind: str
    seats: int
    filled: int

    @property
    def label(self) -> str:
        return seat_label(self.kind)

    @property
    def free(self) -> int:
        return max(0, self.seats - self.filled)


def seat_rows(group: WorkingGroup, taken: Taken) -> list[SeatRow]:
    """A row for every kind of seat of the group, in Lublin's order.

    Reads `group.quotas.all()`: prefetch the quotas when there are several groups.
    """
    seats = seats_by_kind((quota.seat, quota.seats) for quota in group.quotas.all())
    return [SeatRow(kind, count, taken.get((group.pk, kind), 0)) for kind, count in seats.items()]


def free_seats(group_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each group: its seats by kind minus the seats taken (never below zero); two queries.

    Exact only under the groups' quota locks, as `taken_seats` says.
    """
    group_ids = list(group_ids)
    seats: dict[int, dict[str, int]] = {pk: seats_by_kind(()) for pk in group_ids}
    for group_id, seat, count in SeatQuota.objects.filter(group_id__in=group_ids).values_list(
        "group_id", "seat", "seats"
    ):
        seats[group_id][seat] = count
    taken = taken_seats(group_ids)
    return {
        group_id: {
            kind: max(0, count - taken.get((group_id, kind), 0)) for kind, count in kinds.items()
        }
        for group_id, kinds in seats.items()
    }


def recommendation_consultation_section(recommendation: Recommendation) -> Section | None:
    """The section residents comment on this recommendation in, if it was consulted."""
    return (
        Section.objects.filter(
            key=recommendation.consultation_key,
            version__consultation__kind=Consultation.Kind.RECOMMENDATIONS,
            version__status=DocumentVersion.Status.PUBLISHED,
        )
        .select_related("version__consultation")
        .order_by("-version__consultation__opens_at")
        .first()
    )


# --- The API and the open-data files ---------------------------------------------------------


def public_groups() -> QuerySet[WorkingGroup]:
    """The groups with their public rosters prefetched: active members who agreed to be named
    (the roster page's rule), never the others."""
    roster = (
        Membership.objects.active()
        .exclude(public_name="")
        .exclude(application__consent_to_publish=False)
        .order_by("seat", "public_name", "pk")
    )
    return (
        WorkingGroup.objects.select_related("area")
        .prefetch_related(Prefetch("memberships", queryset=roster, to_attr="public_roster"))
        .order_by("area__number")
    )


def published_recommendations() -> QuerySet[Recommendation]:
    return Recommendation.objects.published().select_related("group", "current")


def public_versions(recommendation: Recommendation) -> QuerySet[RecommendationVersion]:
    """The versions up to the one published: later drafts are the group's own."""
    versions = RecommendationVersion.objects.filter(recommendation=recommendation)
    if recommendation.published_at is not None:
        versions = versions.filter(created_at__lte=recommendation.published_at)
    return versions.order_by("number")


def public_opinion_evidence(recommendation: Recommendation) -> QuerySet[OpinionEvidence]:
    return OpinionEvidence.objects.filter(
        recommendation=recommendation, opinion__status=Opinion.Status.PUBLISHED
    ).order_by("pk")


def public_report_evidence(recommendation: Recommendation) -> QuerySet[ReportEvidence]:
    return ReportEvidence.objects.filter(
        recommendation=recommendation, report__published_at__isnull=False
    ).order_by("pk")


def decided_verifications(recommendation: Recommendation) -> QuerySet[Verification]:
    return (
        Verification.objects.filter(recommendation=recommendation, decided_at__isnull=False)
        .prefetch_related("verdicts")
        .order_by("decided_at", "pk")
    )
