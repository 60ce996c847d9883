""" "Propose a selection": seats filled automatically from the applications, for editors to adjust.

The proposal is a pure function of its inputs (the candidates, the free seats, a seed), so a
recorded draw can be re-checked by anyone: `recheck_draw` runs it again from the recorded
inputs and seed and says whether it gives the recorded result.

How it fills the seats:
1. A lottery orders the candidates: sorted by application number, then shuffled by
   `random.Random(seed)`. This order breaks every tie.
2. Preferences first: every candidate's first choice is tried before anyone's second, and
   every second before anyone's third.
3. Within one round, candidates are taken in lottery order. A candidate willing to lead gets
   the group's leader seat if it is free, otherwise a seat of their sector if one is free;
   anyone else gets a seat of their sector if one is free.
4. Whoever is left is waitlisted for their first choice, in lottery order.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from ..models import Application, Membership, RecruitmentCall, Seat, SelectionDraw
from ..selectors import free_seats
from .recruitment import (
    SelectionRefused,
    ensure_selection_allowed,
    lock_quotas,
    locked_call,
    place_applicant,
    waitlist_applicant,
)

if TYPE_CHECKING:
    from lublin2030.models import User

# A seed fits in the model's BigIntegerField.
SEED_BITS = 62


@dataclass(frozen=True)
class Candidate:
    """What the algorithm knows of one application."""

    application: int
    sector: str
    wants_to_lead: bool
    preferences: tuple[int, ...]


@dataclass(frozen=True)
class Placement:
    application: int
    group: int
    seat: str


@dataclass(frozen=True)
class Proposal:
    placements: tuple[Placement, ...]
    # (application, group whose waiting list it is on), in lottery order.
    waitlist: tuple[tuple[int, int], ...]
    lottery: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "placements": [asdict(placement) for placement in self.placements],
            "waitlist": [{"application": a, "group": g} for a, g in self.waitlist],
            "lottery": list(self.lottery),
        }


def lottery_order(candidates: Iterable[Candidate], seed: int) -> list[Candidate]:
    ordered = sorted(candidates, key=lambda candidate: candidate.application)
    random.Random(seed).shuffle(ordered)
    return ordered


def propose(
    candidates: Iterable[Candidate], free_seats: Mapping[int, Mapping[str, int]], seed: int
) -> Proposal:
    """Placements and waiting list for the candidates in the free seats (pure, deterministic)."""
    free = {group: dict(seats) for group, seats in free_seats.items()}
    order = lottery_order(candidates, seed)
    placed: dict[int, Placement] = {}
    rounds = max((len(candidate.preferences) for candidate in order), default=0)
    for rank in range(rounds):
        for candidate in order:
            if candidate.application in placed or rank >= len(candidate.preferences):
                continue
            group = candidate.preferences[rank]
            seats = free.get(group)
            if seats is None:
                continue
            kinds = ([Seat.LEADER.value] if candidate.wants_to_lead else []) + [candidate.sector]
            for kind in kinds:
                if seats.get(kind, 0) > 0:
                    seats[kind] -= 1
                    placed[candidate.application] = Placement(candidate.application, group, kind)
                    break
    waitlist = tuple(
        (candidate.application, candidate.preferences[0])
        for candidate in order
        if candidate.application not in placed and candidate.preferences
    )
    placements = tuple(sorted(placed.values(), key=lambda p: (p.group, p.seat, p.application)))
    return Proposal(placements, waitlist, tuple(c.application for c in order))


# --- Reading the inputs from the database --------------------------------------------------


def candidates_for(call: RecruitmentCall) -> list[Candidate]:
    """Applications still to be decided (pending or waitlisted), from people without a seat."""
    group_ids = set(call.groups.values_list("pk", flat=True))
    seated = Membership.objects.values("user_id")
    applications = (
        call.applications.filter(
            decision__in=[Application.Decision.PENDING, Application.Decision.WAITLISTED]
        )
        .exclude(applicant_id__in=seated)
        .order_by("pk")
    )
    return [
        Candidate(
            application=application.pk,
            sector=application.sector,
            wants_to_lead=application.wants_to_lead,
            preferences=tuple(pk for pk in application.preference_ids if pk in group_ids),
        )
        for application in applications
    ]


# --- Recording a draw and writing it --------------------------------------------------------


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


def propose_selection(
    *, call: RecruitmentCall, editor: User, seed: int | None = None
) -> SelectionDraw:
    """Record a draw and write its placements and waiting list, all in one transaction.

    Seats already taken and applications already decided (selected, rejected) are kept:
    a proposal only fills what is still free, so an editor's adjustments survive it.
    """
    seed = new_seed() if seed is None else seed
    with transaction.atomic():
        call = locked_call(call.pk)
        ensure_selection_allowed(call)
        lock_quotas(call.groups.values_list("pk", flat=True))
        # The inputs are read under the locks: a placement by another editor either committed
        # before (and is counted) or waits for this transaction.
        candidates = candidates_for(call)
        free = free_seats(call.groups.values_list("pk", flat=True))
        proposal = propose(candidates, free, seed)
        draw = SelectionDraw.objects.create(
            call=call,
            seed=seed,
            drawn_by=editor,
            result={
                **proposal.as_json(),
                "input": {
                    "candidates": [asdict(candidate) for candidate in candidates],
                    "free_seats": {str(group): seats for group, seats in free.items()},
                },
            },
        )
        applications = Application.objects.in_bulk(
            [c.application for c in candidates], field_name="pk"
        )
        for placement in proposal.placements:
            place_applicant(
                application=applications[placement.application],
                group_id=placement.group,
                seat=placement.seat,
            )
        for application_id, group_id in proposal.waitlist:
            waitlist_applicant(application=applications[application_id], group_id=group_id)
    return draw


@dataclass(frozen=True)
class Recheck:
    matches: bool
    recomputed: dict[str, Any]


def recheck_draw(draw: SelectionDraw) -> Recheck:
    """Run the draw again from its recorded inputs and seed; does it give what it recorded?"""
    recorded = draw.result or {}
    inputs = recorded.get("input")
    if not inputs:
        raise SelectionRefused("This draw has no recorded inputs to re-check.", code="no_inputs")
    candidates = [
        Candidate(
            application=int(item["application"]),
            sector=str(item["sector"]),
            wants_to_lead=bool(item["wants_to_lead"]),
            preferences=tuple(int(pk) for pk in item["preferences"]),
        )
        for item in inputs["candidates"]
    ]
    free = {
        int(group): {str(kind): int(count) for kind, count in seats.items()}
        for group, seats in inputs["free_seats"].items()
    }
    recomputed = propose(candidates, free, draw.seed).as_json()
    matches = all(recorded.get(key) == value for key, value in recomputed.items())
    return Recheck(matches=matches, recomputed=recomputed)
