from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, overload

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .markdown import render_markdown

ROMAN_NUMERALS = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


def to_roman(number: int) -> str:
    result = []
    for value, numeral in ROMAN_NUMERALS:
        count, number = divmod(number, value)
        result.append(numeral * count)
    return "".join(result)


class LocalizedText:
    """A read-only attribute of a `Localized` model: `localized_title = LocalizedText("title")`
    gives `localized("title")`, the English text on English pages when there is one."""

    def __init__(self, field: str) -> None:
        self.field = field

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> LocalizedText: ...

    @overload
    def __get__(self, instance: Localized, owner: type[Any]) -> str: ...

    def __get__(self, instance: Localized | None, owner: type[Any]) -> LocalizedText | str:
        if instance is None:
            return self
        return instance.localized(self.field)


class Localized(models.Model):
    """Content written by the city in Polish, with an optional English version.

    `localized("title")` gives the English text on English pages when there is one,
    and the Polish text otherwise.
    """

    class Meta:
        abstract = True

    def localized(self, field: str) -> str:
        if translation.get_language() == "en":
            english = getattr(self, f"{field}_en", "")
            if english:
                return str(english)
        return str(getattr(self, field))


class Process(Localized):
    """The strategy process this portal runs: one row, written by `load_process`."""

    key = models.SlugField(_("key"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    question = models.CharField(_("central question"), max_length=300)
    question_en = models.CharField(_("central question (English)"), max_length=300, blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    introduction_en = models.TextField(_("introduction (English)"), blank=True)

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return self.name

    localized_name = LocalizedText("name")
    localized_question = LocalizedText("question")
    localized_introduction = LocalizedText("introduction")


class StageQuerySet(models.QuerySet["Stage"]):
    def current(self, today: dt.date | None = None) -> Stage | None:
        return current_stage(self.order_by("number"), today)


def current_stage(stages: Iterable[Stage], today: dt.date | None = None) -> Stage | None:
    """The stage shown as current: pinned by an editor, else the one whose period holds today.

    When periods overlap, the latest-starting one wins; between periods there is none.
    """
    today = today or timezone.localdate()
    ordered = sorted(stages, key=lambda stage: stage.number)
    pinned = [stage for stage in ordered if stage.pinned_status == Stage.Status.CURRENT]
    if pinned:
        return pinned[-1]
    running = [stage for stage in ordered if stage.status_on(today) == Stage.Status.CURRENT]
    return running[-1] if running else None


class Stage(Localized):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("upcoming")
        CURRENT = "current", _("in progress")
        COMPLETED = "completed", _("completed")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    expected_results = models.TextField(
        _("expected results"), blank=True, help_text=_("One result per line.")
    )
    expected_results_en = models.TextField(_("expected results (English)"), blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period as published"), max_length=100, blank=True)
    period_label_en = models.CharField(_("period (English)"), max_length=100, blank=True)
    pinned_status = models.CharField(
        _("status pinned by an editor"),
        max_length=10,
        choices=Status.choices,
        blank=True,
        help_text=_("Leave empty to derive the status from today's date."),
    )

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="stage_period_start_before_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.roman} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("stages:stage_detail", kwargs={"slug": self.slug})

    localized_title = LocalizedText("title")
    localized_summary = LocalizedText("summary")
    localized_period_label = LocalizedText("period_label")

    @property
    def roman(self) -> str:
        return to_roman(self.number)

    def status_on(self, today: dt.date) -> str:
        if self.pinned_status:
            return self.pinned_status
        if today < self.period_start:
            return self.Status.UPCOMING
        if today > self.period_end:
            return self.Status.COMPLETED
        return self.Status.CURRENT

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def status_label(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def results_list(self) -> list[str]:
        text = self.localized("expected_results")
        return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]

    @property
    def description_paragraphs(self) -> list[str]:
        text = self.localized("description")
        return [part.strip() for part in text.split("\n\n") if part.strip()]


class ThematicArea(Localized):
    """One of the thematic areas of the strategy; each has its working group (TGR)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("thematic area")
        verbose_name_plural = _("thematic areas")

    def __str__(self) -> str:
        return self.name

    localized_name = LocalizedText("name")


class District(models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class StageUpdateQuerySet(models.QuerySet["StageUpdate"]):
    def visible(self, now: dt.datetime | None = None) -> StageUpdateQuerySet:
        """Updates the public sees: published, or scheduled for a time that has come.

        Visibility is a query on the publish time, so a scheduled update appears at its
        minute whether or not the beat job that tidies its status has run yet.
        """
        now = now or timezone.now()
        return self.filter(
            Q(status=StageUpdate.Status.PUBLISHED)
            | Q(status=StageUpdate.Status.SCHEDULED, publish_at__lte=now)
        )

    def latest_first(self) -> StageUpdateQuerySet:
        return self.order_by("-publish_at", "-pk")


class StageUpdate(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHED = "published", _("published")

    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="updates", verbose_name=_("stage")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown: **bold**, *italic*, lists, links."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="stage_updates",
        verbose_name=_("author"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publish time"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)

    objects = StageUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("stage update")
        verbose_name_plural = _("stage updates")
        indexes = [models.Index(fields=["status", "publish_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(publish_at__isnull=False),
                name="stageupdate_scheduled_or_published_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("stages:update_detail", kwargs={"pk": self.pk})

    @property
    def body_html(self) -> SafeString:
        return render_markdown(self.body)

    def is_visible(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.status == self.Status.PUBLISHED:
            return True
        return bool(
            self.status == self.Status.SCHEDULED and self.publish_at and self.publish_at <= now
        )


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def open_at(self, now: dt.datetime | None = None) -> ConsultationQuerySet:
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)


class Consultation(Localized):
    """A call for input tied to a stage: an open question, recommendations or a document."""

    class Kind(models.TextChoices):
        OPEN_QUESTION = "open-question", _("open question")
        RECOMMENDATIONS = "recommendations", _("recommendations")
        DOCUMENT = "document", _("document in sections")

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("not open yet")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("stage")
    )
    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    question = models.CharField(_("question"), max_length=300, blank=True)
    question_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # How residents comment (besides this portal): addresses, forms, meetings.
    how_to_comment = models.TextField(_("how to comment"), blank=True)
    how_to_comment_en = models.TextField(_("how to comment (English)"), blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # A consultation the law requires (art. 6 of the act on development policy): open at
    # least STATUTORY_MIN_DAYS, and a report on every comment within REPORT_DUE_DAYS.
    statutory = models.BooleanField(_("required by law"), default=False)

    STATUTORY_MIN_DAYS = 35
    REPORT_DUE_DAYS = 30

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["opens_at", "pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")),
                name="consultation_opens_before_it_closes",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # The consultation's page lives with the comments it takes (opinions/, above).
        return reverse("opinions:consultation", kwargs={"slug": self.slug})

    localized_title = LocalizedText("title")

    @property
    def localized_question(self) -> str:
        return self.localized("question") or self.localized("title")

    localized_description = LocalizedText("description")
    localized_how_to_comment = LocalizedText("how_to_comment")

    @property
    def how_to_comment_html(self) -> SafeString:
        """How to comment, in the visitor's language, as Markdown (its "- " lines a list)."""
        return render_markdown(self.localized_how_to_comment)

    def status_at(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return self.Status.UPCOMING
        if now >= self.closes_at:
            return self.Status.CLOSED
        return self.Status.OPEN

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.status_at(now) == self.Status.OPEN

    @property
    def report_due_at(self) -> dt.datetime:
        """The last moment the consultation report may be published (closing + 30 days)."""
        return self.closes_at + dt.timedelta(days=self.REPORT_DUE_DAYS)

    def report_days_left(self, now: dt.datetime | None = None) -> int | None:
        """Days left (Warsaw calendar) to publish the report after a closed consultation;
        negative when overdue, None while it has not closed."""
        now = now or timezone.now()
        if self.status_at(now) != self.Status.CLOSED:
            return None
        due = timezone.localdate(self.report_due_at)
        return (due - timezone.localdate(now)).days

    @property
    def report_days_overdue(self) -> int:
        """Whole days (Warsaw calendar) the report is late; 0 while it is not due yet."""
        days_left = self.report_days_left()
        return -days_left if days_left is not None and days_left < 0 else 0

    @property
    def takes_comments_on_sections(self) -> bool:
        return self.kind in (self.Kind.DOCUMENT, self.Kind.RECOMMENDATIONS)


# The document and strategy models live in their sub-packages; Django finds models through
# this module, so they are imported here (they refer to the models above by name).
from stages.documents.models import DocumentVersion as DocumentVersion  # noqa: E402
from stages.documents.models import Section as Section  # noqa: E402
from stages.strategy.models import DevelopmentArea as DevelopmentArea  # noqa: E402
from stages.strategy.models import Direction as Direction  # noqa: E402
from stages.strategy.models import Goal as Goal  # noqa: E402
from stages.strategy.models import ImplementationUpdate as ImplementationUpdate  # noqa: E402
from stages.strategy.models import Indicator as Indicator  # noqa: E402
from stages.strategy.models import Measurement as Measurement  # noqa: E402
from stages.strategy.models import MonitoringReport as MonitoringReport  # noqa: E402
from stages.strategy.models import Strategy as Strategy  # noqa: E402
from stages.strategy.models import StrategyDocument as StrategyDocument  # noqa: E402
from stages.strategy.models import Task as Task  # noqa: E402
from stages.strategy.models import UpdateImage as UpdateImage  # noqa: E402
