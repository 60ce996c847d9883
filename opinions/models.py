"""Residents' input and what is computed from it."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opinions.analysis.confidence import ConfidenceBand, band_of
from stages.models import Consultation, District, Section, ThematicArea

TEXT_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 5000


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


class Channel(models.TextChoices):
    """How an opinion reached the city (the values of the paper-input import format)."""

    ONLINE = "online", _("online form")
    MOBILE_POINT = "mobile-point", _("mobile point")
    CAFE = "cafe", _("Participation Café")
    DISTRICT_MEETING = "district-meeting", _("district meeting")
    WORKSHOP = "workshop", _("futures workshop")
    GAME = "game", _("game")
    SURVEY = "survey", _("survey or interview")


class AgeBand(models.TextChoices):
    UNDER_18 = "under-18", _("under 18")
    AGE_18_24 = "18-24", "18–24"
    AGE_25_34 = "25-34", "25–34"
    AGE_35_44 = "35-44", "35–44"
    AGE_45_59 = "45-59", "45–59"
    AGE_60_74 = "60-74", "60–74"
    AGE_75_PLUS = "75-plus", _("75 or more")


class Relation(models.TextChoices):
    LIVES = "lives", _("I live in Lublin")
    WORKS = "works", _("I work in Lublin")
    STUDIES = "studies", _("I study in Lublin")
    VISITS = "visits", _("I visit Lublin")


class Event(models.Model):
    """A meeting where input was collected, mostly on paper."""

    class Kind(models.TextChoices):
        CAFE = "cafe", _("Participation Café (Kafejka Partycypacyjna)")
        MOBILE_POINT = "mobile-point", _("mobile point")
        DISTRICT_MEETING = "district-meeting", _("district meeting")
        FUTURES_WORKSHOP = "futures-workshop", _("futures workshop")
        GAME = "game", _("game")
        SURVEY = "survey", _("survey")
        OTHER = "other", _("other")

    # The channel an opinion collected at such an event gets by default.
    CHANNEL_OF_KIND = {
        Kind.CAFE: Channel.CAFE,
        Kind.MOBILE_POINT: Channel.MOBILE_POINT,
        Kind.DISTRICT_MEETING: Channel.DISTRICT_MEETING,
        Kind.FUTURES_WORKSHOP: Channel.WORKSHOP,
        Kind.GAME: Channel.GAME,
        Kind.SURVEY: Channel.SURVEY,
        Kind.OTHER: Channel.DISTRICT_MEETING,
    }

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    # A meeting announced on a consultation's page, where its comments are also collected.
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("consultation"),
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    facilitator = models.CharField(_("facilitator"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d.%m.%Y})"

    @property
    def channel(self) -> str:
        return str(self.CHANNEL_OF_KIND.get(self.Kind(self.kind), Channel.DISTRICT_MEETING))


class OpinionQuerySet(models.QuerySet["Opinion"]):
    def published(self) -> OpinionQuerySet:
        return self.filter(status=Opinion.Status.PUBLISHED)

    def pending(self) -> OpinionQuerySet:
        return self.filter(status=Opinion.Status.PENDING)

    def unanalysed(self) -> OpinionQuerySet:
        return self.filter(analysed_at__isnull=True)


class SubmitterKind(models.TextChoices):
    PERSON = "person", _("private person")
    ORGANISATION = "organisation", _("organisation or institution")
    PUBLIC_BODY = "public-body", _("municipality or other public body")


class RejectionReason(models.TextChoices):
    OFF_TOPIC = "off-topic", _("not about the city's future")
    OFFENSIVE = "offensive", _("offensive or hateful language")
    PERSONAL_DATA = "personal-data", _("contains someone's personal data")
    ADVERTISING = "advertising", _("advertising or spam")
    DUPLICATE = "duplicate", _("the same opinion was already sent")
    UNREADABLE = "unreadable", _("unreadable or empty")
    OTHER = "other", _("other reason")


class Opinion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("not published")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        related_name="opinions",
        verbose_name=_("consultation"),
    )
    # A comment in a consultation of a document or of the recommendations: the section it
    # is about, what the commenter proposes instead and why, and who sends it.
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("section"),
    )
    proposed_wording = models.TextField(_("proposed wording"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    submitter_kind = models.CharField(
        _("sent by"), max_length=12, choices=SubmitterKind.choices, default=SubmitterKind.PERSON
    )
    # Public for institutions (the law asks for their comments by name), empty for persons.
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # The steps of what became of the opinion already told to author_email (step keys, see
    # workgroups.trace_mail), and when: at most one such digest a day.
    trace_mailed_steps = models.JSONField(default=list, blank=True)
    trace_mailed_at = models.DateTimeField(null=True, blank=True)
    # When the published answer went to author_email (once, by a Celery task).
    answer_mailed_at = models.DateTimeField(null=True, blank=True)
    # The answer given to this comment (one answer may cover several duplicates).
    answer = models.ForeignKey(
        "ConsultationAnswer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("answer"),
    )
    text = models.TextField(_("opinion"))
    area = models.ForeignKey(
        ThematicArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("thematic area"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("district"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("event"),
    )
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices, blank=True)
    relation = models.CharField(
        _("relation to the city"), max_length=10, choices=Relation.choices, blank=True
    )
    # Private: never shown publicly, used only to tell the author what became of the opinion.
    author_email = models.EmailField(_("e-mail (optional, private)"), blank=True)
    # When the tracking link went to author_email (sent once, by a Celery task).
    tracking_link_sent_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opinions",
    )
    collected_on = models.DateField(_("collected on"), default=timezone.localdate)
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(
        _("reason"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.TextField(_("note to the author"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    is_suspected_spam = models.BooleanField(default=False)
    # Bumped by every moderation change: a moderator's action carries the version they saw,
    # and a stale one is refused instead of silently overwriting a colleague's decision.
    version = models.PositiveIntegerField(default=1)

    tracking_token = models.CharField(max_length=64, unique=True, default=new_tracking_token)
    # One submission of the online form (a hidden token): a double click or a retried
    # request finds the opinion it already created instead of making a second one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True)
    # Paper input: a hash of the normalised row, so re-importing a file adds nothing.
    fingerprint = models.CharField(max_length=64, null=True, blank=True, unique=True)
    import_batch = models.ForeignKey(
        "ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="opinions"
    )

    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    # Filled by the analysis task after the opinion is saved (never in the request).
    lemmas = models.TextField(blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    suggested_area = models.ForeignKey(
        ThematicArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_area_confidence = models.FloatField(null=True, blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OpinionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        indexes = [
            models.Index(fields=["status", "created_at"], name="opinion_status_created"),
            models.Index(fields=["status", "area", "created_at"], name="opinion_status_area"),
            models.Index(
                fields=["status", "district", "created_at"], name="opinion_status_district"
            ),
            models.Index(fields=["status", "channel", "created_at"], name="opinion_status_channel"),
            models.Index(fields=["status", "event", "created_at"], name="opinion_status_event"),
            models.Index(fields=["status", "support_count"], name="opinion_status_support"),
            # The answer queue filters a consultation's comments by state and answer and
            # sorts them by section and date: with all of them in the index its counts are
            # read from the index alone and its page needs no scan of the rows (issue 12:
            # 20,000 comments). It also serves every lookup by consultation and status. The id
            # is included (PostgreSQL; SQLite's indexes hold the rowid anyway) so that the
            # queue's page of ids is read from the index too: without it PostgreSQL read the
            # 7,800 rows of an unanswered queue from the table to sort them (14 ms).
            models.Index(
                fields=["consultation", "status", "answer", "section", "created_at"],
                name="opinion_consultation_answer",
                include=["id"],
            ),
            models.Index(
                fields=["section", "status", "created_at"],
                name="opinion_section_status",
                condition=Q(section__isnull=False),
            ),
            models.Index(
                fields=["created_at"],
                name="opinion_unanalysed",
                condition=Q(analysed_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="opinion_rejection_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        return reverse("opinions:detail", kwargs={"pk": self.pk})

    def get_tracking_url(self) -> str:
        return reverse("opinions:track", kwargs={"token": self.tracking_token})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def suggestion_band(self) -> ConfidenceBand | None:
        """How sure the suggested area is; None when there is no suggestion worth showing
        (none, or one stored with a probability below the threshold)."""
        if self.suggested_area_id is None:
            return None
        return band_of(self.suggested_area_confidence)

    def moderation_snapshot(self) -> dict[str, Any]:
        """The fields a moderator can change, as logged before and after each action."""
        return {
            "status": self.status,
            "area": self.area_id,
            "district": self.district_id,
            "channel": self.channel,
            "rejection_reason": self.rejection_reason,
            "rejection_note": self.rejection_note,
            "duplicate_of": self.duplicate_of_id,
        }


class Support(models.Model):
    """One „Popieram” per person per opinion: an account, or an anonymous session."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "user"],
                name="support_once_per_user",
                condition=Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["opinion", "session_key"],
                name="support_once_per_session",
                condition=Q(user__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="support_has_supporter"
            ),
        ]

    def __str__(self) -> str:
        return f"support of opinion {self.opinion_id}"


class Comment(models.Model):
    """A comment on an opinion; moderated like opinions."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("signature (optional)"), max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=Opinion.Status.choices, default=Opinion.Status.PENDING
    )
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_suspected_spam = models.BooleanField(default=False)
    submission_key = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["opinion", "status", "created_at"], name="comment_opinion_status")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ModerationLog(models.Model):
    """Every moderation action: who, when, what it was before and after."""

    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation_log"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation_log"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opinion__isnull=False) | Q(comment__isnull=False),
                name="moderationlog_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ImportBatch(models.Model):
    """One uploaded file of paper input: previewed row by row, then committed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        PARSING = "parsing", _("checking rows")
        PREVIEW = "preview", _("ready to review")
        COMMITTING = "committing", _("saving")
        DONE = "done", _("saved")
        FAILED = "failed", _("failed")
        REFUSED = "refused", _("file refused")

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="import_batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/")
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    normalised_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_processed / self.rows_total))


class ImportRow(models.Model):
    """The verdict on one row of an import file."""

    # "a row" (wiersz) agrees as a masculine noun in Polish, unlike an opinion.
    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("import row", "accepted")
        NORMALISED = "normalised", pgettext_lazy("import row", "accepted after normalisation")
        REJECTED = "rejected", pgettext_lazy("import row", "rejected")
        DUPLICATE = "duplicate", pgettext_lazy("import row", "already imported")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    reasons = models.JSONField(default=list)
    data = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    opinion = models.ForeignKey(
        Opinion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "row_number"]
        indexes = [
            models.Index(fields=["batch", "verdict", "row_number"], name="importrow_batch_verdict")
        ]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="importrow_unique_row")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.verdict}"


def _word_list(text: str) -> list[str]:
    return [word.strip() for word in text.replace(";", ",").split(",") if word.strip()]


class SearchSynonyms(models.Model):
    """Words that a search of the opinions treats as one („basen” also finds „pływalnia”):
    a short list staff keep in the admin. Each word is lemmatized, so any form will do."""

    words = models.CharField(
        _("words"),
        max_length=300,
        unique=True,
        help_text=_(
            "Words that mean the same in a search, separated by commas: „basen, pływalnia” "
            "(each finds the others). A general word before a colon finds the words after "
            "it, not the other way round: „komunikacja: autobus, trolejbus”. Any form of a "
            "word will do."
        ),
    )

    class Meta:
        ordering = ["words"]
        verbose_name = _("search synonyms")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return self.words

    def parts(self) -> tuple[list[str], list[str]]:
        """(the general words, the words they find): „a: b, c” is ([a], [b, c]); „a, b”,
        where each finds the other, is ([a, b], [a, b])."""
        general, colon, specific = self.words.partition(":")
        if not colon:
            words = _word_list(self.words)
            return words, words
        return _word_list(general), _word_list(specific)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        general, specific = self.parts()
        if not general or len(set(general) | set(specific)) < 2:
            raise ValidationError({"words": _("Give at least two words, separated by commas.")})


class AreaClassifierModel(models.Model):
    """A trained area-suggestion model: which opinions it learned from and how well it does."""

    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to="classifiers/")
    trained_on = models.PositiveIntegerField()
    accuracy = models.FloatField(null=True, blank=True)
    labels = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"area classifier of {self.created_at:%Y-%m-%d %H:%M} ({self.trained_on} opinions)"


class ThematicReportQuerySet(models.QuerySet["ThematicReport"]):
    def built(self) -> ThematicReportQuerySet:
        return self.filter(status=ThematicReport.Status.BUILT)

    def published(self) -> ThematicReportQuerySet:
        return self.built().filter(published_at__isnull=False)


class ThematicReport(models.Model):
    """One version of the report on one thematic area, built by a Celery task.

    Immutable once built: a recommendation that cites a version always shows what its
    authors saw. `content` holds everything computed (see opinions/reports.py for its
    shape); `memberships` record exactly which opinions it was built from.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        BUILT = "built", _("built")
        FAILED = "failed", _("failed")

    area = models.ForeignKey(
        ThematicArea, on_delete=models.PROTECT, related_name="reports", verbose_name=_("area")
    )
    # Empty: the opinions of all consultations.
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("consultation"),
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
    # The report covers opinions published up to this moment.
    cutoff_at = models.DateTimeField()
    opinion_count = models.PositiveIntegerField(default=0)
    content = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="reports/%Y/", blank=True)
    # The English report page, printed (opinions/reports/files.py); residents' quotes stay Polish.
    pdf_en = models.FileField(upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/", blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An editor's version (opinions/reports/editing.py): a copy of `edited_from` with the
    # sub-themes renamed or an analyst's summary added, by whom, when, and what changed:
    # {"from_version", "labels": [{"index", "language", "old", "new"}],
    #  "summary": {"old", "new"} | None}.
    # A built version records there what a rebuild carried from the editors' work of the
    # version before it: {"carried": {"from_version", "labels", "not_carried", "summary", …}}.
    edited_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="edits"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_changes = models.JSONField(default=dict, blank=True)

    objects = ThematicReportQuerySet.as_manager()

    class Meta:
        ordering = ["area__number", "-version"]
        verbose_name = _("thematic report")
        verbose_name_plural = _("thematic reports")
        # Granted to the Editors group by migration 0007 (core.roles.ROLE_PERMISSIONS).
        permissions = [("build_reports", "Can build, publish and unpublish thematic reports")]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "consultation", "version"], name="report_version_unique"
            ),
            models.UniqueConstraint(
                fields=["area", "version"],
                condition=Q(consultation__isnull=True),
                name="report_version_unique_all_consultations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("opinions:report_detail", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_editorial(self) -> bool:
        """Made by an editor from another version, not built from the opinions."""
        return self.edited_from_id is not None


class ReportMembership(models.Model):
    """An opinion a report version was built from, and the sub-theme it fell into."""

    report = models.ForeignKey(ThematicReport, on_delete=models.CASCADE, related_name="memberships")
    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="+")
    subtheme = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "opinion"], name="report_membership_unique")
        ]
        indexes = [models.Index(fields=["report", "subtheme"], name="report_membership_subtheme")]

    def __str__(self) -> str:
        return f"opinion {self.opinion_id} in report {self.report_id}"


# Answers to consultation comments and the consultation report live in their sub-packages;
# Django finds models through this module.
from opinions.answers.models import ConsultationAnswer as ConsultationAnswer  # noqa: E402
from opinions.answers.models import ConsultationReport as ConsultationReport  # noqa: E402
