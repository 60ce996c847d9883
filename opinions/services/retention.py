"""Personal data kept no longer than the process needs it (GDPR art. 5(1)(e)).

The answer form asks for an e-mail address only to tell the author what became of their
opinion. Once the process has ended (its last stage's period is over) and
AUTHOR_EMAIL_RETENTION_DAYS more have passed, the addresses are erased; the opinions stay.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from core.security import log_security_event
from stages.models import Stage

from ..models import Opinion


def process_end() -> dt.date | None:
    """The last day of the process (its last stage's end), or None without stages."""
    end: dt.date | None = Stage.objects.aggregate(end=Max("period_end"))["end"]
    return end


def erase_author_emails(*, today: dt.date | None = None) -> int:
    """Erase every author's e-mail address once the retention period is over; how many."""
    end = process_end()
    if end is None:
        return 0
    today = today or timezone.localdate()
    if today <= end + dt.timedelta(days=settings.AUTHOR_EMAIL_RETENTION_DAYS):
        return 0
    erased = Opinion.objects.exclude(author_email="").update(author_email="")
    if erased:
        log_security_event("author e-mail addresses erased", count=erased)
    return erased
