"""An answer to one or more consultation comments, and the consultation report's versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Decision(models.TextChoices):
    # The words of Polish consultation reports: uwzględniono / uwzględniono częściowo / ...
    ACCEPTED = "accepted", pgettext_lazy("decision on a comment", "accepted")
    PARTLY = "partly", pgettext_lazy("decision on a comment", "partly accepted")
    NOT_ACCEPTED = "not-accepted", pgettext_lazy("decision on a comment", "not accepted")
    NOT_APPLICABLE = "not-applicable", pgettext_lazy("decision on a comment", "not applicable")


class ConsultationAnswerQuerySet(models.QuerySet["ConsultationAnswer"]):
    def published(self) -> ConsultationAnswerQuerySet:
        return self.filter(status=ConsultationAnswer.Status.PUBLISHED)


class ConsultationAnswer(models.Model):
    """The city's position on a comment, with its justification.

    One answer may cover several comments saying the same (each comment still points at it
    and is still listed in the report). Drafted by a moderator, approved by an editor,
    published; `version` is bumped by every change so that a second person answering the
    same comments sees a conflict instead of overwriting the first.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    consultation = models.ForeignKey(
        "stages.Consultation", on_delete=models.PROTECT, related_name="answers"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    justification = models.TextField(_("justification"))
    # The section of the next document version this answer changed, if any.
    changed_section = models.ForeignKey(
        "stages.Section",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers_that_changed_it",
        verbose_name=_("changed section"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    drafted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ConsultationAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["consultation", "pk"]
        verbose_name = _("answer to comments")
        verbose_name_plural = _("answers to comments")
        indexes = [
            models.Index(fields=["consultation", "status"], name="answer_consultation_status")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="answer_has_justification"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="answer_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.justification[:60]}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ConsultationReportQuerySet(models.QuerySet["ConsultationReport"]):
    def published(self) -> ConsultationReportQuerySet:
        return self.filter(published_at__isnull=False)


class ConsultationReport(models.Model):
    """One immutable version of the report on a consultation, built by a Celery task.

    It lists every comment verbatim with its answer, grouped by section, and the figures
    (by section, channel, decision, kind of submitter). Private persons' names and contacts
    are never in it; organisations' names are.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        BUILT = "built", _("built")
        FAILED = "failed", _("failed")

    consultation = models.ForeignKey(
        "stages.Consultation", on_delete=models.PROTECT, related_name="consultation_reports"
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    # Everything computed but the comments (figures, totals, institutions), as rendered; the
    # comments with their answers are in its pages (ConsultationReportPage), so a page of
    # the report reads its own comments, not all 20,000.
    content = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="consultation-reports/%Y/", blank=True)
    xlsx = models.FileField(upload_to="consultation-reports/%Y/", blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConsultationReportQuerySet.as_manager()

    class Meta:
        ordering = ["consultation", "-version"]
        verbose_name = _("consultation report")
        verbose_name_plural = _("consultation reports")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "version"], name="consultation_report_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — report v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def deadline_met(self) -> bool | None:
        """Published within 30 days of the close; None while unpublished."""
        if self.published_at is None:
            return None
        return self.published_at <= self.consultation.report_due_at


class ConsultationReportPage(models.Model):
    """One page of a built version's comments, as its public page shows them: the groups
    (sections) of `content.COMMENTS_PER_PAGE` comments, a section split between two pages
    being on both. Written with the version's status, in the same transaction."""

    report = models.ForeignKey(ConsultationReport, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    groups = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="consultation_report_page_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} — page {self.number}"
