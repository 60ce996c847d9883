"""Paper input from files: the flow, and starting it.

`start_import` (the upload) → `checking.check_batch` (a Celery task: parse, check every
row, keep a preview) → `request_commit` (the moderator's button) → `commit.commit_batch`
(a Celery task: all accepted rows in one transaction). The management command
`import_opinions` runs the same steps synchronously, and `verdicts.dry_run` checks a file
without writing anything."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction

from core.tasks import send_after_commit
from opinions.importing import tasks
from opinions.importing.commit import PROGRESS_TTL, claim_commit, progress_key
from opinions.models import (
    Event,
    ImportBatch,
)
from stages.models import Consultation

if TYPE_CHECKING:
    from lublin2030.models import User


logger = logging.getLogger(__name__)

# A batch in one of these is still being worked on (its page polls).
RUNNING_STATUSES = (
    ImportBatch.Status.QUEUED,
    ImportBatch.Status.PARSING,
    ImportBatch.Status.COMMITTING,
)
# What a broker refusal leaves behind (logged with it).
RESEND_ADVICE = "the batch stays as it is; the moderator can upload the file again"


# Rows per step: one duplicate lookup, one bulk insert and one progress UPDATE each.


# --- Starting an import ---------------------------------------------------------------------


def default_consultation(now: dt.datetime | None = None) -> Consultation | None:
    """Paper input goes to the open question: the first one open now."""
    return (
        Consultation.objects.open_at(now)
        .filter(kind=Consultation.Kind.OPEN_QUESTION)
        .order_by("opens_at", "pk")
        .first()
    )


def create_batch(
    *,
    content: bytes,
    original_name: str,
    consultation: Consultation,
    event: Event | None,
    uploaded_by: User | None,
) -> ImportBatch:
    """Keep the file (Django storage) and a queued batch for it; nothing is checked yet."""
    suffix = PurePath(original_name).suffix.lower()
    batch = ImportBatch(
        consultation=consultation,
        event=event,
        uploaded_by=uploaded_by,
        original_name=PurePath(original_name).name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
    )
    # The stored name is ours, not the uploader's: no paths or odd characters on disk.
    batch.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(content), save=False)
    batch.save()
    return batch


def start_import(
    *,
    content: bytes,
    original_name: str,
    consultation: Consultation,
    event: Event | None,
    uploaded_by: User | None,
) -> ImportBatch:
    """The upload: store the batch, then check its rows in the background."""
    with transaction.atomic():
        batch = create_batch(
            content=content,
            original_name=original_name,
            consultation=consultation,
            event=event,
            uploaded_by=uploaded_by,
        )
        send_after_commit(tasks.check_import, batch.pk, fallback=RESEND_ADVICE)
    return batch


def earlier_upload_of_same_file(batch: ImportBatch) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(sha256=batch.sha256, created_at__lt=batch.created_at)
        .exclude(pk=batch.pk)
        .order_by("-created_at")
        .first()
    )


def request_commit(*, batch_id: int) -> bool:
    """Claim the batch for saving and save it in the background; False if already claimed."""
    with transaction.atomic():
        claimed = claim_commit(batch_id=batch_id)
        if claimed:
            cache.set(progress_key(batch_id), 0, PROGRESS_TTL)
            send_after_commit(tasks.commit_import, batch_id, fallback=RESEND_ADVICE)
    return claimed
