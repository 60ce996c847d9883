"""Demo opinions for the Lublin 2030 open question: the 240 sample cards and generated ones.

The generated opinions recombine the sentences of sample opinions of the same area with a
bank of further sentences, name districts, and spread over channels, meetings, ages, months
and moderation states the way the real consultation did (paper input before the pandemic
and in the summer of 2020, mostly online after it), so that filters, search and the
per-area reports show something meaningful. Every text is one the answer form accepts.

Opinion number `i` of a seed depends only on the seed, `i` and the process (its areas,
districts and the demo meetings), never on how many are asked for: each gets its own
`random.Random`. Its fingerprint, ``demo:<seed>:<i in 9 digits>``, makes seeding
idempotent (the same count adds nothing, a larger one adds the difference, a deleted one is
put back) and cannot collide with an imported card's fingerprint, a SHA-256 hex digest. The
sample cards get exactly the fingerprint the import gives them, so importing
data/opinions-sample.csv afterwards adds nothing either.

Rows are built in memory with the lemmas precomputed and `analysed_at` set (no analysis
task is needed) and written in batches of 5,000: `bulk_create` on SQLite, COPY on
PostgreSQL, each batch in its own transaction, so an interrupted run keeps whole batches
and the next run fills in the rest. A big load on PostgreSQL (100,000 missing or more)
is one transaction that builds the secondary indexes after the rows are in, then VACUUMs.

Measured on a 2-CPU machine shared with other work: 12,000 opinions (and the sample) in
about 6 s on SQLite, of which 3–4 s load the Polish lemma dictionary; 1,000,000 in
about 3 minutes on PostgreSQL 15 (7 minutes while the machine was heavily loaded).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import itertools
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from core.bulk import insert_rows
from opinions.analysis.text import lemma_string
from opinions.cleaning import clean_text
from opinions.importing.verdicts import fingerprint as card_fingerprint
from opinions.models import AgeBand, Channel, Event, Opinion, RejectionReason, Relation
from stages.models import Consultation, District, ThematicArea

SAMPLE_CSV = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"
DEFAULT_SEED = 2030
DEFAULT_COUNT = 12_000
BATCH_SIZE = 5_000
# PostgreSQL: from this many missing opinions on, indexes are built after the load.
BULK_LOAD_FROM = 100_000
WARSAW = ZoneInfo("Europe/Warsaw")

FIRST_DAY = dt.date(2019, 10, 1)
LAST_DAY = dt.date(2020, 12, 31)
LOCKDOWN = (dt.date(2020, 3, 12), dt.date(2020, 5, 31))

# Opinions per month of the second stage: a strong start, a quieter winter, the lockdown
# of spring 2020, the summer's mobile points and the online autumn.
MONTH_WEIGHTS: tuple[tuple[int, int, int], ...] = (
    (2019, 10, 13), (2019, 11, 11), (2019, 12, 6),
    (2020, 1, 7), (2020, 2, 8), (2020, 3, 4), (2020, 4, 2), (2020, 5, 3),
    (2020, 6, 7), (2020, 7, 9), (2020, 8, 8), (2020, 9, 8),
    (2020, 10, 6), (2020, 11, 5), (2020, 12, 3),
)  # fmt: skip

# How opinions arrived in each period (weights per channel).
CHANNEL_WEIGHTS: dict[str, dict[str, int]] = {
    "before": {
        Channel.ONLINE: 34, Channel.MOBILE_POINT: 16, Channel.CAFE: 10,
        Channel.DISTRICT_MEETING: 15, Channel.WORKSHOP: 9, Channel.GAME: 8, Channel.SURVEY: 8,
    },
    "lockdown": {
        Channel.ONLINE: 86, Channel.SURVEY: 9, Channel.WORKSHOP: 3, Channel.MOBILE_POINT: 1,
        Channel.CAFE: 1, Channel.DISTRICT_MEETING: 1, Channel.GAME: 1,
    },
    "summer": {
        Channel.ONLINE: 50, Channel.MOBILE_POINT: 22, Channel.DISTRICT_MEETING: 8,
        Channel.CAFE: 6, Channel.WORKSHOP: 5, Channel.GAME: 5, Channel.SURVEY: 4,
    },
    "autumn": {
        Channel.ONLINE: 71, Channel.SURVEY: 10, Channel.WORKSHOP: 6, Channel.DISTRICT_MEETING: 5,
        Channel.CAFE: 4, Channel.MOBILE_POINT: 3, Channel.GAME: 1,
    },
}  # fmt: skip

AREA_WEIGHTS = {
    "urbanistyka-mobilnosc": 16, "miasto-zielone": 14, "dobre-sasiedztwo": 10,
    "miasto-wrazliwe": 9, "gospodarka": 9, "kultura": 8, "edukacja": 8, "partycypacja": 7,
    "akademickosc": 6, "sport": 6, "metropolia": 4, "turystyka": 4,
}  # fmt: skip
DEFAULT_AREA_WEIGHT = 6

# Roughly the districts' populations (thousands); another city's districts weigh the same.
DISTRICT_WEIGHTS = {
    "abramowice": 2, "bronowice": 11, "czechow-polnocny": 27, "czechow-poludniowy": 19,
    "czuby-polnocne": 18, "czuby-poludniowe": 23, "dziesiata": 10, "felin": 8, "glusk": 6,
    "hajdow-zadebie": 3, "kalinowszczyzna": 18, "konstantynow": 8, "kosminek": 10,
    "ponikwoda": 11, "rury": 22, "slawin": 13, "slawinek": 6, "srodmiescie": 10,
    "stare-miasto": 2, "szerokie": 9, "tatary": 12, "weglin-polnocny": 5,
    "weglin-poludniowy": 10, "wieniawa": 8, "wrotkow": 15, "za-cukrownia": 3, "zemborzyce": 3,
}  # fmt: skip
DEFAULT_DISTRICT_WEIGHT = 8
WITHOUT_DISTRICT = 0.40

AGE_WEIGHTS_ONLINE = {
    "": 19, AgeBand.UNDER_18: 3, AgeBand.AGE_18_24: 15, AgeBand.AGE_25_34: 25,
    AgeBand.AGE_35_44: 20, AgeBand.AGE_45_59: 12, AgeBand.AGE_60_74: 5, AgeBand.AGE_75_PLUS: 1,
}  # fmt: skip
AGE_WEIGHTS_PAPER = {
    "": 23, AgeBand.UNDER_18: 6, AgeBand.AGE_18_24: 8, AgeBand.AGE_25_34: 12,
    AgeBand.AGE_35_44: 14, AgeBand.AGE_45_59: 16, AgeBand.AGE_60_74: 16, AgeBand.AGE_75_PLUS: 5,
}  # fmt: skip
RELATION_WEIGHTS_ONLINE = {
    Relation.LIVES: 70, Relation.WORKS: 8, Relation.STUDIES: 7, Relation.VISITS: 2, "": 13,
}  # fmt: skip
RELATION_WEIGHTS_PAPER = {
    Relation.LIVES: 52, Relation.WORKS: 3, Relation.STUDIES: 3, Relation.VISITS: 2, "": 40,
}  # fmt: skip

REJECTED_SHARE = 0.03
PENDING_SHARE = 0.04
# The last weeks' opinions were still being read when the stage closed.
LATE_PENDING_FROM = dt.date(2020, 11, 20)
LATE_PENDING_SHARE = 0.30

REJECTION_WEIGHTS = {
    RejectionReason.OFF_TOPIC: 30, RejectionReason.ADVERTISING: 20,
    RejectionReason.DUPLICATE: 20, RejectionReason.UNREADABLE: 12,
    RejectionReason.OFFENSIVE: 10, RejectionReason.PERSONAL_DATA: 5, RejectionReason.OTHER: 3,
}  # fmt: skip
REJECTED_TEXTS: dict[str, tuple[str, ...]] = {
    RejectionReason.OFF_TOPIC: (
        "Kto wygra w sobotę, Motor czy Górnik? Stawiam na remis.",
        "Test, sprawdzam tylko, czy ten formularz w ogóle działa.",
        "Czy ktoś wie, do której jest dziś otwarta poczta na Krakowskim Przedmieściu?",
    ),
    RejectionReason.ADVERTISING: (
        "Tanie okna i drzwi w Lublinie, montaż gratis! Zadzwoń już dziś, rabat 20%.",
        "Najlepsze kredyty bez zaświadczeń, szybko i bez wychodzenia z domu, sprawdź nas!",
    ),
    RejectionReason.UNREADABLE: ("asdfgh jkl lublin lublin lublin", "?????? ...... !!!!!! xd"),
    RejectionReason.OFFENSIVE: ("Wszyscy radni to nieudacznicy i złodzieje, szkoda gadać.",),
    RejectionReason.PERSONAL_DATA: (
        "Sąsiad z klatki obok, pan Jan K. spod czternastki, pali śmieci w piecu, "
        "proszę z nim coś zrobić.",
    ),
}
REJECTION_NOTES: dict[str, str] = {
    RejectionReason.OFF_TOPIC: "Ta wiadomość nie dotyczy przyszłości Lublina.",
    RejectionReason.PERSONAL_DATA: (
        "Opinia zawiera dane osoby prywatnej. Prosimy o wysłanie jej jeszcze raz bez nich."
    ),
    RejectionReason.DUPLICATE: "Ta sama opinia dotarła do nas już wcześniej.",
}

OPENERS = (
    "Moim zdaniem najważniejsze jest jedno.",
    "Mam kilka uwag.",
    "Od lat mieszkam w Lublinie i widzę, co trzeba zmienić.",
    "Dziękuję, że miasto pyta mieszkańców.",
    "Krótko i na temat.",
    "Napiszę, co myślę.",
    "To dla mnie najważniejsza sprawa.",
)
CLOSERS = (
    "To byłaby prawdziwa zmiana.",
    "Lublin na to zasługuje.",
    "Liczę, że ktoś to przeczyta.",
    "Pozdrawiam wszystkich, którzy pracują nad strategią.",
    "Bez tego nie ruszymy z miejsca.",
    "Myślę, że wielu mieszkańców uważa podobnie.",
)
DISTRICT_SENTENCES = (
    "Dotyczy to zwłaszcza dzielnicy {name}.",
    "Mieszkam w dzielnicy {name} i widzę to na co dzień.",
    "U nas, w dzielnicy {name}, jest z tym najgorzej.",
    "Tak jest na przykład w dzielnicy {name}.",
    "Proszę zacząć od dzielnicy {name}.",
)
MIN_POINT_LENGTH = 25
SECOND_POINT = ("Druga sprawa:", "Poza tym:", "I jeszcze jedno:", "Do tego:")
MORE_VARIANTS = ("Więcej ", "Potrzeba więcej ", "Chcemy więcej ", "Przydałoby się więcej ")

# Sentences beyond the sample, one point each, so that searches find realistic numbers.
AREA_SENTENCES: dict[str, tuple[str, ...]] = {
    "partycypacja": (
        "Konsultacje społeczne powinny odbywać się wcześniej, zanim wszystko zostanie "
        "postanowione.",
        "Chciałabym, żeby urząd odpowiadał na pisma mieszkańców w ciągu tygodnia, a nie po "
        "dwóch miesiącach.",
        "Budżet obywatelski powinien mieć osobną pulę dla każdej dzielnicy.",
        "Więcej spotkań z radnymi w dzielnicach, wieczorem, kiedy ludzie wracają z pracy.",
        "Mapa inwestycji miejskich w internecie, z terminami i kosztami, żeby każdy mógł "
        "sprawdzić postęp prac.",
        "Młodzieżowa rada miasta powinna mieć realny wpływ na decyzje.",
        "Dobrze, że miasto pyta mieszkańców o zdanie, ale trzeba potem pokazać, co z tymi "
        "opiniami zrobiono.",
    ),
    "urbanistyka-mobilnosc": (
        "Brakuje miejsc parkingowych przy osiedlach, auta stoją na trawnikach i chodnikach.",
        "Zamiast kolejnych miejsc parkingowych w centrum lepiej zbudować parkingi przy "
        "pętlach autobusowych.",
        "Ścieżki rowerowe muszą się łączyć w sieć, a nie kończyć nagle na krawężniku.",
        "Trolejbusy powinny jeździć częściej wieczorem i w weekendy.",
        "Nowe osiedla powstają bez dróg dojazdowych i bez komunikacji miejskiej.",
        "Więcej przejść dla pieszych i bezpieczne drogi do szkół dla dzieci.",
        "Potrzebna jest strefa płatnego parkowania także poza ścisłym centrum, bo miejsca "
        "parkingowe zajmują auta dojeżdżających.",
        "Bilet miejski powinien obowiązywać też w pociągach w granicach miasta.",
    ),
    "akademickosc": (
        "Lublin powinien zatrzymywać absolwentów, a nie tylko ich kształcić.",
        "Więcej akademików i tańszych mieszkań dla studentów w pobliżu kampusów.",
        "Uczelnie powinny współpracować z firmami z Lublina przy projektach i praktykach.",
        "Studenci z zagranicy potrzebują informacji po angielsku w urzędach i komunikacji "
        "miejskiej.",
        "Miasto akademickie to także życie studenckie: kluby, kawiarnie i wydarzenia w tygodniu.",
        "Program staży dla absolwentów w lubelskich firmach i instytucjach miejskich.",
    ),
    "kultura": (
        "Więcej koncertów i wydarzeń kulturalnych poza centrum, w dzielnicach.",
        "Domy kultury na osiedlach powinny być otwarte także wieczorem i w weekendy.",
        "Festiwale są wspaniałe, ale brakuje kultury na co dzień, przez cały rok.",
        "Tańsze bilety do teatrów i muzeów dla seniorów i rodzin z dziećmi.",
        "Centrum Spotkania Kultur powinno być otwarte także dla lokalnych artystów.",
        "Kino plenerowe latem w parkach w różnych dzielnicach.",
    ),
    "dobre-sasiedztwo": (
        "Brakuje miejsc, gdzie sąsiedzi mogą się spotkać: świetlic, ławek, małych placów.",
        "Więcej zieleni w dzielnicy i zadbane podwórka między blokami.",
        "Miejsca parkingowe między blokami zajmują całe podwórka, dzieci nie mają gdzie się bawić.",
        "Centra dzielnicowe z biblioteką, przychodnią i domem kultury w jednym miejscu.",
        "Sąsiedzkie ogródki i wspólne sprzątanie osiedla, z pomocą spółdzielni.",
        "Rady dzielnic powinny organizować więcej pikników i festynów dla mieszkańców.",
    ),
    "gospodarka": (
        "Więcej dobrze płatnych miejsc pracy, żeby młodzi nie musieli wyjeżdżać.",
        "Wsparcie dla małych, lokalnych firm, a nie tylko dla wielkich inwestorów.",
        "Inkubator dla start-upów przy uczelniach i tańsze lokale na start.",
        "Targowiska i lokalne sklepy to też gospodarka miasta, nie zamykajmy ich.",
        "Lublin ma świetnych informatyków, miasto powinno to promować w kraju i za granicą.",
        "Tereny inwestycyjne trzeba uzbroić, zanim przyjdzie inwestor, a nie po fakcie.",
    ),
    "metropolia": (
        "Wspólny bilet dla Lublina i gmin sąsiednich: Świdnika, Niemiec, Jastkowa i Konopnicy.",
        "Kolej aglomeracyjna z Lublina do Świdnika i Lubartowa co pół godziny.",
        "Planowanie przestrzenne razem z gminami, żeby nie było chaosu na granicach miasta.",
        "Lotnisko w Świdniku potrzebuje lepszego połączenia z centrum Lublina.",
        "Lublin powinien być liderem regionu, a nie konkurować z okolicznymi gminami.",
        "Parkingi przy dworcach dla osób dojeżdżających spoza miasta.",
    ),
    "miasto-zielone": (
        "Więcej zieleni w dzielnicy, drzewa przy ulicach i małe parki między blokami.",
        "Zieleń w dzielnicy jest ważniejsza niż kolejne miejsca parkingowe.",
        "Chrońmy doliny Bystrzycy, Czechówki i Czerniejówki, to naturalne korytarze "
        "powietrzne miasta.",
        "Mniej wycinek drzew przy budowach i obowiązek nowych nasadzeń.",
        "Łąki kwietne zamiast strzyżonych trawników, to tańsze i lepsze dla pszczół.",
        "Walka ze smogiem: wymiana pieców i kontrola tego, co ludzie palą.",
        "Tereny nad Zalewem Zemborzyckim powinny być zadbane przez cały rok.",
        "Zielone dachy i ogrody deszczowe przy szkołach, żeby woda nie uciekała do kanalizacji.",
    ),
    "turystyka": (
        "Stare Miasto jest piękne, ale brakuje miejsc parkingowych dla turystów i autokarów.",
        "Lepsze oznakowanie zabytków, także po angielsku i ukraińsku.",
        "Lublin powinien się promować jako miasto festiwali, Carnaval Sztukmistrzów "
        "przyciąga ludzi z całej Polski.",
        "Trasa podziemna i Brama Grodzka to perełki, trzeba o nich więcej mówić.",
        "Więcej tanich noclegów i pól namiotowych dla młodych turystów.",
        "Informacja turystyczna powinna być otwarta dłużej w weekendy.",
    ),
    "miasto-wrazliwe": (
        "Miasto bez barier: niskopodłogowe autobusy, windy przy przejściach podziemnych i "
        "równe chodniki.",
        "Więcej mieszkań socjalnych i wsparcia dla osób w kryzysie bezdomności.",
        "Dzienne domy opieki dla seniorów w każdej dzielnicy.",
        "Pomoc psychologiczna dla młodzieży, bezpłatna i bez długiego czekania.",
        "Asystenci dla osób z niepełnosprawnościami, żeby mogły samodzielnie wychodzić z domu.",
        "Miasto powinno lepiej wspierać rodziny wielodzietne i samotnych rodziców.",
    ),
    "sport": (
        "Więcej ogólnodostępnych boisk i siłowni plenerowych w dzielnicach.",
        "Baseny miejskie otwarte dłużej, także wcześnie rano przed pracą.",
        "Ścieżki do biegania i jazdy na rolkach wzdłuż Bystrzycy.",
        "Sport dla wszystkich, nie tylko dla zawodowych klubów: zajęcia dla dzieci i seniorów.",
        "Lodowisko powinno być czynne dłużej w sezonie zimowym.",
        "Motor i Start to duma miasta, ale pieniądze powinny iść też na sport amatorski.",
    ),
    "edukacja": (
        "Mniejsze klasy i więcej zajęć praktycznych w szkołach.",
        "Szkoły powinny być otwarte po lekcjach jako miejsca dla mieszkańców dzielnicy.",
        "Więcej miejsc w żłobkach i przedszkolach na nowych osiedlach.",
        "Szkoły zawodowe muszą uczyć zawodów, których potrzebują lubelskie firmy.",
        "Darmowe zajęcia dodatkowe dla dzieci: języki, programowanie, muzyka.",
        "Bezpieczna droga do szkoły: przejścia, chodniki i mniej aut pod szkołą rano.",
    ),
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ„\"0-9])")


# --- The sample cards -----------------------------------------------------------------------


@dataclass(frozen=True)
class SampleCard:
    """One row of data/opinions-sample.csv (the paper-input format)."""

    text: str
    area: str
    district: str
    channel: str
    age_band: str
    collected_on: dt.date


def read_sample(path: Path = SAMPLE_CSV) -> list[SampleCard]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [
            SampleCard(
                text=clean_text(row["text"]),
                area=row["area"].strip(),
                district=row["district"].strip(),
                channel=row["channel"].strip(),
                age_band=row["age_band"].strip(),
                collected_on=dt.date.fromisoformat(row["collected_on"].strip()),
            )
            for row in csv.DictReader(stream)
        ]


def split_sentences(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _SENTENCE_END.split(text) if part.strip())


# --- Meetings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSpec:
    kind: str
    title: str
    held_on: dt.date
    place: str
    district_slug: str
    participants: int
    facilitator: str = ""


CAFE_TOPICS = (
    "zielony Lublin", "kultura na co dzień", "miasto dla seniorów", "praca dla młodych",
    "sport w dzielnicach", "Lublin turystyczny", "sąsiedzi i osiedla", "miasto i uczelnie",
)  # fmt: skip
MOBILE_PLACES = (
    "przed centrum handlowym", "na targowisku", "przy pętli autobusowej", "przed biblioteką",
    "w parku osiedlowym",
)  # fmt: skip
WORKSHOP_THEMES = (
    "Lublin 2030 oczami młodzieży", "Lublin dla seniorów", "Miasto i uczelnie",
    "Lublin zielony i zdrowy", "Przedsiębiorczy Lublin",
)  # fmt: skip
GAME_GROUPS = ("licealiści", "studenci", "rodziny z dziećmi", "seniorzy")
RESEARCH_GROUP = "Lubelska Grupa Badawcza"
CITY_DEPARTMENT = "Wydział Strategii i Przedsiębiorczości"


def _event_date(rng: random.Random, *, in_person: bool) -> dt.date:
    while True:
        day = _random_day(rng)
        if not in_person or not LOCKDOWN[0] <= day <= LOCKDOWN[1]:
            return day


def event_specs(*, seed: int, districts: Sequence[tuple[str, str]]) -> list[EventSpec]:
    """A few dozen meetings of every kind across the districts (slug, name), 2019-10 – 2020-12."""
    rng = random.Random(f"events:{seed}")
    central = "srodmiescie" if any(slug == "srodmiescie" for slug, _name in districts) else ""
    specs: list[EventSpec] = []
    for topic in CAFE_TOPICS:
        specs.append(
            EventSpec(
                Event.Kind.CAFE, f"Kafejka Partycypacyjna: {topic}",
                _event_date(rng, in_person=True), "Centrum Kultury, ul. Peowiaków 12", central,
                rng.randint(15, 45),
            )
        )  # fmt: skip
    for _ in range(10 if districts else 0):
        slug, name = rng.choice(districts)
        specs.append(
            EventSpec(
                Event.Kind.MOBILE_POINT, f"Punkt mobilny: {name}",
                _event_date(rng, in_person=True), rng.choice(MOBILE_PLACES), slug,
                rng.randint(40, 180),
            )
        )  # fmt: skip
    for slug, name in rng.sample(list(districts), min(10, len(districts))):
        specs.append(
            EventSpec(
                Event.Kind.DISTRICT_MEETING, f"Otwarte spotkanie w dzielnicy {name}",
                _event_date(rng, in_person=True), "siedziba rady dzielnicy", slug,
                rng.randint(12, 60),
            )
        )  # fmt: skip
    for theme in WORKSHOP_THEMES:
        specs.append(
            EventSpec(
                Event.Kind.FUTURES_WORKSHOP, f"Warsztat przyszłości: {theme}",
                _event_date(rng, in_person=False), "Centrum Spotkania Kultur", "",
                rng.randint(15, 30), RESEARCH_GROUP,
            )
        )  # fmt: skip
    for group in GAME_GROUPS:
        specs.append(
            EventSpec(
                Event.Kind.GAME, f"Gra o przyszłość Lublina: {group}",
                _event_date(rng, in_person=True), "Centrum Kultury, ul. Peowiaków 12", "",
                rng.randint(20, 40), RESEARCH_GROUP,
            )
        )  # fmt: skip
    for wave in (1, 2, 3):
        specs.append(
            EventSpec(
                Event.Kind.SURVEY, f"Badanie ankietowe mieszkańców, fala {wave}",
                _event_date(rng, in_person=False), "", "", rng.randint(300, 900),
                CITY_DEPARTMENT,
            )
        )  # fmt: skip
    for title in ("Spotkanie z organizacjami pozarządowymi", "Debata o metropolii lubelskiej"):
        specs.append(
            EventSpec(
                Event.Kind.OTHER, title, _event_date(rng, in_person=True),
                "Ratusz, Plac Łokietka 1", "", rng.randint(20, 80),
            )
        )  # fmt: skip
    return specs


def ensure_demo_events(*, seed: int = DEFAULT_SEED) -> list[Event]:
    """The demo meetings, in a fixed order; created once, found by title and date later."""
    districts = {district.slug: district for district in District.objects.order_by("slug")}
    specs = event_specs(
        seed=seed, districts=[(slug, district.name) for slug, district in districts.items()]
    )
    existing = {
        (event.title, event.held_on): event
        for event in Event.objects.filter(title__in={spec.title for spec in specs}).select_related(
            "district"
        )
    }
    events: list[Event] = []
    for spec in specs:
        event = existing.get((spec.title, spec.held_on))
        if event is None:
            event = Event.objects.create(
                kind=spec.kind,
                title=spec.title,
                held_on=spec.held_on,
                place=spec.place,
                district=districts.get(spec.district_slug),
                participants=spec.participants,
                facilitator=spec.facilitator,
            )
            existing[(spec.title, spec.held_on)] = event
        events.append(event)
    return events


# --- The generator --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOpinion:
    """One generated opinion, before it is saved."""

    index: int
    text: str
    area_slug: str
    suggested_area_slug: str
    district_slug: str
    channel: str
    event_index: int | None
    age_band: str
    relation: str
    collected_on: dt.date
    created_at: dt.datetime
    status: str
    rejection_reason: str
    rejection_note: str
    status_changed_at: dt.datetime | None
    support_count: int


@dataclass(frozen=True)
class EventInfo:
    channel: str
    held_on: dt.date
    district_slug: str


T = TypeVar("T")


class Weighted(Generic[T]):
    """Items drawn by weight: one `random()` and a bisection (several times `choices`'s speed)."""

    def __init__(self, weights: Mapping[T, int]) -> None:
        self.items = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _between(rng: random.Random, low: int, high: int) -> int:
    """Like `randint`, for the hot loop."""
    return low + int(rng.random() * (high - low + 1))


MONTHS = Weighted({(year, month): weight for year, month, weight in MONTH_WEIGHTS})


def _random_day(rng: random.Random) -> dt.date:
    year, month = MONTHS.pick(rng)
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    days = (next_month - dt.date(year, month, 1)).days
    return dt.date(year, month, _between(rng, 1, days))


def _period(day: dt.date) -> str:
    if day < LOCKDOWN[0]:
        return "before"
    if day <= LOCKDOWN[1]:
        return "lockdown"
    if day < dt.date(2020, 10, 1):
        return "summer"
    return "autumn"


def _plain_typing(text: str) -> str:
    """How some people type on a phone: no Polish letters, lower case, no final full stop."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return plain.lower().rstrip(".")


class DemoGenerator:
    """Generates opinion number `index` of a seed, the same every time."""

    def __init__(
        self,
        *,
        seed: int,
        cards: Sequence[SampleCard],
        area_slugs: Sequence[str],
        district_names: Mapping[str, str],
        events: Sequence[EventInfo] = (),
    ) -> None:
        self.seed = seed
        self.district_names = dict(district_names)
        points: dict[str, list[tuple[str, ...]]] = {slug: [] for slug in area_slugs}
        for card in cards:
            if card.area in points:
                points[card.area].append(split_sentences(card.text))
        for slug, sentences in AREA_SENTENCES.items():
            if slug in points:
                points[slug].extend((sentence,) for sentence in sentences)
        self.points = {slug: found for slug, found in points.items() if found}
        if not self.points:
            raise ValueError("none of the process's areas has sample opinions")
        self.areas = Weighted(
            {slug: AREA_WEIGHTS.get(slug, DEFAULT_AREA_WEIGHT) for slug in self.points}
        )
        self.districts = (
            Weighted(
                {
                    slug: DISTRICT_WEIGHTS.get(slug, DEFAULT_DISTRICT_WEIGHT)
                    for slug in sorted(self.district_names)
                }
            )
            if self.district_names
            else None
        )
        self.channels = {period: Weighted(weights) for period, weights in CHANNEL_WEIGHTS.items()}
        self.events_by_channel: dict[str, list[tuple[int, EventInfo]]] = {}
        for index, event in enumerate(events):
            self.events_by_channel.setdefault(event.channel, []).append((index, event))
        self.ages = {False: Weighted(AGE_WEIGHTS_ONLINE), True: Weighted(AGE_WEIGHTS_PAPER)}
        self.relations = {
            False: Weighted(RELATION_WEIGHTS_ONLINE),
            True: Weighted(RELATION_WEIGHTS_PAPER),
        }
        self.rejections = Weighted(REJECTION_WEIGHTS)

    @classmethod
    def from_database(
        cls, *, seed: int, events: Sequence[Event] = (), cards: Sequence[SampleCard] | None = None
    ) -> DemoGenerator:
        return cls(
            seed=seed,
            cards=read_sample() if cards is None else cards,
            area_slugs=list(ThematicArea.objects.order_by("number").values_list("slug", flat=True)),
            district_names=dict(District.objects.values_list("slug", "name")),
            events=[
                EventInfo(
                    event.channel, event.held_on, event.district.slug if event.district else ""
                )
                for event in events
            ],
        )

    def opinion(self, index: int) -> DemoOpinion:
        # Its own stream per opinion: number `index` never depends on how many are made.
        rng = random.Random((self.seed << 32) + index)
        day = _random_day(rng)
        channel = self.channels[_period(day)].pick(rng)
        paper = channel != Channel.ONLINE

        event_index: int | None = None
        district = ""
        if paper and rng.random() < 0.8:
            nearby = [
                (position, event)
                for position, event in self.events_by_channel.get(channel, ())
                if abs((event.held_on - day).days) <= 45
            ]
            if nearby:
                event_index, event = nearby[int(rng.random() * len(nearby))]
                day = event.held_on
                if event.district_slug and rng.random() < 0.6:
                    district = event.district_slug
        if not district and self.districts and rng.random() >= WITHOUT_DISTRICT:
            district = self.districts.pick(rng)

        area = self.areas.pick(rng)
        status, reason = self._status(rng, day)
        if reason in REJECTED_TEXTS:
            texts = REJECTED_TEXTS[reason]
            text = texts[int(rng.random() * len(texts))]
        else:
            text = self._text(rng, area, self.district_names.get(district, ""), paper=paper)

        created_at = self._created_at(rng, day, paper=paper)
        suggested = ""
        if status == Opinion.Status.PENDING and rng.random() < 0.4:
            area, suggested = "", area  # not assigned yet; the classifier has a guess
        elif status == Opinion.Status.PUBLISHED and rng.random() < 0.02:
            area = ""
        support = 0
        if status == Opinion.Status.PUBLISHED:
            support = min(int(rng.paretovariate(1.2)) - 1, 800)
        return DemoOpinion(
            index=index,
            text=text,
            area_slug=area,
            suggested_area_slug=suggested,
            district_slug=district,
            channel=channel,
            event_index=event_index,
            age_band=self.ages[paper].pick(rng),
            relation=self.relations[paper].pick(rng),
            collected_on=day,
            created_at=created_at,
            status=status,
            rejection_reason=reason,
            rejection_note=REJECTION_NOTES.get(reason, "") if rng.random() < 0.7 else "",
            status_changed_at=(
                None
                if status == Opinion.Status.PENDING
                else created_at + dt.timedelta(minutes=_between(rng, 30, 6 * 24 * 60))
            ),
            support_count=support,
        )

    def _status(self, rng: random.Random, day: dt.date) -> tuple[str, str]:
        draw = rng.random()
        if draw < REJECTED_SHARE:
            return Opinion.Status.REJECTED, self.rejections.pick(rng)
        pending = LATE_PENDING_SHARE if day >= LATE_PENDING_FROM else PENDING_SHARE
        if draw < REJECTED_SHARE + pending:
            return Opinion.Status.PENDING, ""
        return Opinion.Status.PUBLISHED, ""

    def _point(self, rng: random.Random, area: str) -> list[str]:
        points = self.points[area]
        sentences = list(points[int(rng.random() * len(points))])
        # The lead sentence and, often, what the author said after it, in order; a lead as
        # short as „Parkingi!” keeps its explanation.
        keep = len(sentences) if rng.random() < 0.6 else _between(rng, 1, len(sentences))
        while keep < len(sentences) and len(" ".join(sentences[:keep])) < MIN_POINT_LENGTH:
            keep += 1
        sentences = sentences[:keep]
        if sentences[0].startswith("Więcej ") and rng.random() < 0.5:
            variant = MORE_VARIANTS[int(rng.random() * len(MORE_VARIANTS))]
            sentences[0] = variant + sentences[0][len("Więcej ") :]
        if rng.random() < 0.08 and sentences[-1].endswith("."):
            sentences[-1] = sentences[-1][:-1] + "!"
        return sentences

    def _text(self, rng: random.Random, area: str, district_name: str, *, paper: bool) -> str:
        style = rng.random()
        if style < 0.12 and len(self.points[area]) > 2:
            items = [" ".join(self._point(rng, area)) for _ in range(_between(rng, 2, 3))]
            parts = ["\n".join(f"{number}. {item}" for number, item in enumerate(items, 1))]
        else:
            parts = self._point(rng, area)
            if style > 0.72:
                parts += [rng.choice(SECOND_POINT), *self._point(rng, area)]
        if district_name and rng.random() < 0.35:
            parts.append(rng.choice(DISTRICT_SENTENCES).format(name=district_name))
        if rng.random() < (0.08 if paper else 0.2):
            parts.insert(0, rng.choice(OPENERS))
        if rng.random() < (0.06 if paper else 0.18):
            parts.append(rng.choice(CLOSERS))
        text = " ".join(parts)
        if rng.random() < 0.03:
            text = _plain_typing(text)
        return text

    def _created_at(self, rng: random.Random, day: dt.date, *, paper: bool) -> dt.datetime:
        if paper:
            # Cards are typed in at the office a few days after the meeting.
            day += dt.timedelta(days=_between(rng, 1, 10))
            hour = _between(rng, 8, 15)
        else:
            hour = _between(rng, 7, 23)
        seconds = hour * 3600 + int(rng.random() * 3600)
        return dt.datetime(
            day.year, day.month, day.day, seconds // 3600, seconds // 60 % 60, seconds % 60,
            tzinfo=WARSAW,
        )  # fmt: skip


def demo_fingerprint(seed: int, index: int) -> str:
    # Fixed width: the fingerprints of indexes a … b-1 are one range of the unique index.
    return f"demo:{seed}:{index:09d}"


# --- Saving ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    created: int
    existing: int
    seconds: float


Row = dict[str, object]


class OpinionWriter:
    """Saves opinions given as {attname: value} (core.bulk: COPY on PostgreSQL).

    Fields left out take their model defaults; those whose default is computed per row
    (tracking token, dates) must be given.
    """

    def __init__(self) -> None:
        self.fields = [field for field in Opinion._meta.concrete_fields if not field.primary_key]
        self.names = [field.attname for field in self.fields]
        # An empty list or dict (a JSON field's default) is the same for every row.
        self.defaults = {
            field.attname: field.get_default()
            for field in self.fields
            if not (field.has_default() and callable(field.default))
            or field.default in (list, dict)
        }

    def write(self, rows: Iterable[Row]) -> int:
        """Write the rows in one transaction; returns how many."""
        with transaction.atomic():
            return insert_rows(Opinion, self.names, map(self._values, rows))

    def _values(self, row: Row) -> list[object]:
        if missing := set(self.names) - set(self.defaults) - set(row):
            raise ValueError(f"opinion rows need {sorted(missing)}")
        return [row[name] if name in row else self.defaults[name] for name in self.names]


@contextmanager
def _indexes_built_after() -> Iterator[None]:
    """PostgreSQL: drop the opinion table's secondary indexes, and build them again after.

    Keeping 20-odd indexes (the lemma search's GIN index above all) up to date row by row
    costs PostgreSQL several times what building them once costs: for a million rows,
    minutes against about a minute. Constraints (the primary key, the unique tracking
    token, submission key and fingerprint) stay, so duplicates are still refused. Every
    index is rebuilt from its own definition as PostgreSQL reports it, so none is lost or
    changed, and it all happens in the caller's transaction: if the load fails, the drop
    is rolled back with it. Meanwhile the table is locked (a demo or benchmark database).
    """
    table = Opinion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index AS i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid
              )
            ORDER BY 1
            """,
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    # The foreign keys are checked at commit; PostgreSQL builds no index on a table with
    # such checks pending, so run them now.
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


def _analysed_at(created_at: dt.datetime, index: int) -> dt.datetime:
    return created_at + dt.timedelta(seconds=5 + index % 90)


def seed_sample_opinions(
    *, consultation: Consultation, cards: Sequence[SampleCard] | None = None
) -> SeedResult:
    """The sample cards as published opinions, each with the fingerprint its import gives."""
    started = time.perf_counter()
    cards = read_sample() if cards is None else cards
    areas = dict(ThematicArea.objects.values_list("slug", "pk"))
    districts = {
        name: (slug, pk) for slug, name, pk in District.objects.values_list("slug", "name", "pk")
    }
    prints = [
        card_fingerprint(
            text=card.text,
            collected_on=card.collected_on,
            channel=card.channel,
            district=districts.get(card.district, ("", None))[0],
            area=card.area if card.area in areas else "",
        )
        for card in cards
    ]
    saved = set(
        Opinion.objects.filter(fingerprint__in=prints).values_list("fingerprint", flat=True)
    )
    rows: list[Row] = []
    for index, (card, card_print) in enumerate(zip(cards, prints, strict=True)):
        if card_print in saved:
            continue
        rng = random.Random(f"sample:{index}")
        created_at = dt.datetime.combine(
            card.collected_on, dt.time(_between(rng, 8, 21), _between(rng, 0, 59))
        ).replace(tzinfo=WARSAW)
        rows.append(
            {
                "consultation_id": consultation.pk,
                "text": card.text,
                "area_id": areas.get(card.area),
                "district_id": districts.get(card.district, ("", None))[1],
                "channel": card.channel,
                "age_band": card.age_band,
                "collected_on": card.collected_on,
                "created_at": created_at,
                "status": Opinion.Status.PUBLISHED,
                "status_changed_at": created_at + dt.timedelta(hours=_between(rng, 2, 72)),
                "tracking_token": secrets.token_urlsafe(24),
                "fingerprint": card_print,
                "support_count": min(int(rng.paretovariate(1.0)) - 1, 800),
                "lemmas": lemma_string(card.text),
                "analysed_at": _analysed_at(created_at, index),
            }
        )
    created = OpinionWriter().write(rows) if rows else 0
    return SeedResult(created, len(cards) - created, time.perf_counter() - started)


def seed_demo_opinions(
    *,
    consultation: Consultation,
    count: int,
    seed: int = DEFAULT_SEED,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    bulk_load_from: int = BULK_LOAD_FROM,
) -> SeedResult:
    """Generated opinions 0 … count-1 of the seed; those already saved are left as they are.

    On PostgreSQL, when `bulk_load_from` or more are missing, they are loaded in one
    transaction with the table's secondary indexes dropped and built again at the end
    (see `_indexes_built_after`); otherwise each batch is a transaction of its own.
    """
    started = time.perf_counter()
    events = ensure_demo_events(seed=seed)
    generator = DemoGenerator.from_database(seed=seed, events=events)
    areas = dict(ThematicArea.objects.values_list("slug", "pk"))
    districts = dict(District.objects.values_list("slug", "pk"))
    event_ids = [event.pk for event in events]
    writer = OpinionWriter()

    def row(index: int) -> Row:
        demo = generator.opinion(index)
        return {
            "consultation_id": consultation.pk,
            "text": demo.text,
            "area_id": areas.get(demo.area_slug),
            "district_id": districts.get(demo.district_slug),
            "channel": demo.channel,
            "event_id": event_ids[demo.event_index] if demo.event_index is not None else None,
            "age_band": demo.age_band,
            "relation": demo.relation,
            "collected_on": demo.collected_on,
            "created_at": demo.created_at,
            "status": demo.status,
            "status_changed_at": demo.status_changed_at,
            "rejection_reason": demo.rejection_reason,
            "rejection_note": demo.rejection_note,
            "tracking_token": secrets.token_urlsafe(24),
            "fingerprint": demo_fingerprint(seed, index),
            "support_count": demo.support_count,
            "lemmas": lemma_string(demo.text),
            "analysed_at": _analysed_at(demo.created_at, index),
            "suggested_area_id": areas.get(demo.suggested_area_slug),
            "suggested_area_confidence": (
                0.45 + (index % 50) / 100 if demo.suggested_area_slug else None
            ),
        }

    def add_missing(start: int) -> tuple[int, int]:
        indexes = range(start, min(count, start + batch_size))
        in_range = Opinion.objects.filter(
            fingerprint__startswith=f"demo:{seed}:",
            fingerprint__gte=demo_fingerprint(seed, indexes.start),
            fingerprint__lt=demo_fingerprint(seed, indexes.stop),
        )
        # A re-run finds whole batches saved with one count each.
        if in_range.count() == len(indexes):
            if progress is not None:
                progress(indexes.stop, count)
            return 0, len(indexes)
        prints = [demo_fingerprint(seed, index) for index in indexes]
        saved = set(
            Opinion.objects.filter(fingerprint__in=prints).values_list("fingerprint", flat=True)
        )
        missing = [
            index for index, print_ in zip(indexes, prints, strict=True) if print_ not in saved
        ]
        added = writer.write(row(index) for index in missing) if missing else 0
        if progress is not None:
            progress(indexes.stop, count)
        return added, len(saved)

    created = existing = 0
    bulk = connection.vendor == "postgresql" and (
        count - Opinion.objects.filter(fingerprint__startswith=f"demo:{seed}:").count()
        >= bulk_load_from
    )
    with (
        transaction.atomic() if bulk else nullcontext(),
        _indexes_built_after() if bulk else nullcontext(),
    ):
        for start in range(0, count, batch_size):
            added, found = add_missing(start)
            created += added
            existing += found
    if created >= 50_000 and connection.vendor == "postgresql":
        _vacuum_opinions()
    return SeedResult(created, existing, time.perf_counter() - started)


def _vacuum_opinions() -> None:
    """Fresh statistics and visibility map after a big load, as autovacuum would leave them.

    Without statistics the planner misjudges the grown table; without the visibility map
    the list's counts cannot be answered from the (status, …) indexes alone. VACUUM cannot
    run inside a transaction; there ANALYZE does the first half.
    """
    table = connection.ops.quote_name(Opinion._meta.db_table)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def demo_cards(*, count: int, seed: int) -> Iterator[dict[str, str]]:
    """Generated opinions as rows of the paper-input format (for import benchmarks)."""
    generator = DemoGenerator.from_database(seed=seed)
    for index in range(count):
        demo = generator.opinion(index)
        yield {
            "text": demo.text,
            "area": demo.area_slug or demo.suggested_area_slug,
            "district": generator.district_names.get(demo.district_slug, ""),
            "channel": demo.channel,
            "age_band": demo.age_band,
            "collected_on": demo.collected_on.isoformat(),
        }
