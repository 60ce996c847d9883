"""Answering consultation comments: drafts, conflicts, approval, publication, e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from opinions.answers import services
from opinions.answers.models import ConsultationAnswer, Decision
from opinions.answers.services import NOT_ANSWERED, AnswerConflict, seen_state
from opinions.answers.tasks import send_answer_to_author
from opinions.models import Opinion
from stages.models import Section
from tests.factories import (
    DocumentVersionFactory,
    OpinionFactory,
    SectionFactory,
    editor,
    moderator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def section() -> Section:
    return SectionFactory(version=DocumentVersionFactory(), key="cel-2-1", number="2.1")


def comments(section: Section, n: int, **fields: object) -> list[Opinion]:
    return [
        OpinionFactory(consultation=section.version.consultation, section=section, **fields)
        for _ in range(n)
    ]


def draft(section: Section, ids: list[int], **overrides: object) -> ConsultationAnswer:
    values: dict[str, object] = {
        "consultation": section.version.consultation,
        "comment_ids": ids,
        "seen": {pk: NOT_ANSWERED for pk in ids},
        "decision": Decision.ACCEPTED,
        "justification": "Dopisano ochronę starodrzewu w celu 2.1.",
        "user": moderator(),
        **overrides,
    }
    return services.answer_comments(**values)  # type: ignore[arg-type]


def test_one_answer_covers_three_duplicates_and_each_is_still_listed(section: Section) -> None:
    three = comments(section, 3)
    answer = draft(section, [c.pk for c in three])
    assert set(answer.comments.values_list("pk", flat=True)) == {c.pk for c in three}
    assert answer.status == ConsultationAnswer.Status.DRAFT


def test_a_justification_is_required(section: Section) -> None:
    (one,) = comments(section, 1)
    with pytest.raises(ValidationError, match=r"justification|uzasadnienie"):
        draft(section, [one.pk], justification="   ")
    assert not ConsultationAnswer.objects.exists()
    one.refresh_from_db()
    assert one.answer is None


def test_the_second_person_answering_the_same_comment_gets_a_conflict(section: Section) -> None:
    (one,) = comments(section, 1)
    first = draft(section, [one.pk])
    # The second moderator drew the form before the first answer was saved.
    with pytest.raises(AnswerConflict) as conflict:
        draft(section, [one.pk], justification="Inne uzasadnienie.", decision=Decision.NOT_ACCEPTED)
    assert [c.pk for c in conflict.value.changed] == [one.pk]
    first.refresh_from_db()
    assert first.justification == "Dopisano ochronę starodrzewu w celu 2.1."


def test_revising_a_draft_seen_as_it_is_keeps_the_same_answer(section: Section) -> None:
    two = comments(section, 2)
    answer = draft(section, [c.pk for c in two])
    for c in two:
        c.refresh_from_db()
    revised = draft(
        section,
        [c.pk for c in two],
        seen={c.pk: seen_state(c) for c in two},
        justification="Poprawione uzasadnienie.",
    )
    assert revised.pk == answer.pk
    assert revised.version == 2
    assert ConsultationAnswer.objects.count() == 1


def test_moving_comments_to_a_new_answer_drops_the_empty_draft(section: Section) -> None:
    (one,) = comments(section, 1)
    old = draft(section, [one.pk])
    one.refresh_from_db()
    (other,) = comments(section, 1)
    new = draft(
        section,
        [one.pk, other.pk],
        seen={one.pk: seen_state(one), other.pk: NOT_ANSWERED},
    )
    assert new.pk != old.pk
    assert not ConsultationAnswer.objects.filter(pk=old.pk).exists()


def test_unpublished_and_foreign_comments_are_refused(section: Section) -> None:
    (pending,) = comments(section, 1, status=Opinion.Status.PENDING)
    with pytest.raises(ValidationError):
        draft(section, [pending.pk])
    foreign = OpinionFactory()
    with pytest.raises(ValidationError):
        draft(section, [foreign.pk])


def sent_task_args(callbacks: list[Any], task: Any) -> list[tuple[Any, ...]]:
    """The arguments of each `task` a commit sends (core.tasks.send_after_commit)."""
    found = []
    for callback in callbacks:
        cells = [cell.cell_contents for cell in callback.__closure__ or ()]
        sent = dict(zip(callback.__code__.co_freevars, cells, strict=True))
        if sent.get("task") is task:
            found.append(sent["args"])
    return found


def test_approve_publish_and_mail_the_authors(
    section: Section, django_capture_on_commit_callbacks: Any
) -> None:
    with_mail = comments(section, 1, author_email="ala@example.org")[0]
    without = comments(section, 1)[0]
    answer = draft(section, [with_mail.pk, without.pk])
    boss = editor()
    with pytest.raises(ValidationError):
        services.approve_answer(answer=answer, expected_version=answer.version + 1, user=boss)
    services.approve_answer(answer=answer, expected_version=answer.version, user=boss)
    assert services.unanswered_comments(section.version.consultation) == 2

    with django_capture_on_commit_callbacks() as callbacks:
        published = services.publish_answers(consultation=section.version.consultation, user=boss)
    # As the worker would: the task the commit sent, for the author who left an address.
    for args in sent_task_args(callbacks, send_answer_to_author):
        send_answer_to_author(*args)

    assert published == 1
    answer.refresh_from_db()
    assert answer.is_published and answer.published_at
    assert services.unanswered_comments(section.version.consultation) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ala@example.org"]
    assert "Dopisano ochronę starodrzewu" in message.body
    assert "uwzględniono" in message.body
    with_mail.refresh_from_db()
    assert with_mail.answer_mailed_at is not None
    # Sent once: a second run of the task finds nothing to send.
    assert send_answer_to_author(with_mail.pk) is False
    assert len(mail.outbox) == 1


def test_the_tracking_page_shows_the_published_answer(section: Section) -> None:
    (one,) = comments(section, 1)
    answer = draft(section, [one.pk])
    services.approve_answer(answer=answer, expected_version=answer.version, user=editor())
    page = Client().get(one.get_tracking_url()).content.decode()
    assert "Dopisano ochronę starodrzewu" not in page
    services.publish_answers(consultation=section.version.consultation, user=editor())
    page = Client().get(one.get_tracking_url()).content.decode()
    assert "Dopisano ochronę starodrzewu" in page
    assert "§2.1" in page


def test_a_comment_rejected_after_it_was_answered_gets_no_answer_by_e_mail(
    section: Section, django_capture_on_commit_callbacks: Any
) -> None:
    from opinions.services import moderation

    (rejected,) = comments(section, 1, author_email="ola@example.org")
    answer = draft(section, [rejected.pk])
    moderation.reject_opinion(
        opinion_id=rejected.pk, moderator=moderator(), expected_version=1, reason="offensive"
    )
    services.approve_answer(answer=answer, expected_version=answer.version, user=editor())
    with django_capture_on_commit_callbacks() as callbacks:
        services.publish_answers(consultation=section.version.consultation, user=editor())
    assert sent_task_args(callbacks, send_answer_to_author) == []
    assert send_answer_to_author(rejected.pk) is False


def test_an_answer_published_meanwhile_is_not_turned_back_into_a_draft(section: Section) -> None:
    (one,) = comments(section, 1)
    answer = draft(section, [one.pk])
    one.refresh_from_db()
    seen_before = {one.pk: seen_state(one)}
    services.approve_answer(answer=answer, expected_version=answer.version, user=editor())
    services.publish_answers(consultation=section.version.consultation, user=editor())
    with pytest.raises((ValidationError, AnswerConflict)):
        draft(section, [one.pk], seen=seen_before, justification="Nowa treść.")
    answer.refresh_from_db()
    assert answer.is_published
    assert answer.justification == "Dopisano ochronę starodrzewu w celu 2.1."


def test_unanswered_counts_pending_and_published_comments_without_a_published_answer(
    section: Section,
) -> None:
    """What the staff page and the report's guard call unanswered: a comment waiting for
    moderation, or published without a published answer (none, a draft, an approved one);
    not a rejected one, nor another consultation's."""
    consultation = section.version.consultation
    comments(section, 1, status=Opinion.Status.PENDING)
    comments(section, 1, status=Opinion.Status.REJECTED, rejection_reason="Spam.")
    drafted, approved, also_approved, _bare = comments(section, 4)
    draft(section, [drafted.pk])
    boss = editor()
    for one in (approved, also_approved):
        answer = draft(section, [one.pk])
        services.approve_answer(answer=answer, expected_version=answer.version, user=boss)
    other = SectionFactory(version=DocumentVersionFactory(), key="cel-2-1", number="2.1")
    comments(other, 2)
    assert services.unanswered_comments(consultation) == 5

    services.publish_answers(consultation=consultation, user=boss)
    # Both approved answers are published now; the draft and the bare comment still wait.
    assert services.unanswered_comments(consultation) == 3
