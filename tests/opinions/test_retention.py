"""Authors' e-mail addresses are erased once the process has ended and the retention is over."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from opinions.models import Opinion
from opinions.services.retention import erase_author_emails, process_end
from opinions.tasks import erase_author_emails as erase_task
from tests.factories import OpinionFactory, StageFactory

pytestmark = pytest.mark.django_db


def test_addresses_stay_until_the_retention_after_the_process_ends_is_over(
    settings: Any,
) -> None:
    settings.AUTHOR_EMAIL_RETENTION_DAYS = 30
    StageFactory(period_start=dt.date(2021, 1, 1), period_end=dt.date(2021, 12, 31))
    with_address = OpinionFactory(author_email="mieszkanka@example.org")
    without = OpinionFactory(author_email="")
    end = process_end()
    assert end == dt.date(2021, 12, 31)  # the last stage's end, not the first's

    assert erase_author_emails(today=end) == 0
    assert erase_author_emails(today=end + dt.timedelta(days=30)) == 0
    with_address.refresh_from_db()
    assert with_address.author_email == "mieszkanka@example.org"

    assert erase_author_emails(today=end + dt.timedelta(days=31)) == 1
    with_address.refresh_from_db()
    assert with_address.author_email == ""
    assert Opinion.objects.filter(pk__in=[with_address.pk, without.pk]).count() == 2  # kept
    assert erase_author_emails(today=end + dt.timedelta(days=32)) == 0


def test_the_daily_task_erases_nothing_while_the_process_runs() -> None:
    StageFactory(period_start=dt.date(2026, 1, 1), period_end=dt.date(2030, 12, 31))
    opinion = OpinionFactory(author_email="mieszkaniec@example.org")
    # The process runs until 2030: nothing is erased today.
    assert erase_task() == 0
    opinion.refresh_from_db()
    assert opinion.author_email == "mieszkaniec@example.org"
