"""The proposal algorithm (pure) and the recorded draw it writes, re-checked from its seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import editor
from tests.workgroups.factories import (
    ApplicationFactory,
    RecruitmentCallFactory,
    WorkingGroupFactory,
)
from workgroups.models import (
    DEFAULT_SEATS,
    Application,
    Membership,
    RecruitmentCall,
    Sector,
    SelectionDraw,
    WorkingGroup,
)
from workgroups.services import recruitment
from workgroups.services.selection import (
    Candidate,
    lottery_order,
    propose,
    propose_selection,
    recheck_draw,
)

SECTORS = [choice.value for choice in Sector]
LUBLIN = {str(kind): count for kind, count in DEFAULT_SEATS.items()}


def candidate(pk: int, *prefs: int, sector: str = "resident", lead: bool = False) -> Candidate:
    return Candidate(application=pk, sector=sector, wants_to_lead=lead, preferences=prefs)


# --- The pure algorithm -----------------------------------------------------------------------


def test_first_preferences_are_served_before_second_ones() -> None:
    # One resident seat in each group. Applicant 1 prefers A then B; 2 and 3 want B first.
    free = {1: {"resident": 1}, 2: {"resident": 1}}
    candidates = [candidate(1, 1, 2), candidate(2, 2), candidate(3, 1)]
    for seed in range(20):
        proposal = propose(candidates, free, seed)
        placed = {p.application: p.group for p in proposal.placements}
        # B goes to 2 (a first choice) whatever the lottery; A to 1 or 3 by lottery.
        assert placed[2] == 2
        assert set(placed) in ({1, 2}, {2, 3})


def test_sector_quotas_are_respected_and_the_leader_seat_needs_a_volunteer() -> None:
    free = {1: {"leader": 1, "resident": 1, "city": 1}}
    candidates = [
        candidate(1, 1, sector="resident"),
        candidate(2, 1, sector="resident"),
        candidate(3, 1, sector="business"),
        candidate(4, 1, sector="city", lead=True),
        candidate(5, 1, sector="city"),
    ]
    proposal = propose(candidates, free, seed=7)
    seats = {p.application: p.seat for p in proposal.placements}
    assert seats[4] == "leader"  # the only volunteer takes the leader seat...
    assert seats[5] == "city"  # ...which leaves the city seat to the other city applicant
    assert Counter(seats.values()) == {"leader": 1, "resident": 1, "city": 1}
    assert 3 not in seats  # no business seat in this group
    waitlisted = {a for a, _ in proposal.waitlist}
    assert waitlisted == {1, 2, 3} - set(seats)
    assert {g for _, g in proposal.waitlist} == {1}


def test_a_volunteer_without_the_leader_seat_still_gets_a_seat_of_their_sector() -> None:
    free = {1: {"leader": 1, "ngo": 1}}
    proposal = propose(
        [candidate(1, 1, sector="ngo", lead=True), candidate(2, 1, sector="ngo", lead=True)],
        free,
        3,
    )
    assert sorted(p.seat for p in proposal.placements) == ["leader", "ngo"]


def test_the_same_seed_draws_the_same_and_ties_are_broken_by_the_lottery() -> None:
    free = {1: {"resident": 2}}
    candidates = [candidate(pk, 1) for pk in range(1, 11)]
    first = propose(candidates, free, seed=2030)
    again = propose(list(reversed(candidates)), free, seed=2030)
    assert first == again  # the input order does not matter, only the seed
    winners = {
        frozenset(p.application for p in propose(candidates, free, seed).placements)
        for seed in range(30)
    }
    assert len(winners) > 1  # other seeds, other winners
    lottery = lottery_order(candidates, 2030)
    assert {p.application for p in first.placements} == {c.application for c in lottery[:2]}
    assert [a for a, _ in first.waitlist] == [c.application for c in lottery[2:]]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Candidate], dict[int, dict[str, int]], int]:
    groups = draw(st.integers(min_value=1, max_value=4))
    free = {
        g: {kind: draw(st.integers(min_value=0, max_value=3)) for kind in LUBLIN}
        for g in range(1, groups + 1)
    }
    people = draw(st.integers(min_value=0, max_value=25))
    candidates = []
    for pk in range(1, people + 1):
        prefs = draw(
            st.lists(
                st.integers(min_value=1, max_value=groups), min_size=1, max_size=3, unique=True
            )
        )
        candidates.append(
            Candidate(pk, draw(st.sampled_from(SECTORS)), draw(st.booleans()), tuple(prefs))
        )
    return candidates, free, draw(st.integers(min_value=0, max_value=2**62))


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_any_proposal_fits_the_quotas_and_the_applications(
    scenario: tuple[list[Candidate], dict[int, dict[str, int]], int],
) -> None:
    candidates, free, seed = scenario
    proposal = propose(candidates, free, seed)
    by_pk = {c.application: c for c in candidates}
    filled = Counter((p.group, p.seat) for p in proposal.placements)
    for (group, seat), count in filled.items():
        assert count <= free[group][seat]
    placed = [p.application for p in proposal.placements]
    assert len(placed) == len(set(placed))  # one seat per person
    for p in proposal.placements:
        person = by_pk[p.application]
        assert p.group in person.preferences
        assert p.seat == person.sector or (p.seat == "leader" and person.wants_to_lead)
    assert set(placed) | {a for a, _ in proposal.waitlist} == set(by_pk)
    assert not set(placed) & {a for a, _ in proposal.waitlist}
    # Nobody waits while a seat they could take in their first choice stays free.
    for application, group in proposal.waitlist:
        person = by_pk[application]
        kinds = [person.sector] + (["leader"] if person.wants_to_lead else [])
        assert all(filled[(group, kind)] == free[group][kind] for kind in kinds)
    assert propose(candidates, free, seed) == proposal


# --- The recorded draw ------------------------------------------------------------------------


def closed_call(*groups: WorkingGroup) -> RecruitmentCall:
    now = timezone.now()
    return RecruitmentCallFactory(
        groups=list(groups),
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=1),
    )


@pytest.mark.django_db
def test_propose_selection_records_the_draw_and_writes_it_within_quotas() -> None:
    group = WorkingGroupFactory(quotas={"leader": 1, "resident": 2, "city": 1})
    other = WorkingGroupFactory(quotas={"resident": 1})
    call = closed_call(group, other)
    residents = [
        ApplicationFactory(call=call, first_choice=group, second_choice=other) for _ in range(4)
    ]
    lead = ApplicationFactory(
        call=call, first_choice=group, sector="city", organisation="UM", wants_to_lead=True
    )
    refused = ApplicationFactory(call=call, first_choice=group)
    recruitment.reject_applicant(application=refused)
    person = editor()

    draw = propose_selection(call=call, editor=person, seed=42)

    assert (draw.seed, draw.drawn_by) == (42, person)
    assert Membership.objects.get(seat="leader").application == lead
    assert Membership.objects.filter(group=group, seat="resident").count() == 2
    assert Membership.objects.filter(group=other, seat="resident").count() == 1
    assert not Membership.objects.filter(application=refused).exists()
    assert not Membership.objects.filter(active=True).exists()  # active only once announced
    decisions = Counter(
        Application.objects.filter(pk__in=[a.pk for a in residents]).values_list(
            "decision", flat=True
        )
    )
    assert decisions == {"selected": 3, "waitlisted": 1}
    waitlisted = Application.objects.get(decision="waitlisted")
    assert waitlisted.waitlist_group == group
    recorded = {(p["application"], p["group"], p["seat"]) for p in draw.result["placements"]}
    written = set(Membership.objects.values_list("application", "group", "seat"))
    assert recorded == written
    assert recheck_draw(draw).matches


@pytest.mark.django_db
def test_a_proposal_keeps_the_editors_choices_and_fills_only_free_seats() -> None:
    group = WorkingGroupFactory(quotas={"resident": 2})
    call = closed_call(group)
    chosen, *_others = [ApplicationFactory(call=call, first_choice=group) for _ in range(3)]
    recruitment.place_applicant(application=chosen, group_id=group.pk, seat="resident")

    draw = propose_selection(call=call, editor=editor(), seed=1)

    assert draw.result["input"]["free_seats"][str(group.pk)]["resident"] == 1
    assert Membership.objects.filter(application=chosen).exists()
    assert Membership.objects.count() == 2
    again = propose_selection(call=call, editor=editor(), seed=2)
    assert again.result["placements"] == []  # nothing left to fill
    assert Membership.objects.count() == 2


@pytest.mark.django_db
def test_recheck_says_when_a_recorded_result_does_not_follow_from_its_seed() -> None:
    group = WorkingGroupFactory(quotas={"resident": 1})
    call = closed_call(group)
    for _ in range(6):
        ApplicationFactory(call=call, first_choice=group)
    draw = propose_selection(call=call, editor=editor(), seed=9)
    assert recheck_draw(draw).matches

    placed = draw.result["placements"][0]["application"]
    other = next(a for (a,) in Application.objects.exclude(pk=placed).values_list("pk"))
    tampered = {
        **draw.result,
        "placements": [{**draw.result["placements"][0], "application": other}],
    }
    SelectionDraw.objects.filter(pk=draw.pk).update(result=tampered)
    draw.refresh_from_db()
    check = recheck_draw(draw)
    assert not check.matches
    assert check.recomputed["placements"][0]["application"] == placed


@pytest.mark.django_db
def test_no_proposal_while_the_call_is_open() -> None:
    group = WorkingGroupFactory()
    call = RecruitmentCallFactory(groups=[group])
    ApplicationFactory(call=call, first_choice=group)
    with pytest.raises(recruitment.SelectionRefused):
        propose_selection(call=call, editor=editor())
    assert not SelectionDraw.objects.exists()
