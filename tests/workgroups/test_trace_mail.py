"""An author who left an address hears of each step their opinion reaches: a daily digest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from opinions.models import Opinion, ReportMembership
from tests.factories import OpinionFactory, ThematicAreaFactory
from tests.workgroups.test_recommendation_helpers import built_report
from workgroups.trace_mail import send_trace_digest, send_trace_digests

pytestmark = pytest.mark.django_db


def test_publication_then_a_report_each_come_once_and_at_most_daily() -> None:
    opinion = OpinionFactory(author_email="ala@example.org", status=Opinion.Status.PUBLISHED)
    OpinionFactory(author_email="", status=Opinion.Status.PUBLISHED)  # no address: nothing
    OpinionFactory(author_email="ola@example.org", status=Opinion.Status.PENDING)  # not yet
    now = timezone.now()

    assert send_trace_digests(now=now) == 1
    assert mail.outbox[0].to == ["ala@example.org"]
    assert "Opublikowana po moderacji" in mail.outbox[0].body
    assert opinion.get_tracking_url() in mail.outbox[0].body
    assert "/emails/" in mail.outbox[0].body  # the stop link
    # Run twice, nothing new: no second message.
    assert send_trace_digests(now=now) == 0

    report = built_report(ThematicAreaFactory())
    ReportMembership.objects.create(report=report, opinion=opinion)
    # Within the day: it waits for tomorrow.
    assert send_trace_digest(opinion_id=opinion.pk, now=now + dt.timedelta(hours=3)) is False
    assert send_trace_digests(now=now + dt.timedelta(days=1, minutes=1)) == 1
    body = mail.outbox[1].body
    assert "raporcie tematycznym" in body
    assert "Opublikowana po moderacji" not in body  # told already
    assert len(mail.outbox) == 2


def test_comments_on_a_consulted_document_hear_only_their_answer() -> None:
    from tests.factories import DocumentVersionFactory, SectionFactory

    section = SectionFactory(version=DocumentVersionFactory())
    OpinionFactory(
        consultation=section.version.consultation,
        section=section,
        author_email="ala@example.org",
        status=Opinion.Status.PUBLISHED,
    )
    assert send_trace_digests() == 0
    assert mail.outbox == []
