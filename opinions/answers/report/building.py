"""The consultation report's versions: requested by an editor, built by Celery, published.

Writes go through the functions here: `request_report` (a new queued version, its build
sent after commit; refused while another is queued or building), `build_report` (the task's
work), `retry_report` (a failed version, or one whose task never left) and `publish_report`
(refused while any comment is unanswered).

A build is safe to run twice or to be killed halfway, as a thematic report's is
(opinions/reports/building.py): a lock that dies with its process (core.builds) tells a
live builder from a dead one; a conditional UPDATE claims the version, its `started_at`
being the claim's token; progress notes and the result are written only while the token
holds; the content is read in one snapshot; the PDF and the XLSX are rendered from the
content and stored, and the content, the files' names and the status are written in one
transaction (a lost claim deletes its files). A built version never changes again, except
`published_at`/`published_by`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.builds import (
    BuildNotes,
    ClaimLost,
    Progress,
    ProgressCallback,
    builder_lock,
    run_build,
    still_claimed,
)
from core.security import log_security_event
from core.tasks import send_now
from opinions.answers.models import ConsultationReport, ConsultationReportPage
from opinions.answers.report import content as report_content
from opinions.answers.report import tasks
from opinions.answers.report.content import read_content, unanswered_count
from stages.models import Consultation

if TYPE_CHECKING:
    from lublin2030.models import User


# `progress_note` codes (the pages translate them; opinions/templatetags/portal_reports.py).
NOTE_STARTED = "started"
NOTE_COMMENTS = "comments"
NOTE_PDF = "pdf"
NOTE_XLSX = "xlsx"
NOTE_SAVING = "saving"
NOTE_DONE = "done"
NOTE_FAILED = "failed"
NOTE_QUEUE_UNAVAILABLE = "queue-unavailable"
# Keeps these builds' advisory locks apart from the thematic reports' and any other use.
LOCK_KIND = "consultation-report"
LOCK_NAMESPACE = 0x6372_6570  # "crep"
RUNNING = (ConsultationReport.Status.QUEUED, ConsultationReport.Status.BUILDING)

# The PDF, printed in parts, moves the progress bar between these after each part.
PDF_START, PDF_END = 35, 80


# --- Requesting a build --------------------------------------------------------------------


def _refuse_if_running(consultation: Consultation) -> None:
    if ConsultationReport.objects.filter(consultation=consultation, status__in=RUNNING).exists():
        raise ValidationError(
            _("A version of this report is being built; wait until it is done."),
            code="running",
        )


def request_report(
    *, consultation: Consultation, requested_by: User | None, now: dt.datetime | None = None
) -> ConsultationReport:
    """A new queued version of the consultation's report; its build is sent after commit.

    Refused while another version is queued or building. Two editors clicking at once
    compute the same number: the unique constraint refuses the second, which then finds
    the first one's version running and is refused too.
    """
    now = now or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                _refuse_if_running(consultation)
                latest = ConsultationReport.objects.filter(consultation=consultation).aggregate(
                    top=Max("version")
                )["top"]
                report = ConsultationReport.objects.create(
                    consultation=consultation,
                    version=(latest or 0) + 1,
                    status=ConsultationReport.Status.QUEUED,
                    requested_by=requested_by,
                    requested_at=now,
                )
                transaction.on_commit(partial(enqueue_build, report.pk))
                return report
        except IntegrityError:
            continue
    raise IntegrityError(f"could not number a new version of the report on {consultation}")


def enqueue_build(report_id: int) -> bool:
    """Send the build now; False if the broker is down (the version stays queued and says
    so; the staff page offers to send it again)."""
    if send_now(tasks.build_consultation_report, report_id, fallback="retry on the staff page"):
        return True
    ConsultationReport.objects.filter(pk=report_id, status=ConsultationReport.Status.QUEUED).update(
        progress_note=NOTE_QUEUE_UNAVAILABLE
    )
    return False


def retry_report(*, report: ConsultationReport) -> ConsultationReport:
    """A failed version, one whose task never left, or one left building by a worker that
    died (no live process holds its lock) back to queued, and sent again."""
    with transaction.atomic():
        # The lock keeps a worker from claiming the version while it is put back; it is
        # released before the build is sent (on commit), so the new task can take it.
        with builder_lock(kind=LOCK_KIND, namespace=LOCK_NAMESPACE, pk=report.pk) as free:
            abandoned = Q(status=ConsultationReport.Status.BUILDING) if free else Q(pk__in=[])
            retriable = (
                Q(status=ConsultationReport.Status.FAILED)
                | Q(status=ConsultationReport.Status.QUEUED, progress_note=NOTE_QUEUE_UNAVAILABLE)
                | abandoned
            )
            updated = ConsultationReport.objects.filter(retriable, pk=report.pk).update(
                status=ConsultationReport.Status.QUEUED,
                progress=0,
                progress_note="",
                error="",
                started_at=None,
            )
        if not updated:
            raise ValidationError(
                _("Only a failed version, or one whose build stopped, can be built again."),
                code="state",
            )
        transaction.on_commit(partial(enqueue_build, report.pk))
    report.refresh_from_db()
    return report


# --- Building ------------------------------------------------------------------------------


def build_report(
    *, report_id: int, on_progress: ProgressCallback | None = None
) -> ConsultationReport:
    """Build one version: its content, PDF and XLSX. A version that is built, or being
    built by a live process, is left alone (a second run is a no-op); a failure marks the
    version failed with why."""
    return run_build(
        ConsultationReport,
        report_id,
        kind=LOCK_KIND,
        namespace=LOCK_NAMESPACE,
        work=partial(_build, report_id),
        on_progress=on_progress,
        notes=BuildNotes(started=NOTE_STARTED, done=NOTE_DONE, failed=NOTE_FAILED),
    )


def _build(report_id: int, token: dt.datetime, progress: Progress) -> None:
    from opinions.answers.report import files

    report = ConsultationReport.objects.select_related("consultation").get(pk=report_id)
    progress(10, NOTE_COMMENTS)
    content = read_content(report.consultation)
    # The files show the moment the version was built: the one the status will record.
    report.content = content
    report.built_at = timezone.now()
    progress(PDF_START, NOTE_PDF)
    pdf = files.render_pdf(
        report,
        on_part=lambda done, total: progress(
            PDF_START + (PDF_END - PDF_START) * done // total, NOTE_PDF
        ),
    )
    progress(PDF_END, NOTE_XLSX)
    xlsx = files.render_xlsx(report)
    progress(90, NOTE_SAVING)
    _save(report, token, pdf=pdf, xlsx=xlsx)


def _save(report: ConsultationReport, token: dt.datetime, *, pdf: bytes, xlsx: bytes) -> None:
    """The files stored, then the content, their names and the status in one transaction;
    a lost claim deletes the stored files."""
    base = f"raport-z-konsultacji-{report.consultation.slug}-v{report.version}-{report.pk}"
    stored: dict[str, str] = {}
    for field, data, suffix in (("pdf", pdf, "pdf"), ("xlsx", xlsx, "xlsx")):
        file = getattr(report, field)
        name = file.field.generate_filename(report, f"{base}.{suffix}")
        stored[field] = file.storage.save(name, ContentFile(data))
    per_page = report_content.COMMENTS_PER_PAGE
    summary = {key: value for key, value in report.content.items() if key != "groups"}
    summary["comments_per_page"] = per_page
    pages = report_content.cut_groups(report.content.get("groups", []), per_page)
    try:
        with transaction.atomic():
            updated = still_claimed(ConsultationReport, report.pk, token).update(
                status=ConsultationReport.Status.BUILT,
                content=summary,
                comment_count=report.content["totals"]["published"],
                built_at=report.built_at,
                progress=100,
                progress_note=NOTE_DONE,
                error="",
                **stored,
            )
            if not updated:
                raise ClaimLost
            ConsultationReportPage.objects.bulk_create(
                (
                    ConsultationReportPage(report_id=report.pk, number=number, groups=groups)
                    for number, groups in enumerate(pages, start=1)
                ),
                batch_size=20,
            )
    except BaseException:
        for field, name in stored.items():
            getattr(report, field).storage.delete(name)
        raise


# --- Publishing ----------------------------------------------------------------------------


def publish_refusal(report: ConsultationReport, *, unanswered: int | None = None) -> str:
    """Why this version cannot be published now ("" when it can).

    `unanswered`: the consultation's comments still waiting, when the caller has counted them
    (the staff page asks for every version, and offers the button only where this is "").
    """
    if report.status != ConsultationReport.Status.BUILT:
        return _("Only a built version can be published.")
    if report.is_published:
        return _("This version is public already.")
    remaining = unanswered_count(report.consultation) if unanswered is None else unanswered
    if remaining:
        return ngettext(
            "%(count)d comment is still unanswered: every comment needs a published answer "
            "before the report is published.",
            "%(count)d comments are still unanswered: every comment needs a published answer "
            "before the report is published.",
            remaining,
        ) % {"count": remaining}
    # The staff page's list leaves the content out but for this key (views._versions).
    annotated: int | None = getattr(report, "built_unanswered", None)
    built_without: int = (
        annotated if annotated is not None else (report.content or {}).get("unanswered_count", 0)
    )
    if built_without:
        return ngettext(
            "This version was built while %(count)d comment was unanswered; build a new "
            "version and publish that one.",
            "This version was built while %(count)d comments were unanswered; build a new "
            "version and publish that one.",
            built_without,
        ) % {"count": built_without}
    return ""


def publish_report(
    *, report: ConsultationReport, editor: User, now: dt.datetime | None = None
) -> ConsultationReport:
    """Make a built, complete version public; refused while any comment is unanswered.

    Earlier published versions stay public (the page lists them under the latest).
    """
    refusal = publish_refusal(report)
    if refusal:
        raise ValidationError(refusal, code="refused")
    updated = ConsultationReport.objects.filter(
        pk=report.pk, status=ConsultationReport.Status.BUILT, published_at__isnull=True
    ).update(published_at=now or timezone.now(), published_by=editor)
    if not updated:
        raise ValidationError(_("This version is public already."), code="state")
    log_security_event("consultation report published", user=editor, report=report.pk)
    report.refresh_from_db()
    return report
