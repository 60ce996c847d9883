"""The thematic working groups (TGR): recruitment, membership, workshops, recommendations.

Every state change of these models goes through a function in `workgroups/services/`;
views and forms never call `save()` on them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opinions.models import Opinion, ThematicReport
from stages.models import ThematicArea


class Sector(models.TextChoices):
    """Where an applicant comes from; the seats of a group are counted by sector."""

    RESIDENT = "resident", _("resident")
    UNIVERSITY = "university", _("university")
    BUSINESS = "business", _("business")
    NGO = "ngo", _("non-governmental organisation")
    CITY = "city", _("city administration")


class Seat(models.TextChoices):
    """A kind of seat in a group: the leader's, or one counted against a sector."""

    LEADER = "leader", _("leader")
    RESIDENT = "resident", _("resident")
    UNIVERSITY = "university", _("university")
    BUSINESS = "business", _("business")
    NGO = "ngo", _("non-governmental organisation")
    CITY = "city", _("city administration")


# Lublin's groups: ten seats each (PROCESS.md).
DEFAULT_SEATS: dict[str, int] = {
    Seat.LEADER: 1,
    Seat.RESIDENT: 3,
    Seat.UNIVERSITY: 1,
    Seat.BUSINESS: 1,
    Seat.NGO: 1,
    Seat.CITY: 3,
}


class WorkingGroup(models.Model):
    """The working group of one thematic area."""

    area = models.OneToOneField(
        ThematicArea, on_delete=models.PROTECT, related_name="working_group", verbose_name=_("area")
    )
    slug = models.SlugField(_("slug"), unique=True, max_length=80)

    class Meta:
        ordering = ["area__number"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self) -> str:
        return str(self.area)

    def get_absolute_url(self) -> str:
        return reverse("workgroups:workspace", kwargs={"slug": self.slug})

    @property
    def name(self) -> str:
        return self.area.localized_name


class SeatQuota(models.Model):
    """How many seats of one kind a group has (configurable per group)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="quotas")
    seat = models.CharField(_("seat"), max_length=12, choices=Seat.choices)
    seats = models.PositiveSmallIntegerField(_("seats"))

    class Meta:
        ordering = ["group", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["group", "seat"], name="seat_quota_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.seat} × {self.seats}"


# --- Recruitment ------------------------------------------------------------------------------


class RecruitmentCall(models.Model):
    """An open call for members of some working groups."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), help_text=_("Markdown."))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    groups = models.ManyToManyField(
        WorkingGroup, related_name="calls", verbose_name=_("groups it fills")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the selection is announced: applicants are told, members get their workspace.
    announced_at = models.DateTimeField(_("selection announced at"), null=True, blank=True)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("recruitment call")
        verbose_name_plural = _("recruitment calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workgroups:call_detail", kwargs={"pk": self.pk})

    def is_open(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.opens_at <= moment < self.closes_at  # type: ignore[operator]

    def has_closed(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return moment >= self.closes_at  # type: ignore[operator]


class Application(models.Model):
    """One person's application to a call: up to three groups in order of preference."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("under review")
        SELECTED = "selected", _("selected")
        WAITLISTED = "waitlisted", _("on the waiting list")
        REJECTED = "rejected", _("not selected")

    call = models.ForeignKey(RecruitmentCall, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_applications"
    )
    first_choice = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("first choice")
    )
    second_choice = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second choice"),
    )
    third_choice = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("third choice"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=12, choices=Sector.choices)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    wants_to_lead = models.BooleanField(_("willing to lead the group"), default=False)
    motivation = models.TextField(_("motivation"))
    experience = models.TextField(_("experience"), blank=True)
    conflicts_of_interest = models.TextField(_("declared conflicts of interest"), blank=True)
    consent_to_publish = models.BooleanField(
        _("consent to publishing name and sector if selected"), default=False
    )
    decision = models.CharField(
        _("decision"), max_length=12, choices=Decision.choices, default=Decision.PENDING
    )
    # The group whose waiting list the applicant is on.
    waitlist_group = models.ForeignKey(
        WorkingGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_notes = models.TextField(_("editors' notes"), blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["call", "applicant"], name="one_application_per_call"),
        ]
        indexes = [models.Index(fields=["call", "decision"], name="application_call_decision")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.call})"

    @property
    def preferences(self) -> list[WorkingGroup]:
        return [g for g in (self.first_choice, self.second_choice, self.third_choice) if g]

    @property
    def preference_ids(self) -> list[int]:
        ids = (self.first_choice_id, self.second_choice_id, self.third_choice_id)
        return [pk for pk in ids if pk]


class SelectionDraw(models.Model):
    """A recorded run of "propose a selection": the seed and what it drew, to re-check."""

    call = models.ForeignKey(RecruitmentCall, on_delete=models.CASCADE, related_name="draws")
    seed = models.BigIntegerField()
    # {"placements": [{"application": id, "group": id, "seat": "..."}], "waitlist": [...]}
    result = models.JSONField(default=dict)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"draw {self.seed} for {self.call}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(active=True)


class Membership(models.Model):
    """A seat in a group. Inactive until the selection is announced."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    seat = models.CharField(_("seat"), max_length=12, choices=Seat.choices)
    call = models.ForeignKey(
        RecruitmentCall,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="membership",
    )
    active = models.BooleanField(default=False)
    # Copied from the application: the roster shows name and sector only with consent.
    public_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "seat", "pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One person sits in one group.
            models.UniqueConstraint(fields=["user"], name="one_group_per_person"),
            models.UniqueConstraint(
                fields=["group"], condition=Q(seat="leader"), name="one_leader_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.seat})"

    @property
    def is_leader(self) -> bool:
        return self.seat == Seat.LEADER


# --- Workshops --------------------------------------------------------------------------------


class Workshop(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        Membership, blank=True, related_name="workshops_attended", verbose_name=_("attendance")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["group", "starts_at"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self) -> str:
        return self.title


# --- Recommendations --------------------------------------------------------------------------


class RecommendationQuerySet(models.QuerySet["Recommendation"]):
    def published(self) -> RecommendationQuerySet:
        return self.filter(published_at__isnull=False)


class Recommendation(models.Model):
    """A group's recommendation. Its text lives in versions; `current` is the newest."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        UNDER_VERIFICATION = "under_verification", _("under verification")
        VERIFIED = "verified", _("verified")
        RETURNED = "returned", _("returned for changes")
        REJECTED = "rejected", _("rejected")
        ADOPTED = "adopted", _("adopted in the strategy")
        NOT_ADOPTED = "not_adopted", _("not adopted in the strategy")

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="recommendations"
    )
    number = models.PositiveIntegerField(_("number"))
    # Copied from the current version for lists.
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The number of the current version; a save must name it (optimistic locking).
    version = models.PositiveIntegerField(default=0)
    current = models.ForeignKey(
        "RecommendationVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set only by workgroups.services.adoption: whether the strategy took it up, and why not.
    adoption_reason = models.TextField(_("why it was not adopted"), blank=True)
    adoption_decided_at = models.DateTimeField(null=True, blank=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["group", "number"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="recommendation_number"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="recommendation_queue")]

    def __str__(self) -> str:
        return f"{self.group.slug}/{self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workgroups:recommendation_public", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def consultation_key(self) -> str:
        """Its section's key in the recommendations' consultation (stable across updates)."""
        return f"rekomendacja-{self.group.slug}-{self.number}"[:64]


class RecommendationVersion(models.Model):
    """One saved state of a recommendation; never changed after it is written."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    vision = models.TextField(_("vision"), blank=True)
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    # [{"text": str, "indicator": str, "responsible_unit": str}, ...]
    directions = models.JSONField(_("recommended directions of action"), default=list)
    # What the evidence was at this version:
    # {"opinions": [{"id": int, "note": str}], "reports": [{"id": int, "note": str}]}
    evidence = models.JSONField(default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note on this version"), max_length=300, blank=True)
    # The version this one restored, if any.
    restored_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["recommendation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "number"], name="recommendation_version_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id} v{self.number}"


class OpinionEvidence(models.Model):
    """An opinion a recommendation cites (the current state; versions keep the history)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="opinion_evidence"
    )
    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="cited_by")
    note = models.CharField(_("how it supports the recommendation"), max_length=500, blank=True)

    class Meta:
        ordering = ["recommendation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "opinion"], name="opinion_evidence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"opinion {self.opinion_id} for {self.recommendation_id}"


class ReportEvidence(models.Model):
    """A thematic report version a recommendation cites."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="report_evidence"
    )
    report = models.ForeignKey(ThematicReport, on_delete=models.PROTECT, related_name="cited_by")
    note = models.CharField(_("how it supports the recommendation"), max_length=500, blank=True)

    class Meta:
        ordering = ["recommendation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "report"], name="report_evidence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.report_id} for {self.recommendation_id}"


# --- Verification -----------------------------------------------------------------------------


class Criterion(models.TextChoices):
    LEGALITY = "legality", _("legality")
    FEASIBILITY = "feasibility", _("feasibility")
    FINANCING = "financing", _("financing")


class Verdict(models.TextChoices):
    POSITIVE = "positive", _("positive")
    CONDITIONAL = "conditional", _("conditional")
    NEGATIVE = "negative", _("negative")


class Verification(models.Model):
    """One verification of one submission of a recommendation, with its overall result."""

    class Outcome(models.TextChoices):
        VERIFIED = "verified", _("verified")
        RETURNED = "returned", _("returned for changes")
        REJECTED = "rejected", _("rejected")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="verifications"
    )
    # The recommendation version that was verified.
    version = models.ForeignKey(RecommendationVersion, on_delete=models.PROTECT, related_name="+")
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    # Empty while the verification is in progress.
    outcome = models.CharField(_("result"), max_length=10, choices=Outcome.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recommendation", "-started_at"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")

    def __str__(self) -> str:
        return f"verification of {self.recommendation_id}: {self.outcome or 'open'}"

    @property
    def ordered_verdicts(self) -> list[CriterionVerdict]:
        """The verdicts in the order of the criteria (legality, feasibility, financing),
        from the prefetched `verdicts` when there are any."""
        order = {criterion: index for index, criterion in enumerate(Criterion.values)}
        return sorted(self.verdicts.all(), key=lambda verdict: order[verdict.criterion])

    @property
    def conditions(self) -> list[CriterionVerdict]:
        """The conditional verdicts of a positive result: the conditions it comes with."""
        return [v for v in self.ordered_verdicts if v.verdict == Verdict.CONDITIONAL]


class CriterionVerdict(models.Model):
    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="verdicts"
    )
    criterion = models.CharField(_("criterion"), max_length=12, choices=Criterion.choices)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    justification = models.TextField(_("justification"))

    class Meta:
        ordering = ["verification", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["verification", "criterion"], name="one_verdict_per_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.verdict}"


# --- Recommendation → strategy ----------------------------------------------------------------


class StrategyLink(models.Model):
    """A goal or direction of action of the strategy that a recommendation became, and how.

    Lives here, not in stages/, because it points up the spine: the strategy (stages) knows
    nothing of working groups; its goal page shows these links through a panel.
    """

    class How(models.TextChoices):
        AS_IS = "as_is", _("adopted as it was")
        MERGED = "merged", _("merged with other recommendations")
        CHANGED = "changed", _("adopted with changes")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="strategy_links"
    )
    goal = models.ForeignKey(
        "stages.Goal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recommendation_links",
        verbose_name=_("goal"),
    )
    direction = models.ForeignKey(
        "stages.Direction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recommendation_links",
        verbose_name=_("direction of action"),
    )
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation", "pk"]
        verbose_name = _("link to the strategy")
        verbose_name_plural = _("links to the strategy")
        constraints = [
            models.CheckConstraint(
                condition=Q(goal__isnull=False, direction__isnull=True)
                | Q(goal__isnull=True, direction__isnull=False),
                name="strategy_link_goal_or_direction",
            ),
            models.UniqueConstraint(
                fields=["recommendation", "goal"],
                condition=Q(goal__isnull=False),
                name="strategy_link_goal_unique",
            ),
            models.UniqueConstraint(
                fields=["recommendation", "direction"],
                condition=Q(direction__isnull=False),
                name="strategy_link_direction_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id} → {self.goal_id or self.direction_id}"


# --- The groups' work summed up (end of stage III) ----------------------------------------------


class SummaryReport(models.Model):
    """One version of the report summing up every group's verified recommendations, built by
    a Celery task (workgroups.summary); immutable once built."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        BUILT = "built", _("built")
        FAILED = "failed", _("failed")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)
    content = models.JSONField(default=dict, blank=True)
    html = models.TextField(blank=True)
    pdf = models.FileField(upload_to="summary-reports/", blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("summary of the recommendations")
        verbose_name_plural = _("summaries of the recommendations")

    def __str__(self) -> str:
        return f"summary v{self.version}"
