"""The document part of a consultation's page: its contents and every section's text.

Rendering 200 sections through the template was most of the page's time (issue 12: p99
128 ms at one client, 225 ms at four, on SQLite). What the part shows changes only when the
sections do (a published version never changes, but the consultation of the recommendations
rewrites its single version in place) or when a count of comments does. So it is rendered
once and cached under a digest of everything it is made from (the consultation's slug, the
version, each section's key, number, level, heading and text, the translated labels and the
template), with the language and whether comments are taken: a changed section is another
key, and no write has to remember to invalidate anything, Celery tasks and commands
included (core.pagecache's generation only follows requests, and a page cached for a few
seconds can live with that; a fragment kept for hours cannot).

The counts change with every moderated comment, so they are not in the cached HTML: it
holds a marker where each count goes, filled in on every request from the sections just
read (Section.comment_count), so a new count shows at once and the cached text is not
rendered again for it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import cache as memoize

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, npgettext
from django.utils.translation import gettext as _

from stages.markdown import render_markdown_many
from stages.models import DocumentVersion, Section

TEMPLATE = "opinions/consultations/partials/document.html"
# A new shape of the cached value needs a new prefix (an old entry would be read as the new).
CACHE_PREFIX = "consultation-document-parts:"
# A new key comes with a new text, so an entry is never stale; it only has to go in time.
CACHE_SECONDS = 24 * 3600
# Where a count goes. Nothing else in the fragment can read so: headings are escaped and the
# sections' text is cleaned by nh3, which drops HTML comments.
_COUNT_MARK = re.compile(r"<!--(toc|n):(\d+)-->")


def document_html(
    *, version: DocumentVersion, sections: Sequence[Section], takes_comments: bool
) -> SafeString:
    """The contents and the text of `version` (its `sections`, in order), with each
    section's count of published comments as it is now."""
    labels = _labels(takes_comments)
    key = _key(version, sections, labels)
    parts = cache.get(key)
    if parts is None:
        # Kept split at the markers: text, kind, section id, text, ... (no search per request).
        parts = _COUNT_MARK.split(_render(version, sections, labels))
        cache.set(key, parts, CACHE_SECONDS)
    return _with_counts(parts, {section.pk: section.comment_count for section in sections})


def _labels(takes_comments: bool) -> tuple[str, ...]:
    """The words the fragment is made of, in the active language: part of the key, so new
    translations show without waiting for the cache."""
    action = _("Comment on %(label)s") if takes_comments else _("Comments on %(label)s")
    return (get_language() or "", action, _("Contents"), _("The document"))


def _key(version: DocumentVersion, sections: Sequence[Section], labels: tuple[str, ...]) -> str:
    digest = hashlib.sha256(_template_stamp().encode())
    digest.update(repr((labels, version.consultation.slug, version.pk, version.number)).encode())
    for s in sections:
        digest.update(repr((s.pk, s.key, s.number, s.level, s.heading)).encode())
        digest.update(s.body.encode())
        digest.update(b"\x00")
    return CACHE_PREFIX + digest.hexdigest()


@memoize
def _template_stamp() -> str:
    """The fragment's template source: a new template (a deploy) is a new key."""
    source: str = get_template(TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()


def _render(version: DocumentVersion, sections: Sequence[Section], labels: tuple[str, ...]) -> str:
    action = labels[1]
    first = reverse(
        "opinions:document_section",
        kwargs={"slug": version.consultation.slug, "version": version.number, "key": "x"},
    )
    prefix = first[: -len("x/")]
    rows = [
        {
            "pk": s.pk,
            "key": s.key,
            "level": s.level,
            "heading_tag": min(s.level, 3) + 2,  # h3 for a chapter, h4, h5
            "label": s.label,
            "heading": s.heading,
            "body": s.body,
            "html": html,
            "url": f"{prefix}{s.key}/",
            "action_text": action % {"label": s.label},
            "count_mark": mark_safe(f"<!--toc:{s.pk}-->"),  # noqa: S308 - a fixed marker
            "number_mark": mark_safe(f"<!--n:{s.pk}-->"),  # noqa: S308 - a fixed marker
        }
        for s, html in zip(sections, render_markdown_many([s.body for s in sections]), strict=True)
    ]
    return render_to_string(TEMPLATE, {"sections": rows})


def _with_counts(parts: list[str], counts: dict[int, int]) -> SafeString:
    texts: dict[int, str] = {}

    def count_text(count: int) -> str:
        if count not in texts:
            texts[count] = escape(
                npgettext("consultation", "%(counter)s comment", "%(counter)s comments", count)
                % {"counter": count}
            )
        return texts[count]

    filled = parts[:]
    for index in range(1, len(parts) - 1, 3):
        count = counts.get(int(parts[index + 1]), 0)
        filled[index] = count_text(count) if parts[index] == "toc" else str(count)
        filled[index + 1] = ""
    # The cached fragment was escaped when it was rendered; the counts are escaped above.
    return mark_safe("".join(filled))  # noqa: S308
