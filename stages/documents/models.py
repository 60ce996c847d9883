"""A consultation's document: versions and their numbered sections (imported by stages.models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from stages.markdown import render_markdown


class DocumentVersionQuerySet(models.QuerySet["DocumentVersion"]):
    def published(self) -> DocumentVersionQuerySet:
        return self.filter(status=DocumentVersion.Status.PUBLISHED)


class DocumentVersion(models.Model):
    """One version of the document a consultation asks about.

    Drafted by editors (uploaded as DOCX or Markdown, or edited on staff pages); once
    published it never changes: the next draft is a new version whose sections reuse the
    keys of the sections they replace.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    consultation = models.ForeignKey(
        "stages.Consultation",
        on_delete=models.PROTECT,
        related_name="document_versions",
        verbose_name=_("consultation"),
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    # What changed since the previous version, in the editors' words.
    note = models.TextField(_("what changed"), blank=True)
    source_name = models.CharField(_("source file"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="document_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="document_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Section(models.Model):
    """A numbered part of a document version: a chapter (1), section (2) or paragraph (3).

    `key` is stable across versions; `number` is what readers see ("3.2"); `position` is
    the document order. `comment_count` counts published comments and is kept by the
    opinions services, so the table of contents needs no aggregate over the comments.
    """

    class Level(models.IntegerChoices):
        CHAPTER = 1, _("chapter")
        SECTION = 2, _("section")
        PARAGRAPH = 3, _("paragraph")

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(_("key"), max_length=64)
    number = models.CharField(_("number"), max_length=20)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField()
    heading = models.CharField(_("heading"), max_length=300, blank=True)
    # Markdown (rendered with stages.markdown, which escapes any HTML).
    body = models.TextField(_("text"), blank=True)
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="section_key_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="section_position_unique"),
        ]

    def __str__(self) -> str:
        return f"§{self.number} {self.heading}".strip()

    def get_absolute_url(self) -> str:
        # The reading page lives with the comments it shows (opinions/, the layer above).
        return reverse(
            "opinions:document_section",
            kwargs={
                "slug": self.version.consultation.slug,
                "version": self.version.number,
                "key": self.key,
            },
        )

    @property
    def rendered_body(self) -> SafeString:
        return render_markdown(self.body)

    @property
    def label(self) -> str:
        """How a reader names it: "§3.2"."""
        return f"§{self.number}"
