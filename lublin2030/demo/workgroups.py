"""Demo working groups: a closed and announced recruitment call, 12 groups of ten, their
workshops, and recommendations with many versions, evidence and verifications.

Used by `seed_demo` (a few recommendations per group, for `make run`) and by the
benchmark (300 recommendations of 50 versions each, 1,000 evidence links). Everything is
derived from the seed, so two runs with the same seed build the same data. Rows are
written with `bulk_create`, as opinions/demo.py does: this is seed data, not a user's
action, so it does not go through the services (which would send e-mails and run checks
for every row).

Idempotent: if the demo call exists, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction

from lublin2030.models import User
from opinions.models import Opinion, ThematicReport
from workgroups.models import (
    DEFAULT_SEATS,
    Application,
    Criterion,
    CriterionVerdict,
    Membership,
    OpinionEvidence,
    Recommendation,
    RecommendationVersion,
    RecruitmentCall,
    ReportEvidence,
    Seat,
    Sector,
    Verdict,
    Verification,
    WorkingGroup,
    Workshop,
)
from workgroups.services.groups import ensure_working_groups

DEMO_CALL_TITLE = "Nabór do Tematycznych Grup Roboczych Strategii Lublin 2030"
WARSAW = ZoneInfo("Europe/Warsaw")

FIRST_NAMES = (
    "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Michał",
    "Joanna", "Krzysztof", "Monika", "Marcin", "Ewa", "Jakub", "Aleksandra", "Łukasz",
    "Barbara", "Grzegorz", "Natalia", "Wojciech", "Zofia", "Adam", "Małgorzata", "Kamil",
)  # fmt: skip
# (as a man's name, as a woman's): Polish surnames agree with the person.
SURNAMES = (
    ("Nowak", "Nowak"), ("Kowalczyk", "Kowalczyk"), ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"), ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"), ("Mazur", "Mazur"),
    ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
    ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"),
    ("Król", "Król"), ("Wieczorek", "Wieczorek"), ("Jabłoński", "Jabłońska"),
)  # fmt: skip
ORGANISATIONS: dict[str, tuple[str, ...]] = {
    Sector.UNIVERSITY: ("Uniwersytet Marii Curie-Skłodowskiej", "Politechnika Lubelska",
                        "Uniwersytet Przyrodniczy w Lublinie", "KUL"),
    Sector.BUSINESS: ("Lubelski Klub Biznesu", "Lubelski Park Naukowo-Technologiczny",
                      "spółdzielnia socjalna", "firma projektowa"),
    Sector.NGO: ("Fundacja Wspierania Inicjatyw Lokalnych", "Stowarzyszenie Rowerowy Lublin",
                 "Lubelskie Forum Organizacji Pozarządowych", "Fundacja Sztuk Pięknych"),
    Sector.CITY: ("Urząd Miasta Lublin", "Zarząd Transportu Miejskiego", "MOPR Lublin",
                  "Lubelskie Centrum Konferencyjne"),
}  # fmt: skip
WORKSHOP_TOPICS = (
    "Diagnoza obszaru: co mówią opinie mieszkańców",
    "Wizja obszaru w 2030 roku",
    "Cele i kierunki działań",
    "Rekomendacje: redakcja i wskaźniki",
)
PLACES = ("Centrum Kultury, ul. Peowiaków 12", "Urząd Miasta, Plac Króla Łokietka 1",
          "Lubelskie Centrum Konferencyjne", "Centrum Spotkania Kultur")  # fmt: skip
TITLE_OPENINGS = (
    "Program",
    "Plan",
    "Sieć",
    "Standard",
    "Fundusz",
    "Partnerstwo",
    "Pakiet",
    "Strategia",
)
TITLE_SUBJECTS = (
    "zielonych podwórek", "aktywnych sąsiedztw", "dostępnych przystanków",
    "otwartych szkół", "lokalnych centrów dzielnic", "wsparcia seniorów",
    "przyjaznych ulic", "kultury w dzielnicach", "miejskiej retencji wody",
    "edukacji przyszłości", "młodych talentów", "bezpiecznych tras rowerowych",
)  # fmt: skip
SENTENCES = (
    "Mieszkańcy w opiniach wielokrotnie wskazywali na brak miejsc spotkań w swoich dzielnicach.",
    "W ostatnich latach miasto inwestowało głównie w centrum, a osiedla czekały na swoją kolej.",
    "Dane z badań ankietowych pokazują rosnące oczekiwania wobec jakości przestrzeni publicznej.",
    "Lublin ma silne uczelnie, ale zbyt mało absolwentów zostaje w mieście po studiach.",
    "Transport publiczny jest ceniony, choć połączenia między dzielnicami bywają rzadkie.",
    "Organizacje pozarządowe chcą współdecydować o programach, a nie tylko je realizować.",
    "Zmiany klimatu wymagają zatrzymywania wody deszczowej i sadzenia drzew przy ulicach.",
    "Seniorzy potrzebują usług blisko domu i bezpiecznych, dobrze oświetlonych chodników.",
    "Kultura jest mocną stroną Lublina, ale jej oferta koncentruje się w Śródmieściu.",
    "Przedsiębiorcy oczekują prostszych procedur i partnerstwa z miastem w projektach.",
)  # fmt: skip
# (direction of action, its indicator, the responsible unit)
DIRECTIONS = (
    ("Budżet dzielnicowy na małe inwestycje", "liczba zrealizowanych projektów",
     "Kancelaria Prezydenta"),
    ("Rewitalizacja podwórek z udziałem mieszkańców", "liczba odnowionych podwórek",
     "Wydział Zieleni"),
    ("Nowe połączenia autobusowe między dzielnicami", "liczba nowych linii",
     "Zarząd Transportu Miejskiego"),
    ("Program stypendialny dla absolwentów", "liczba stypendystów",
     "Wydział Strategii i Przedsiębiorczości"),
    ("Otwarte szkoły po lekcjach", "liczba szkół z ofertą popołudniową",
     "Wydział Oświaty i Wychowania"),
    ("Mapa potrzeb seniorów", "odsetek dzielnic objętych mapą", "MOPR"),
    ("Retencja wody na terenach publicznych", "m³ zatrzymanej wody",
     "Wydział Ochrony Środowiska"),
    ("Inkubator inicjatyw kulturalnych w dzielnicach", "liczba wspartych inicjatyw",
     "Wydział Kultury"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoSize:
    recommendations_per_group: int
    versions_per_recommendation: int
    evidence_links: int
    extra_applicants: int = 30


DEMO = DemoSize(recommendations_per_group=3, versions_per_recommendation=4, evidence_links=60)
# The benchmark: 12 groups, 120 members, 300 recommendations × 50 versions, 1,000 links.
BENCH = DemoSize(recommendations_per_group=25, versions_per_recommendation=50, evidence_links=1000)


@dataclass
class SeedSummary:
    created: bool
    groups: int = 0
    members: int = 0
    recommendations: int = 0
    versions: int = 0
    evidence_links: int = 0


def _aware(day: dt.date, hour: int = 17) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=WARSAW)


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


@transaction.atomic
def seed_working_groups(
    *,
    seed: int = 2030,
    size: DemoSize = DEMO,
    named_members: Sequence[tuple[User, str]] = (),
    verifier: User | None = None,
    editor: User | None = None,
) -> SeedSummary:
    """The demo groups. `named_members` are (user, seat) put into the first group first
    (the demo accounts of a leader and a member, so people can log in as them)."""
    if RecruitmentCall.objects.filter(title=DEMO_CALL_TITLE).exists():
        return SeedSummary(created=False)
    rng = random.Random(seed)
    groups = ensure_working_groups()
    call = RecruitmentCall.objects.create(
        title=DEMO_CALL_TITLE,
        text=(
            "Zapraszamy mieszkańców, uczelnie, biznes, organizacje pozarządowe i administrację "
            "do **12 Tematycznych Grup Roboczych**. Każda grupa liczy 10 osób i spotka się "
            "na około czterech warsztatach."
        ),
        opens_at=_aware(dt.date(2020, 9, 1), 8),
        closes_at=_aware(dt.date(2020, 9, 30), 23),
        announced_at=_aware(dt.date(2020, 10, 9), 12),
        created_by=editor,
    )
    call.groups.add(*groups)
    memberships = _members(rng, call, groups, named_members)
    summary = SeedSummary(created=True, groups=len(groups), members=len(memberships))
    _extra_applicants(rng, call, groups, size.extra_applicants)
    _workshops(rng, groups, memberships)
    _recommendations(rng, groups, memberships, size, summary, verifier=verifier, editor=editor)
    return summary


def _person(rng: random.Random, username: str) -> tuple[User, str]:
    first = rng.choice(FIRST_NAMES)
    his, hers = rng.choice(SURNAMES)
    name = f"{first} {hers if first.endswith('a') else his}"
    user = User(username=username, email=f"{username}@demo.lublin2030.pl", display_name=name)
    user.set_unusable_password()
    return user, name


def _members(
    rng: random.Random,
    call: RecruitmentCall,
    groups: Sequence[WorkingGroup],
    named_members: Sequence[tuple[User, str]],
) -> list[Membership]:
    named = list(named_members)
    seats: list[tuple[WorkingGroup, str]] = [
        (group, seat) for group in groups for seat, count in DEFAULT_SEATS.items()
        for _ in range(count)
    ]  # fmt: skip
    people: list[tuple[User, str, bool]] = []
    for index, (group, seat) in enumerate(seats):
        match = next((item for item in named if group == groups[0] and item[1] == seat), None)
        if match is not None:
            named.remove(match)
            people.append((match[0], match[0].display_name or match[0].username, False))
        else:
            user, name = _person(rng, f"tgr-{group.slug}-{index % 10 + 1}")
            people.append((user, name, True))
    User.objects.bulk_create([user for user, _, new in people if new])
    applications = []
    for (group, seat), (user, name, _) in zip(seats, people, strict=True):
        sector = Sector.RESIDENT if seat == Seat.LEADER else seat
        applications.append(
            Application(
                call=call,
                applicant=user,
                first_choice=group,
                full_name=name,
                sector=sector,
                organisation=rng.choice(ORGANISATIONS.get(sector, ("",))),
                wants_to_lead=seat == Seat.LEADER,
                motivation=_paragraph(rng, 2),
                experience=_paragraph(rng, 1),
                consent_to_publish=rng.random() < 0.9,
                decision=Application.Decision.SELECTED,
                submitted_at=call.opens_at + dt.timedelta(days=rng.randint(0, 25)),
                updated_at=call.opens_at + dt.timedelta(days=26),
                notified_at=call.announced_at,
            )
        )
    Application.objects.bulk_create(applications)
    return Membership.objects.bulk_create(
        Membership(
            group=group,
            user=application.applicant,
            seat=seat,
            call=call,
            application=application,
            active=True,
            public_name=application.full_name if application.consent_to_publish else "",
            created_at=call.announced_at or call.closes_at,
        )
        for (group, seat), application in zip(seats, applications, strict=True)
    )


def _extra_applicants(
    rng: random.Random, call: RecruitmentCall, groups: Sequence[WorkingGroup], count: int
) -> None:
    people = [_person(rng, f"kandydat-{n + 1}") for n in range(count)]
    User.objects.bulk_create([user for user, _ in people])
    Application.objects.bulk_create(
        Application(
            call=call,
            applicant=user,
            first_choice=(first := rng.choice(groups)),
            second_choice=rng.choice([g for g in groups if g != first]),
            full_name=name,
            sector=rng.choice(Sector.values),
            motivation=_paragraph(rng, 2),
            consent_to_publish=True,
            decision=(Application.Decision.WAITLISTED if n % 2 else Application.Decision.REJECTED),
            waitlist_group=first if n % 2 else None,
            submitted_at=call.opens_at + dt.timedelta(days=rng.randint(0, 25)),
            notified_at=call.announced_at,
        )
        for n, (user, name) in enumerate(people)
    )


def _workshops(
    rng: random.Random, groups: Sequence[WorkingGroup], memberships: Sequence[Membership]
) -> None:
    by_group: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_group.setdefault(membership.group_id, []).append(membership)
    for group in groups:
        members = by_group.get(group.pk, [])
        for number, topic in enumerate(WORKSHOP_TOPICS):
            day = dt.date(2020, 10, 20) + dt.timedelta(days=21 * number + group.area.number)
            workshop = Workshop.objects.create(
                group=group,
                title=f"Warsztat {number + 1}: {topic}",
                starts_at=_aware(day),
                place=rng.choice(PLACES),
                agenda="1. Powitanie\n2. " + topic + "\n3. Podsumowanie i dalsze kroki",
                minutes=(
                    f"Obecnych {len(members) - number % 3} osób. " + _paragraph(rng, 3)
                    if day < dt.date(2021, 3, 1)
                    else ""
                ),
            )
            workshop.attendees.add(*members[: len(members) - number % 3])


def _recommendations(
    rng: random.Random,
    groups: Sequence[WorkingGroup],
    memberships: Sequence[Membership],
    size: DemoSize,
    summary: SeedSummary,
    *,
    verifier: User | None,
    editor: User | None,
) -> None:
    authors: dict[int, list[int]] = {}
    for membership in memberships:
        authors.setdefault(membership.group_id, []).append(membership.user_id)
    statuses = _status_cycle()
    recommendations: list[Recommendation] = []
    for group in groups:
        for number in range(1, size.recommendations_per_group + 1):
            status = next(statuses)
            title = f"{rng.choice(TITLE_OPENINGS)} {rng.choice(TITLE_SUBJECTS)}"
            created = _aware(dt.date(2021, 1, 10) + dt.timedelta(days=rng.randint(0, 40)))
            recommendations.append(
                Recommendation(
                    group=group,
                    number=number,
                    title=title,
                    status=status,
                    version=size.versions_per_recommendation,
                    created_by_id=rng.choice(authors[group.pk]),
                    created_at=created,
                    updated_at=created + dt.timedelta(days=30),
                    submitted_at=(
                        created + dt.timedelta(days=31)
                        if status != Recommendation.Status.DRAFT
                        else None
                    ),
                    published_at=(
                        created + dt.timedelta(days=60) if status in _PUBLISHED_STATUSES else None
                    ),
                )
            )
    Recommendation.objects.bulk_create(recommendations)
    evidence = _evidence(rng, recommendations, size.evidence_links)
    versions = _versions(rng, recommendations, authors, evidence, size)
    RecommendationVersion.objects.bulk_create(versions, batch_size=2000)
    last = {
        v.recommendation_id: v for v in versions if v.number == size.versions_per_recommendation
    }
    for recommendation in recommendations:
        recommendation.current = last[recommendation.pk]
    Recommendation.objects.bulk_update(recommendations, ["current"], batch_size=500)
    _verifications(rng, recommendations, verifier)
    summary.recommendations = len(recommendations)
    summary.versions = len(versions)
    summary.evidence_links = sum(len(links) for links in evidence.values())


_PUBLISHED_STATUSES = (Recommendation.Status.VERIFIED, Recommendation.Status.REJECTED)


def _status_cycle() -> Iterator[str]:
    return itertools.cycle(
        [
            Recommendation.Status.DRAFT,
            Recommendation.Status.VERIFIED,
            Recommendation.Status.SUBMITTED,
            Recommendation.Status.DRAFT,
            Recommendation.Status.RETURNED,
            Recommendation.Status.VERIFIED,
            Recommendation.Status.UNDER_VERIFICATION,
            Recommendation.Status.REJECTED,
        ]
    )


def _evidence(
    rng: random.Random, recommendations: Sequence[Recommendation], links: int
) -> dict[int, list[tuple[int, str]]]:
    """Opinion evidence: `links` links spread over the recommendations, from each area."""
    areas = {rec.group.area_id for rec in recommendations}
    opinions_by_area: dict[int, list[int]] = {}
    for area_id in areas:
        opinions_by_area[area_id] = list(
            Opinion.objects.published()
            .filter(area_id=area_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:200]
        )
    chosen: dict[int, list[tuple[int, str]]] = {rec.pk: [] for rec in recommendations}
    rows = []
    for n in range(links):
        rec = recommendations[n % len(recommendations)]
        candidates = [
            pk
            for pk in opinions_by_area.get(rec.group.area_id, [])
            if pk not in {o for o, _ in chosen[rec.pk]}
        ]
        if not candidates:
            continue
        opinion_id = rng.choice(candidates)
        note = rng.choice(("", "Potwierdza diagnozę.", "Przykład z dzielnicy.", "Wskazuje cel."))
        chosen[rec.pk].append((opinion_id, note))
        rows.append(OpinionEvidence(recommendation=rec, opinion_id=opinion_id, note=note))
    OpinionEvidence.objects.bulk_create(rows, batch_size=2000)
    reports = {
        report.area_id: report
        for report in ThematicReport.objects.built().order_by("area_id", "version")
    }
    ReportEvidence.objects.bulk_create(
        ReportEvidence(recommendation=rec, report=reports[rec.group.area_id], note="")
        for rec in recommendations
        if rec.group.area_id in reports
    )
    return chosen


def _versions(
    rng: random.Random,
    recommendations: Sequence[Recommendation],
    authors: dict[int, list[int]],
    evidence: dict[int, list[tuple[int, str]]],
    size: DemoSize,
) -> list[RecommendationVersion]:
    versions = []
    for rec in recommendations:
        vision = _paragraph(rng, 3)
        diagnosis = _paragraph(rng, 6)
        goals = "\n".join(f"{n}. {_paragraph(rng, 1)}" for n in range(1, 4))
        directions = [
            {"text": text, "indicator": indicator, "responsible_unit": unit}
            for text, indicator, unit in rng.sample(DIRECTIONS, 3)
        ]
        links = evidence[rec.pk]
        for number in range(1, size.versions_per_recommendation + 1):
            # Each version rewrites a sentence or two and cites a little more evidence.
            if number > 1:
                diagnosis = diagnosis + " " + rng.choice(SENTENCES)
                if number % 3 == 0:
                    vision = _paragraph(rng, 3)
            cited = links[: max(1, len(links) * number // size.versions_per_recommendation)]
            versions.append(
                RecommendationVersion(
                    recommendation=rec,
                    number=number,
                    title=rec.title,
                    vision=vision,
                    diagnosis=diagnosis,
                    goals=goals,
                    directions=directions,
                    evidence={
                        "opinions": [{"id": pk, "note": note} for pk, note in cited],
                        "reports": [],
                    },
                    author_id=rng.choice(authors[rec.group_id]),
                    created_at=rec.created_at + dt.timedelta(hours=number),
                    note="" if number > 1 else "Pierwsza wersja",
                )
            )
    return versions


def _verifications(
    rng: random.Random, recommendations: Sequence[Recommendation], verifier: User | None
) -> None:
    decided: dict[str, str] = {
        Recommendation.Status.VERIFIED: Verification.Outcome.VERIFIED,
        Recommendation.Status.RETURNED: Verification.Outcome.RETURNED,
        Recommendation.Status.REJECTED: Verification.Outcome.REJECTED,
    }
    for rec in recommendations:
        if rec.status not in decided and rec.status != Recommendation.Status.UNDER_VERIFICATION:
            continue
        outcome = decided.get(rec.status, "")
        assert rec.current is not None and rec.submitted_at is not None
        verification = Verification.objects.create(
            recommendation=rec,
            version=rec.current,
            verifier=verifier,
            started_at=rec.submitted_at + dt.timedelta(days=2),
            outcome=outcome,
            reasons=(
                "Kierunek działań nr 2 wykracza poza zadania gminy; prosimy o zmianę."
                if outcome == Verification.Outcome.RETURNED
                else ""
            ),
            decided_at=rec.submitted_at + dt.timedelta(days=9) if outcome else None,
        )
        if not outcome:
            continue
        verdicts = _verdicts_for(outcome, rng)
        CriterionVerdict.objects.bulk_create(
            CriterionVerdict(
                verification=verification,
                criterion=criterion,
                verdict=verdict,
                justification=justification,
            )
            for criterion, (verdict, justification) in zip(Criterion.values, verdicts, strict=True)
        )


def _verdicts_for(outcome: str, rng: random.Random) -> list[tuple[str, str]]:
    positive = (Verdict.POSITIVE, "Zgodne z przepisami i zadaniami własnymi gminy.")
    conditional = (
        Verdict.CONDITIONAL,
        "Możliwe pod warunkiem ujęcia w Wieloletniej Prognozie Finansowej.",
    )
    negative = (Verdict.NEGATIVE, "Zadanie nie należy do kompetencji miasta.")
    if outcome == Verification.Outcome.VERIFIED:
        return [positive, rng.choice([positive, conditional]), conditional]
    return [positive, negative, conditional]
