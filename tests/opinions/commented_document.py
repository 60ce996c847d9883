"""A statutory consultation of a document in sections, with comments and answers of every
kind, written with the ORM (the answer services are another part of issue 12): what the
consultation report's tests build their reports from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from lublin2030.models import User
from opinions.answers.models import ConsultationAnswer, Decision
from opinions.models import Channel, Opinion, RejectionReason, SubmitterKind
from stages.models import Consultation, DocumentVersion, Section, Stage
from tests.factories import ConsultationFactory, StageFactory, UserFactory

PERSON_NAME = "Zofia Prywatna-Kowalska"
PERSON_EMAIL = "zofia.prywatna@example.org"
PERSON_USERNAME = "zofia_prywatna_login"


@dataclass
class CommentedDocument:
    consultation: Consultation
    version: DocumentVersion
    next_version: DocumentVersion
    sections: list[Section]
    author: User
    comments: dict[str, Opinion] = field(default_factory=dict)
    answers: dict[str, ConsultationAnswer] = field(default_factory=dict)

    def answer(
        self,
        *names: str,
        decision: str = Decision.ACCEPTED,
        justification: str = "Uwzględniono w brzmieniu zaproponowanym przez wnoszącego.",
        published: bool = True,
        changed: Section | None = None,
    ) -> ConsultationAnswer:
        now = timezone.now()
        answer = ConsultationAnswer.objects.create(
            consultation=self.consultation,
            decision=decision,
            justification=justification,
            changed_section=changed,
            status=(
                ConsultationAnswer.Status.PUBLISHED
                if published
                else ConsultationAnswer.Status.APPROVED
            ),
            published_at=now if published else None,
        )
        Opinion.objects.filter(pk__in=[self.comments[name].pk for name in names]).update(
            answer=answer
        )
        self.answers[names[0]] = answer
        return answer

    def answer_everything(self) -> None:
        """A published answer for every published comment still without one."""
        waiting = Opinion.objects.filter(
            consultation=self.consultation, status=Opinion.Status.PUBLISHED
        ).exclude(answer__status=ConsultationAnswer.Status.PUBLISHED)
        answer = ConsultationAnswer.objects.create(
            consultation=self.consultation,
            decision=Decision.NOT_APPLICABLE,
            justification="Uwaga wykracza poza zakres dokumentu.",
            status=ConsultationAnswer.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        waiting.update(answer=answer)


def add_comment(
    consultation: Consultation,
    text: str,
    *,
    section: Section | None = None,
    status: str = Opinion.Status.PUBLISHED,
    **fields: Any,
) -> Opinion:
    if status == Opinion.Status.REJECTED:
        fields.setdefault("rejection_reason", RejectionReason.OFFENSIVE)
    return Opinion.objects.create(
        consultation=consultation,
        section=section,
        text=text,
        status=status,
        **{"channel": Channel.ONLINE, **fields},
    )


def commented_document(*, closes_at: dt.datetime | None = None) -> CommentedDocument:
    """Three sections in document order (positions deliberately unlike their ids), and:

    * `person`: a private person's comment, with their name, e-mail and account (never to be
      printed) and an "organisation" they typed (their own name again);
    * `ngo`: an organisation's comment with proposed wording and justification;
    * `water`: a public body's comment on the first section;
    * `general`: a comment on no section;
    * `pending`: awaiting moderation; `rejected`: rejected as offensive.
    """
    closes_at = closes_at or timezone.now() - dt.timedelta(days=5)
    consultation = ConsultationFactory(
        # The loaded Lublin process's last stage when there is one (stage numbers are unique).
        stage=Stage.objects.order_by("-number").first() or StageFactory(),
        slug="projekt-strategii",
        kind=Consultation.Kind.DOCUMENT,
        title="Projekt Strategii Lublin 2030",
        statutory=True,
        opens_at=closes_at - dt.timedelta(days=35),
        closes_at=closes_at,
    )
    version = DocumentVersion.objects.create(
        consultation=consultation,
        number=1,
        status=DocumentVersion.Status.PUBLISHED,
        published_at=closes_at - dt.timedelta(days=35),
    )
    next_version = DocumentVersion.objects.create(consultation=consultation, number=2)
    # Created out of order: the report must follow `position`, not the primary key.
    third = Section.objects.create(
        version=version, key="wdrazanie", number="3", level=1, position=3, heading="Wdrażanie"
    )
    first = Section.objects.create(
        version=version, key="wizja", number="1", level=1, position=1, heading="Wizja"
    )
    second = Section.objects.create(
        version=version, key="cele", number="2", level=1, position=2, heading="Cele strategiczne"
    )
    Section.objects.create(
        version=next_version, key="cele", number="2", level=1, position=2, heading="Cele"
    )
    author = UserFactory(
        username=PERSON_USERNAME,
        email=PERSON_EMAIL,
        first_name="Zofia",
        last_name="Prywatna-Kowalska",
    )
    document = CommentedDocument(
        consultation, version, next_version, [first, second, third], author
    )
    document.comments = {
        "person": add_comment(
            consultation,
            "Proszę dopisać cel dotyczący zieleni osiedlowej.",
            section=second,
            author=author,
            author_email=PERSON_EMAIL,
            organisation=PERSON_NAME,
            submitter_kind=SubmitterKind.PERSON,
        ),
        "ngo": add_comment(
            consultation,
            "Cel 2.1 pomija transport rowerowy.",
            section=second,
            proposed_wording="Rozwój sieci dróg rowerowych łączących dzielnice.",
            justification="Udział ruchu rowerowego rośnie od lat.",
            submitter_kind=SubmitterKind.ORGANISATION,
            organisation="Stowarzyszenie Rowerowy Lublin",
            channel=Channel.DISTRICT_MEETING,
        ),
        "water": add_comment(
            consultation,
            "Wizja powinna uwzględniać retencję wód opadowych.",
            section=first,
            submitter_kind=SubmitterKind.PUBLIC_BODY,
            organisation="Państwowe Gospodarstwo Wodne Wody Polskie",
        ),
        "general": add_comment(consultation, "Dokument jest zbyt długi i trudny w odbiorze."),
        "pending": add_comment(
            consultation, "Uwaga czekająca na moderację.", section=third, status="pending"
        ),
        "rejected": add_comment(
            consultation, "Obraźliwa uwaga.", section=third, status=Opinion.Status.REJECTED
        ),
    }
    return document
