"""The adopted strategy and its monitoring (imported by stages.models).

Art. 10e of the municipal government act asks a strategy for strategic goals, directions
of action, expected results with indicators and an implementation system: development
areas hold goals (strategic, and operational under them), goals hold directions of action
and indicators, directions hold the tasks that implement them. The recommendations a goal
came from are linked in workgroups (the layer above).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stages.models import Localized, LocalizedText


class Strategy(Localized):
    """The strategy document; adopted from `adopted_on` by the council's resolution."""

    key = models.SlugField(_("key"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    # The council's resolution (stage VIII); recorded by `record_adoption`.
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    resolution_number = models.CharField(_("resolution number"), max_length=100, blank=True)
    resolution_url = models.URLField(_("resolution text"), blank=True)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)
    votes_abstaining = models.PositiveSmallIntegerField(_("abstentions"), null=True, blank=True)

    class Meta:
        ordering = ["-start_year", "pk"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__lte=F("end_year")), name="strategy_years_in_order"
            ),
            models.CheckConstraint(
                condition=Q(adopted_on__isnull=True) | ~Q(resolution_number=""),
                name="strategy_adoption_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    localized_name = LocalizedText("name")
    localized_summary = LocalizedText("summary")

    def is_adopted(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.adopted_on is not None and self.adopted_on <= today


class DevelopmentArea(Localized):
    """One of the strategy's development areas (Lublin: five)."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="areas", verbose_name=_("strategy")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["strategy", "number"]
        verbose_name = _("development area")
        verbose_name_plural = _("development areas")
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="devarea_number_unique")
        ]

    def __str__(self) -> str:
        return self.name

    localized_name = LocalizedText("name")
    localized_description = LocalizedText("description")


class NumberedItem(Localized):
    """What goals and directions of action share: the strategy's code ("1.2.3"), an order
    within their parent, a title and a description, each in Polish and optionally English."""

    # What the strategy calls it: "1.2" (a strategic goal), "1.2.3" (an operational goal or
    # a direction).
    code = models.CharField(_("code"), max_length=20, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    localized_title = LocalizedText("title")
    localized_description = LocalizedText("description")


class Goal(NumberedItem):
    """A strategic goal of an area, or an operational goal under a strategic one."""

    class Level(models.TextChoices):
        STRATEGIC = "strategic", _("strategic goal")
        OPERATIONAL = "operational", _("operational goal")

    area = models.ForeignKey(
        DevelopmentArea, on_delete=models.CASCADE, related_name="goals", verbose_name=_("area")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("strategic goal"),
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)

    class Meta:
        ordering = ["area__number", "position", "code"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="strategic") & Q(parent__isnull=True))
                | (Q(level="operational") & Q(parent__isnull=False)),
                name="goal_operational_has_parent",
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("stages:strategy_goal", kwargs={"code": self.code})

    @property
    def is_operational(self) -> bool:
        return self.level == self.Level.OPERATIONAL


class Direction(NumberedItem):
    """A direction of action (kierunek działań) of a goal."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="directions", verbose_name=_("goal")
    )

    class Meta:
        ordering = ["goal", "position", "code"]
        verbose_name = _("direction of action")
        verbose_name_plural = _("directions of action")


class Indicator(Localized):
    """An expected result of a goal, measured from a baseline towards a target."""

    class Polarity(models.TextChoices):
        INCREASE = "increase", _("more is better")
        DECREASE = "decrease", _("less is better")

    class Frequency(models.TextChoices):
        ANNUAL = "annual", _("every year")
        BIENNIAL = "biennial", _("every two years")
        TRIENNIAL = "triennial", _("every three years")
        OTHER = "other", _("irregularly")

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("goal")
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=50)
    polarity = models.CharField(
        _("which way is better"), max_length=10, choices=Polarity.choices, default=Polarity.INCREASE
    )
    baseline_value = models.DecimalField(_("baseline value"), max_digits=18, decimal_places=4)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    target_value = models.DecimalField(_("target value"), max_digits=18, decimal_places=4)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    # Optional milestones: {"2025": "12.5"} (years as text, values as decimal text).
    yearly_targets = models.JSONField(_("yearly targets"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=300, help_text=_("E.g. Statistics Poland, Local Data Bank, P2425")
    )
    source_url = models.URLField(_("source link"), blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.ANNUAL
    )

    class Meta:
        ordering = ["goal", "position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_year__lt=F("target_year")),
                name="indicator_target_after_baseline",
            )
        ]

    def __str__(self) -> str:
        return self.name

    localized_name = LocalizedText("name")

    def yearly_target_values(self) -> dict[int, Decimal]:
        return {int(year): Decimal(str(value)) for year, value in self.yearly_targets.items()}


class Measurement(models.Model):
    """A value of an indicator for a year; a provisional value and the final one both stay."""

    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("provisional")
        FINAL = "final", _("final")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.FINAL
    )
    source_url = models.URLField(_("source link"), blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["indicator", "year", "status"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "status"], name="measurement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year}: {self.value} ({self.status})"

    @property
    def is_provisional(self) -> bool:
        return self.status == self.Status.PROVISIONAL


class Task(models.Model):
    """A task that implements a direction of action (stage IX)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        SUSPENDED = "suspended", _("suspended")

    direction = models.ForeignKey(
        Direction, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("direction")
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200)
    budget = models.DecimalField(
        _("budget (PLN)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    districts = models.ManyToManyField(
        "stages.District", blank=True, related_name="strategy_tasks", verbose_name=_("districts")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )

    class Meta:
        ordering = ["direction", "code"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(starts_on__lte=F("ends_on")),
                name="task_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("stages:strategy_task", kwargs={"code": self.code})


class ImplementationUpdate(models.Model):
    """A dated note on a task's implementation; only ever added, never edited."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    published_on = models.DateField(_("date"))
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "-published_on", "-pk"]
        verbose_name = _("implementation update")
        verbose_name_plural = _("implementation updates")

    def __str__(self) -> str:
        return f"{self.task_id} {self.published_on}"


class UpdateImage(models.Model):
    update = models.ForeignKey(
        ImplementationUpdate, on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to="strategy/updates/%Y/")
    alt_text = models.CharField(_("text alternative"), max_length=300)

    class Meta:
        ordering = ["update", "pk"]

    def __str__(self) -> str:
        return self.alt_text


class StrategyDocument(models.Model):
    """A sector strategy or programme that implements the strategy, linked from it."""

    class Kind(models.TextChoices):
        SECTOR_STRATEGY = "sector_strategy", _("sector strategy")
        PROGRAMME = "programme", _("programme")
        OTHER = "other", _("other document")

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="strategy/documents/", blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    goals = models.ManyToManyField(Goal, blank=True, related_name="documents")

    class Meta:
        ordering = ["strategy", "kind", "title"]
        verbose_name = _("implementing document")
        verbose_name_plural = _("implementing documents")

    def __str__(self) -> str:
        return self.title


class MonitoringReport(models.Model):
    """One version of the annual monitoring report, built by a Celery task; immutable once built."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        BUILT = "built", _("built")
        FAILED = "failed", _("failed")

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)
    content = models.JSONField(default=dict, blank=True)
    html = models.TextField(blank=True)
    pdf = models.FileField(upload_to="strategy/reports/", blank=True)
    xlsx = models.FileField(upload_to="strategy/reports/", blank=True)

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("monitoring report")
        verbose_name_plural = _("monitoring reports")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "year", "version"], name="monitoring_report_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.strategy} {self.year} v{self.version}"
