"""What a consultation report says: computed from the comments and their published answers.

`read_content(consultation)` returns the JSON stored in `ConsultationReport.content`, the
contract with the report's page, PDF and XLSX (keys may be added, never renamed):

* `consultation`: its slug, title, kind, whether the law requires it, its dates and the
  report's due date;
* `totals`: comments received, published, rejected, awaiting moderation, answered and still
  unanswered (awaiting moderation, or published without a published answer);
* `complete`, `unanswered_count`: whether every comment had its answer when it was built;
* `figures`: published comments by section, channel, decision and kind of submitter, and the
  rejected ones by reason (lists of {key, label, count}, every category listed, zeros too);
* `institutions`: the organisations and public bodies that commented, with how many comments;
* `groups`: the published comments verbatim with their answers, grouped by section in
  document order, then the comments on no section (open questions have none).

A built version stores all but `groups` in `ConsultationReport.content` (with
`comments_per_page`), and the groups cut into pages (`cut_groups`) as its
`ConsultationReportPage` rows: the page of a report on 20,000 comments reads one page.

Personal data never enters it: the query reads neither the author nor the e-mail, and an
organisation's name is kept only when the comment says an organisation or public body sent
it (a private person's "organisation" field could hold their own name). Labels are Polish:
the report is a Polish document.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy

from core.builds import snapshot
from opinions.answers.models import ConsultationAnswer, Decision
from opinions.answers.services import unanswered_comments
from opinions.models import Channel, Opinion, RejectionReason, SubmitterKind
from opinions.reports.figures import polish_sort_key
from stages.models import Consultation

SCHEMA = 1
REPORT_LANGUAGE = "pl"
OTHER_GROUP = "other"
NO_ANSWER = "none"
CHUNK = 5_000
# The report's page shows its comments in pages of this many (the PDF holds them all).
COMMENTS_PER_PAGE = 500

# The words of such reports (uwzględniono, uwzględniono częściowo, nie uwzględniono, nie
# dotyczy): the model's labels serve the staff's forms, these the published position.
DECISION_LABELS = {
    Decision.ACCEPTED: pgettext_lazy("position on a comment", "accepted"),
    Decision.PARTLY: pgettext_lazy("position on a comment", "partly accepted"),
    Decision.NOT_ACCEPTED: pgettext_lazy("position on a comment", "not accepted"),
    Decision.NOT_APPLICABLE: pgettext_lazy("position on a comment", "not applicable"),
}
NO_ANSWER_LABEL = pgettext_lazy("position on a comment", "no answer yet")
OTHER_LABEL = pgettext_lazy("consultation report", "Comments on no particular section")

# Only these columns are read: no author, no e-mail, no tracking token.
COMMENT_COLUMNS = (
    "pk",
    "text",
    "proposed_wording",
    "justification",
    "submitter_kind",
    "organisation",
    "channel",
    "collected_on",
    "section_id",
    "section__key",
    "section__number",
    "section__heading",
    "section__level",
    "section__position",
    "section__version__number",
    "answer_id",
    "answer__status",
    "answer__decision",
    "answer__justification",
    "answer__changed_section__key",
    "answer__changed_section__number",
    "answer__changed_section__heading",
    "answer__changed_section__version__number",
)


def comments_of(consultation: Consultation) -> QuerySet[Opinion]:
    return Opinion.objects.filter(consultation=consultation)


def unanswered_count(consultation: Consultation) -> int:
    """Comments still waiting (the answer queue's count, opinions/answers/services.py)."""
    return unanswered_comments(consultation)


def _polish(value: Any) -> str:
    with translation.override(REPORT_LANGUAGE):
        return str(value)


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


def read_content(consultation: Consultation) -> dict[str, Any]:
    """The report's content, read in one snapshot (on SQLite read again if it moved)."""
    for _attempt in range(3):
        with snapshot():
            by_status = dict(
                comments_of(consultation)
                .order_by()
                .values("status")
                .annotate(count=Count("pk"))
                .values_list("status", "count")
            )
            rejected = dict(
                comments_of(consultation)
                .filter(status=Opinion.Status.REJECTED)
                .order_by()
                .values("rejection_reason")
                .annotate(count=Count("pk"))
                .values_list("rejection_reason", "count")
            )
            rows = list(
                comments_of(consultation)
                .filter(status=Opinion.Status.PUBLISHED)
                .order_by("section__version__number", "section__position", "collected_on", "pk")
                .values(*COMMENT_COLUMNS)
                .iterator(chunk_size=CHUNK)
            )
        if by_status.get(Opinion.Status.PUBLISHED, 0) == len(rows):
            return _content(consultation, by_status, rejected, rows)
    raise RuntimeError("the comments kept changing while the report was read")


def _content(
    consultation: Consultation,
    by_status: dict[str, int],
    rejected: dict[str, int],
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    groups = _groups(rows)
    answered = sum(row["answer__status"] == ConsultationAnswer.Status.PUBLISHED for row in rows)
    published = len(rows)
    pending = by_status.get(Opinion.Status.PENDING, 0)
    unanswered = pending + published - answered
    return {
        "schema": SCHEMA,
        "consultation": {
            "slug": consultation.slug,
            "title": consultation.title,
            "kind": consultation.kind,
            "statutory": consultation.statutory,
            "opens_at": _iso(consultation.opens_at),
            "closes_at": _iso(consultation.closes_at),
            "report_due_at": _iso(consultation.report_due_at),
        },
        "totals": {
            "received": sum(by_status.values()),
            "published": published,
            "rejected": by_status.get(Opinion.Status.REJECTED, 0),
            "pending": pending,
            "answered": answered,
            "unanswered": unanswered,
        },
        "complete": unanswered == 0,
        "unanswered_count": unanswered,
        "figures": _figures(rows, groups, rejected),
        "institutions": _institutions(rows),
        "groups": groups,
    }


def _groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The comments by section, in document order (the rows come sorted so), numbered."""
    versions = {row["section__version__number"] for row in rows if row["section_id"]}
    several_versions = len(versions) > 1
    by_section: dict[int, dict[str, Any]] = {}
    other: list[dict[str, Any]] = []
    number = 0
    # Sections first (document order), then the comments on no section: the rows sort
    # NULL sections first on SQLite and last on PostgreSQL, so they are set apart here.
    for row in sorted(rows, key=lambda row: row["section_id"] is None):
        number += 1
        comment = _comment(number, row)
        section_id = row["section_id"]
        if section_id is None:
            other.append(comment)
            continue
        group = by_section.get(section_id)
        if group is None:
            group = by_section[section_id] = {
                "key": row["section__key"],
                "version": row["section__version__number"],
                "number": row["section__number"],
                "heading": row["section__heading"],
                "level": row["section__level"],
                "label": _section_label(
                    row["section__number"],
                    row["section__heading"],
                    row["section__version__number"] if several_versions else None,
                ),
                "comments": [],
            }
        group["comments"].append(comment)
    groups = list(by_section.values())
    if other:
        groups.append(
            {
                "key": OTHER_GROUP,
                "version": None,
                "number": "",
                "heading": "",
                "level": None,
                "label": _polish(OTHER_LABEL),
                "comments": other,
            }
        )
    return groups


def _section_label(number: str, heading: str, version: int | None) -> str:
    label = f"§{number} {heading}".strip()
    if version is not None:
        with translation.override(REPORT_LANGUAGE):
            label += " " + str(pgettext_lazy("document version", "(version %(number)s)")) % {
                "number": version
            }
    return label


def _comment(number: int, row: dict[str, Any]) -> dict[str, Any]:
    kind = row["submitter_kind"]
    is_institution = kind != SubmitterKind.PERSON
    return {
        "number": number,
        "id": row["pk"],
        "text": row["text"],
        "proposed_wording": row["proposed_wording"],
        "justification": row["justification"],
        "submitter": kind,
        "submitter_label": _polish(SubmitterKind(kind).label),
        "organisation": row["organisation"].strip() if is_institution else "",
        "channel": row["channel"],
        "channel_label": _polish(Channel(row["channel"]).label),
        "received": row["collected_on"].isoformat() if row["collected_on"] else None,
        "answer": _answer(row),
    }


def _answer(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["answer__status"] != ConsultationAnswer.Status.PUBLISHED:
        return None
    changed = None
    if row["answer__changed_section__key"]:
        changed = {
            "key": row["answer__changed_section__key"],
            "number": row["answer__changed_section__number"],
            "heading": row["answer__changed_section__heading"],
            "version": row["answer__changed_section__version__number"],
        }
    decision = row["answer__decision"]
    return {
        "id": row["answer_id"],
        "decision": decision,
        "decision_label": _polish(DECISION_LABELS[Decision(decision)]),
        "justification": row["answer__justification"],
        "changed_section": changed,
    }


def _rows(counts: Counter[str], labels: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": _polish(label), "count": counts.get(key, 0)} for key, label in labels
    ]


def _figures(
    rows: list[dict[str, Any]], groups: list[dict[str, Any]], rejected: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    channels: Counter[str] = Counter(row["channel"] for row in rows)
    kinds: Counter[str] = Counter(row["submitter_kind"] for row in rows)
    decisions: Counter[str] = Counter(
        row["answer__decision"]
        if row["answer__status"] == ConsultationAnswer.Status.PUBLISHED
        else NO_ANSWER
        for row in rows
    )
    decision_labels: list[tuple[str, Any]] = list(DECISION_LABELS.items())
    if decisions.get(NO_ANSWER):
        decision_labels.append((NO_ANSWER, NO_ANSWER_LABEL))
    return {
        "by_section": [
            {
                "key": f"{group['version'] or ''}:{group['key']}",
                "label": group["label"],
                "count": len(group["comments"]),
            }
            for group in groups
        ],
        "by_channel": _rows(channels, list(Channel.choices)),
        "by_decision": _rows(decisions, decision_labels),
        "by_submitter": _rows(kinds, list(SubmitterKind.choices)),
        "rejected_by_reason": _rows(Counter(rejected), list(RejectionReason.choices)),
    }


def _institutions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter(
        (row["organisation"].strip(), row["submitter_kind"])
        for row in rows
        if row["submitter_kind"] != SubmitterKind.PERSON and row["organisation"].strip()
    )
    return [
        {"name": name, "submitter": kind, "count": count}
        for (name, kind), count in sorted(
            counts.items(), key=lambda item: polish_sort_key(item[0][0])
        )
    ]


def cut_groups(groups: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """The groups of comments cut into runs of `size` comments (the report page's pages,
    the PDF's parts); a section longer than what is left of a run goes on in the next,
    marked `continued`. No groups at all make one empty run."""
    part: list[dict[str, Any]] = []
    count = 0
    for group in groups:
        comments = group["comments"]
        start = 0
        while True:
            taken = comments[start : start + size - count]
            part.append({**group, "comments": taken, "continued": start > 0})
            count += len(taken)
            start += len(taken)
            if count >= size:
                yield part
                part, count = [], 0
            if start >= len(comments):
                break
    if part or not groups:
        yield part
