"""Demo comments on the consulted draft strategy, partly answered (for `make run`).

The draft itself is loaded from data/documents/ (see the document demo); this adds a few
hundred comments from residents, organisations and neighbouring municipalities, answers a
part of them (one answer often covering several comments that say the same) and publishes
some answers, so the answer queue, the section pages and the tracking pages have content.
Safe to re-run: a consultation that already has comments is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from lublin2030.models import User
from opinions.answers.models import ConsultationAnswer, Decision
from opinions.models import Channel, Opinion, SubmitterKind
from stages.models import Consultation, Section, Stage
from workgroups.services.consultation import sync_recommendations_consultations

RECOMMENDATIONS_SLUG = "konsultacje-rekomendacji"

DEFAULT_COMMENTS = 300

COMMENTS = [
    "W części „{heading}” brakuje mierzalnych wskaźników – jak sprawdzimy, czy cel został "
    "osiągnięty?",
    "Proszę dopisać w „{heading}” konkretne działania dla dzielnic peryferyjnych, nie tylko dla "
    "centrum.",
    "Zapis „{heading}” jest zbyt ogólny. Mieszkańcy oczekują terminów i odpowiedzialnych "
    "jednostek.",
    "W „{heading}” warto uwzględnić potrzeby osób starszych i osób z niepełnosprawnościami.",
    "Popieram kierunek opisany w „{heading}”, ale trzeba zapewnić na niego środki w budżecie "
    "miasta.",
    "„{heading}”: proponuję połączyć ten zapis z polityką klimatyczną i retencją wody opadowej.",
    "Brakuje mi w „{heading}” współpracy z gminami Lubelskiego Obszaru Funkcjonalnego.",
    "W „{heading}” należy wyraźnie wspomnieć o ochronie terenów zielonych przed zabudową.",
    "Dobrze, że „{heading}” mówi o młodzieży, ale zabrakło miejsc spotkań i oferty po szkole.",
    "„{heading}” pomija transport rowerowy – prosimy o spójną sieć dróg rowerowych do 2030 roku.",
    "Sugeruję, by w „{heading}” dodać budżet obywatelski jako narzędzie realizacji.",
    "W „{heading}” pojawia się pojęcie „miasto 15-minutowe” bez wyjaśnienia, co to oznacza dla "
    "osiedli.",
]
PROPOSALS = [
    "Miasto zapewnia w każdej dzielnicy dostęp do zieleni, usług i transportu publicznego w "
    "zasięgu 15 minut pieszo.",
    "Do 2030 roku powstanie spójna sieć tras rowerowych łącząca wszystkie dzielnice z centrum.",
    "Działania realizujemy we współpracy z gminami Lubelskiego Obszaru Funkcjonalnego.",
    "",
    "",
]
JUSTIFICATIONS = [
    "Bez wskaźników nie da się ocenić postępów strategii.",
    "Tak wynika z opinii mieszkańców zebranych w etapie II.",
    "Zapis w obecnym brzmieniu jest nieostry i trudny do rozliczenia.",
    "",
    "",
]
ORGANISATIONS = [
    (SubmitterKind.ORGANISATION, "Lubelskie Forum Organizacji Pozarządowych"),
    (SubmitterKind.ORGANISATION, "Stowarzyszenie Rowerowy Lublin"),
    (SubmitterKind.ORGANISATION, "Rada Dzielnicy Czuby Północne"),
    (SubmitterKind.PUBLIC_BODY, "Gmina Świdnik"),
    (SubmitterKind.PUBLIC_BODY, "Gmina Niemce"),
    (SubmitterKind.ORGANISATION, "Uniwersytet Marii Curie-Skłodowskiej"),
]
ANSWERS = {
    Decision.ACCEPTED: (
        "Uwagę uwzględniono: zapis uzupełniono w kolejnej wersji projektu strategii."
    ),
    Decision.PARTLY: (
        "Uwagę uwzględniono częściowo: kierunek dopisano, a szczegółowe działania i terminy "
        "określą programy realizacyjne strategii."
    ),
    Decision.NOT_ACCEPTED: (
        "Uwagi nie uwzględniono: strategia określa cele i kierunki działań, a konkretne "
        "inwestycje i ich finansowanie ustala Wieloletnia Prognoza Finansowa miasta."
    ),
    Decision.NOT_APPLICABLE: (
        "Uwaga nie dotyczy projektu strategii; przekazano ją do właściwego wydziału Urzędu Miasta."
    ),
}


@dataclass(frozen=True)
class CommentsSummary:
    comments: int
    answers: int
    published_answers: int


def seed_consultation_comments(
    *,
    consultation: Consultation,
    moderator: User,
    editor: User,
    count: int = DEFAULT_COMMENTS,
    seed: int = 2021,
) -> CommentsSummary:
    """Comments on the latest published version, a part of them answered and published."""
    version = consultation.document_versions.published().order_by("-number").first()
    if version is None or Opinion.objects.filter(consultation=consultation).exists():
        return CommentsSummary(0, 0, 0)
    sections = [s for s in version.sections.order_by("position") if s.level > 1] or list(
        version.sections.order_by("position")
    )
    rng = random.Random(seed)
    with transaction.atomic():
        comments = _comments(consultation, sections, rng, count)
        answers, published = _answers(consultation, comments, moderator, editor, rng)
        _count_sections(version.sections.all())
    return CommentsSummary(len(comments), answers, published)


def _comments(
    consultation: Consultation, sections: list[Section], rng: random.Random, count: int
) -> list[Opinion]:
    start = consultation.opens_at
    span = max((consultation.closes_at - start).total_seconds(), 1.0)
    rows = []
    for n in range(count):
        section = rng.choice(sections)
        kind, organisation = (
            rng.choice(ORGANISATIONS) if rng.random() < 0.15 else (SubmitterKind.PERSON, "")
        )
        created = start + dt.timedelta(seconds=rng.uniform(0, span * 0.98))
        channel = rng.choices(
            [Channel.ONLINE, Channel.DISTRICT_MEETING, Channel.CAFE], weights=[8, 1, 1]
        )[0]
        status = Opinion.Status.REJECTED if n % 40 == 39 else Opinion.Status.PUBLISHED
        rows.append(
            Opinion(
                consultation=consultation,
                section=section,
                text=rng.choice(COMMENTS).format(heading=section.heading or section.label),
                proposed_wording=rng.choice(PROPOSALS),
                justification=rng.choice(JUSTIFICATIONS),
                submitter_kind=kind,
                organisation=organisation,
                channel=channel,
                collected_on=created.date(),
                created_at=created,
                status=status,
                status_changed_at=created + dt.timedelta(days=1),
                rejection_reason="offensive" if status == Opinion.Status.REJECTED else "",
                # Demo comments are not analysed: they are about a document, not an area.
                analysed_at=created,
            )
        )
    return Opinion.objects.bulk_create(rows, batch_size=500)


def _answers(
    consultation: Consultation,
    comments: list[Opinion],
    moderator: User,
    editor: User,
    rng: random.Random,
) -> tuple[int, int]:
    """About 60% answered; comments on one section with the same text share one answer."""
    published = [c for c in comments if c.status == Opinion.Status.PUBLISHED]
    groups: dict[tuple[int | None, str], list[Opinion]] = {}
    for comment in published[: int(len(published) * 0.6)]:
        groups.setdefault((comment.section_id, comment.text), []).append(comment)
    answers = published_count = 0
    for index, group in enumerate(groups.values()):
        decision = rng.choice(list(Decision))
        stage = index % 4  # published, published, approved, draft
        answer = ConsultationAnswer.objects.create(
            consultation=consultation,
            decision=decision,
            justification=ANSWERS[decision],
            drafted_by=moderator,
            drafted_at=consultation.closes_at + dt.timedelta(days=2),
            updated_at=consultation.closes_at + dt.timedelta(days=2),
            status=(
                ConsultationAnswer.Status.PUBLISHED
                if stage < 2
                else ConsultationAnswer.Status.APPROVED
                if stage == 2
                else ConsultationAnswer.Status.DRAFT
            ),
            approved_by=editor if stage < 3 else None,
            approved_at=consultation.closes_at + dt.timedelta(days=5) if stage < 3 else None,
            published_at=consultation.closes_at + dt.timedelta(days=9) if stage < 2 else None,
        )
        Opinion.objects.filter(pk__in=[c.pk for c in group]).update(answer=answer)
        answers += 1
        published_count += stage < 2
    return answers, published_count


def _count_sections(sections: object) -> None:
    published = (
        Opinion.objects.filter(section=OuterRef("pk"), status=Opinion.Status.PUBLISHED)
        .order_by()
        .values("section")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Section.objects.filter(pk__in=sections.values("pk")).update(  # type: ignore[attr-defined]
        comment_count=Coalesce(Subquery(published), 0)
    )


def seed_recommendations_consultation(*, now: dt.datetime) -> Consultation | None:
    """An open consultation of the working groups' published recommendations (stage IV).

    Lublin held it from 14 May to 23 June 2021; the demo keeps one open around today so
    that residents can try commenting on a recommendation.
    """
    stage = Stage.objects.filter(number=4).first()
    if stage is None:
        return None
    consultation, _created = Consultation.objects.get_or_create(
        slug=RECOMMENDATIONS_SLUG,
        defaults={
            "stage": stage,
            "kind": Consultation.Kind.RECOMMENDATIONS,
            "title": "Konsultacje rekomendacji Tematycznych Grup Roboczych",
            "title_en": "Consultation of the Thematic Working Groups' recommendations",
            "description": (
                "Tematyczne Grupy Robocze przygotowały rekomendacje dla Strategii Lublin 2030: "
                "wizję, diagnozę, cele i kierunki działań. Przeczytaj je i zgłoś uwagi do "
                "każdej z nich – każda uwaga dostanie odpowiedź z uzasadnieniem."
            ),
            "description_en": (
                "The Thematic Working Groups have prepared recommendations for the Lublin 2030 "
                "Strategy: a vision, a diagnosis, goals and directions of action. Read them and "
                "comment on each one – every comment will get an answer with its reasons."
            ),
            "how_to_comment": (
                "Uwagi można zgłaszać przez formularz pod każdą rekomendacją, na spotkaniach "
                "w dzielnicach i w punktach mobilnych (karty papierowe wprowadzają moderatorzy)."
            ),
            "how_to_comment_en": (
                "Comments can be sent through the form under each recommendation, at the "
                "meetings in the districts and at the mobile points (moderators enter the paper "
                "forms)."
            ),
            "opens_at": now - dt.timedelta(days=7),
            "closes_at": now + dt.timedelta(days=35),
        },
    )
    sync_recommendations_consultations()
    return consultation
