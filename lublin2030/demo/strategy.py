"""Demo data of the adopted strategy: the Lublin skeleton (data/strategy/lublin-2030.toml),
the council's adoption on 27 January 2022, three years of measurements for every
indicator (and a provisional fourth for some), 60 tasks with implementation updates, and
the demo's verified recommendations linked to the goals they became.

Everything goes through the strategy's services; running it again adds nothing.
The figures are made up (seeded, so the same every time), as are the votes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from lublin2030.models import User
from stages.models import Direction, District, Goal, Indicator, Measurement, Strategy, Task
from stages.strategy import services
from stages.strategy.loader import load_strategy
from workgroups.models import Recommendation
from workgroups.services.adoption import decide_adoption, link_recommendation

STRATEGY_FILE = Path(settings.BASE_DIR) / "data" / "strategy" / "lublin-2030.toml"
ADOPTED_ON = dt.date(2022, 1, 27)
# The resolution's number as the city's bulletin gives it (unconfirmed); the votes are the demo's.
RESOLUTION = "1387/XXXVI/2022"
MEASURED_YEARS = (2020, 2021, 2022)

# Two tasks for each direction of action, in the order of the directions in the file.
TASKS = [
    (
        "Lubelski Festiwal Nauki w przestrzeni miasta",
        "Lublin dla studentów – kampania rekrutacyjna za granicą",
    ),
    ("Rada ds. współpracy uczelni z gospodarką", "Miejskie staże dla absolwentów"),
    (
        "Uzbrojenie terenów inwestycyjnych przy ul. Mełgiewskiej",
        "Rozbudowa Lubelskiego Parku Naukowo-Technologicznego",
    ),
    ("Inkubator start-upów technologicznych", "Program grantów na prototypy"),
    ("Szkolne kluby przedsiębiorczości", "Akademia kompetencji cyfrowych dla dorosłych"),
    ("Coworking w dawnym kinie Kosmos", "Pracownie twórcze w budynkach komunalnych"),
    ("Park rzeczny nad Czechówką", "Nasadzenia drzew przy ulicach – 1000 drzew rocznie"),
    ("Wymiana pieców węglowych w kamienicach", "Czujniki jakości powietrza przy szkołach"),
    ("Zakup autobusów elektrycznych", "Buspasy na głównych ciągach"),
    ("Trasa rowerowa wzdłuż Bystrzycy", "Bezpieczne przejścia przy szkołach"),
    ("Centra usług sąsiedzkich w dzielnicach", "Mikrostrategie dzielnic – wdrożenie"),
    ("Rewitalizacja placu przy ul. Zana", "Podwórka Starego Miasta – modernizacja"),
    ("Plany miejscowe dla dzielnic północnych", "Ogrody deszczowe przy budynkach miejskich"),
    ("Punkty selektywnej zbiórki odpadów", "Kampania „Segreguj w domu”"),
    ("Budżet obywatelski – edycja zielona", "Fundusz inicjatyw lokalnych"),
    ("Centrum wolontariatu i organizacji pozarządowych", "Szkolenia dla rad dzielnic"),
    ("Dzienny dom pomocy na Czubach", "Teleopieka dla seniorów"),
    ("Żłobek na Węglinie", "Przedszkole na Felinie"),
    ("Likwidacja barier w urzędach miejskich", "Dostępność cyfrowa serwisów miasta"),
    ("Mieszkania chronione", "Program najmu społecznego"),
    ("Dom kultury na Ponikwodzie", "Kultura w dzielnicach – program grantowy"),
    ("Noc Kultury", "Inne Brzmienia – festiwal międzynarodowy"),
    ("Siłownie plenerowe i boiska osiedlowe", "Basen na Czechowie – modernizacja"),
    ("Program „Sportowa szkoła”", "Lubelskie biegi dzielnicowe"),
    ("Kampania promocyjna „Lublin. Miasto inspiracji”", "Punkty informacji turystycznej"),
    ("Szlak Jagielloński – oznakowanie i przewodnik", "Podziemia Starego Miasta – nowa trasa"),
    ("Wspólne studium zagospodarowania LOF", "Porozumienie o wspólnych inwestycjach drogowych"),
    ("Wspólny bilet z gminami ościennymi", "Wspólne centrum usług wspólnych gmin"),
    ("Przystanki kolei aglomeracyjnej", "Węzeł przesiadkowy przy Dworcu Metropolitalnym"),
    ("Połączenie drogowe z lotniskiem – przebudowa", "Nowe połączenia lotnicze – program wsparcia"),
]
UNITS = [
    "Wydział Strategii i Przedsiębiorczości",
    "Zarząd Dróg i Mostów",
    "Zarząd Transportu Miejskiego",
    "Wydział Ochrony Środowiska",
    "Miejski Ośrodek Pomocy Rodzinie",
    "Wydział Kultury",
    "Wydział Sportu",
    "Biuro Partycypacji Społecznej",
]
NOT_ADOPTED_REASON = (
    "Zadanie leży poza kompetencjami gminy; przekazano je do samorządu województwa."
)
UPDATE_TEXTS = [
    "Ogłoszono przetarg na wykonawcę.",
    "Podpisano umowę z wykonawcą; prace ruszą wiosną.",
    "Zakończono konsultacje projektu z mieszkańcami dzielnicy.",
    "Wykonano pierwszy etap prac.",
    "Prace opóźniły się z powodu braku ofert w pierwszym przetargu.",
    "Oddano do użytku pierwszą część zadania.",
    "Zadanie zakończono i rozliczono.",
]


@dataclass
class StrategySummary:
    created: bool = False
    measurements: int = 0
    tasks: int = 0
    updates: int = 0
    links: int = 0


def seed_adopted_strategy(*, editor: User, seed: int = 2030) -> StrategySummary:
    """The demo strategy, adopted, measured, in progress and linked to recommendations."""
    load_strategy(STRATEGY_FILE)
    summary = StrategySummary()
    if Task.objects.exists():
        return summary
    rng = random.Random(seed)
    with transaction.atomic():
        strategy = Strategy.objects.get(key="lublin-2030")
        services.record_adoption(
            strategy=strategy,
            actor=editor,
            adopted_on=ADOPTED_ON,
            resolution_number=RESOLUTION,
            votes_for=24,
            votes_against=5,
            votes_abstaining=2,
        )
        summary.measurements = _measurements(rng, editor)
        summary.tasks, summary.updates = _tasks(rng, editor)
        summary.links = _links(rng, editor)
    summary.created = True
    return summary


def _measurements(rng: random.Random, editor: User) -> int:
    count = 0
    for indicator in Indicator.objects.order_by("pk"):
        # Most indicators move along their line, some lag behind, a few go the wrong way.
        pace = rng.choice((1.1, 1.0, 0.9, 0.8, 0.5, -0.2))
        span = indicator.target_value - indicator.baseline_value
        years = indicator.target_year - indicator.baseline_year
        for year in MEASURED_YEARS:
            share = Decimal(str(pace * (year - indicator.baseline_year) / years))
            noise = Decimal(str(rng.uniform(-0.02, 0.02)))
            value = indicator.baseline_value + span * (share + noise)
            services.record_measurement(
                actor=editor, indicator=indicator, year=year, value=_round(value, indicator)
            )
            count += 1
        if rng.random() < 0.5:
            share = Decimal(str(pace * (2023 - indicator.baseline_year) / years))
            services.record_measurement(
                actor=editor,
                indicator=indicator,
                year=2023,
                value=_round(indicator.baseline_value + span * share, indicator),
                status=Measurement.Status.PROVISIONAL,
                note="Dane wstępne GUS",
            )
            count += 1
    return count


def _round(value: Decimal, indicator: Indicator) -> Decimal:
    whole = indicator.baseline_value == indicator.baseline_value.to_integral_value()
    return value.quantize(Decimal(1) if whole and abs(value) > 100 else Decimal("0.1"))


def _tasks(rng: random.Random, editor: User) -> tuple[int, int]:
    districts = list(District.objects.order_by("name"))
    directions = list(Direction.objects.order_by("goal__area__number", "position", "code"))
    tasks = updates = 0
    for direction, titles in zip(directions, TASKS, strict=False):
        for index, title in enumerate(titles):
            start = dt.date(2022, rng.randint(2, 12), 1)
            status = rng.choice(
                (
                    Task.Status.PLANNED,
                    Task.Status.IN_PROGRESS,
                    Task.Status.IN_PROGRESS,
                    Task.Status.DONE,
                )
            )
            task = services.add_task(
                actor=editor,
                direction=direction,
                code=f"{direction.code}-{index + 1}",
                title=title,
                responsible_unit=rng.choice(UNITS),
                status=status,
                budget=Decimal(rng.randrange(200, 40_000)) * 1000,
                starts_on=start,
                ends_on=start + dt.timedelta(days=rng.randint(300, 1400)),
                districts=rng.sample(districts, k=rng.choice((0, 1, 1, 2, 3))) if districts else (),
            )
            tasks += 1
            for step in range(rng.randint(1, 4) if status != Task.Status.PLANNED else 0):
                services.add_implementation_update(
                    actor=editor,
                    task=task,
                    published_on=start + dt.timedelta(days=90 * (step + 1)),
                    text=UPDATE_TEXTS[min(step * 2 + rng.randint(0, 1), len(UPDATE_TEXTS) - 1)],
                )
                updates += 1
    return tasks, updates


def _links(rng: random.Random, editor: User) -> int:
    """Each verified, published demo recommendation becomes a goal or direction; a few not."""
    recommendations = list(
        Recommendation.objects.filter(
            status=Recommendation.Status.VERIFIED, published_at__isnull=False
        ).order_by("group__area__number", "number")
    )
    goals = list(Goal.objects.prefetch_related("directions").order_by("area__number", "code"))
    if not goals:
        return 0
    links = 0
    for index, recommendation in enumerate(recommendations):
        if index % 7 == 6:
            decide_adoption(
                recommendation_id=recommendation.pk,
                actor=editor,
                adopted=False,
                reason=NOT_ADOPTED_REASON,
            )
            continue
        goal = goals[index % len(goals)]
        directions = list(goal.directions.all())
        target: dict[str, Goal | Direction] = (
            {"direction": rng.choice(directions)}
            if directions and rng.random() < 0.5
            else {"goal": goal}
        )
        link_recommendation(
            recommendation_id=recommendation.pk,
            actor=editor,
            how=rng.choice(("as_is", "as_is", "merged", "changed")),
            note="",
            **target,  # type: ignore[arg-type]
        )
        decide_adoption(recommendation_id=recommendation.pk, actor=editor, adopted=True)
        links += 1
    return links
