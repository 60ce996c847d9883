"""An editor's version of a thematic report: sub-themes renamed, an analyst's summary added.

A built version never changes (workgroups cite it), so an edit is a new version, as a
recommendation's save is (workgroups/services/recommendations.py): the next number of the
area's reports, a copy of the edited version's content and memberships with the edits
applied, and on the row who edited, when, from which version, and what changed (each label's
old and new text, the summary's). Its PDF and XLSX are rendered afresh by the same task the
builder sends (opinions/reports/files.py), after commit.

Only a built version that is not public can be edited: residents must never see a public
version change under them. The number of the area's latest version works as the lock: the
form carries the number it saw, and the edit is refused (`StaleReport`, naming the newer
version) when any version was made since, a rebuild or another editor's edit. Two edits
from the same number cannot both pass: the second one's number breaks the unique
constraint on (area, consultation, version), which is taken as the same conflict.

A rebuild (opinions/reports/building.py) carries the editors' work of the version before it
into the new one (`carry_edits`): each renamed sub-theme's name goes to the new sub-theme
that holds mostly the same opinions, and the analyst's summary goes along marked as written
for the earlier version, so that an editor reviews it before publishing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security import log_security_event
from core.tasks import send_after_commit
from opinions.models import ReportMembership, ThematicReport
from opinions.reports import tasks

if TYPE_CHECKING:
    from lublin2030.models import User

BUILD_REPORTS = "opinions.build_reports"
LABEL_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 3000
# The languages a sub-theme's label is kept in: the Polish one the builder wrote (`label`),
# and an English one an editor may add (`label_en`, shown on the English pages).
LABEL_KEYS = {"pl": "label", "en": "label_en"}


class StaleReport(Exception):
    """A newer version of the area's report was made after the form was shown."""

    def __init__(self, latest: ThematicReport) -> None:
        super().__init__(f"the report on area {latest.area_id} is at v{latest.version}")
        self.latest = latest


@dataclass(frozen=True)
class ReportEdits:
    """What an editor typed: each sub-theme's labels by index, and the analyst's summary."""

    # A sub-theme left out keeps its label; an empty English label removes it.
    labels: Mapping[int, str] = field(default_factory=dict)
    labels_en: Mapping[int, str] = field(default_factory=dict)
    summary: str = ""

    @classmethod
    def of(cls, report: ThematicReport) -> ReportEdits:
        """The version as it stands (what the form starts from)."""
        subthemes = (report.content or {}).get("subthemes", [])
        return cls(
            labels={item["index"]: item.get("label", "") for item in subthemes},
            labels_en={item["index"]: item.get("label_en", "") for item in subthemes},
            summary=analyst_summary(report).get("text", ""),
        )


def analyst_summary(report: ThematicReport) -> dict[str, Any]:
    """{"text", "written_at"} of the version's analyst's summary, or {} when it has none."""
    return (report.content or {}).get("analyst_summary") or {}


def latest_version(report: ThematicReport) -> int:
    """The number of the newest version of the same area and consultation, in any state."""
    return int(_versions_of(report).aggregate(top=Max("version"))["top"] or 0)


def _versions_of(report: ThematicReport) -> Any:
    of_consultation = (
        Q(consultation__isnull=True)
        if report.consultation_id is None
        else Q(consultation_id=report.consultation_id)
    )
    return ThematicReport.objects.filter(of_consultation, area_id=report.area_id)


def check_editable(report: ThematicReport) -> None:
    """Refuse (ValidationError) a version that is public or not built."""
    if report.status != ThematicReport.Status.BUILT:
        raise ValidationError(
            _("Only a built version can be edited: this one is %(status)s.")
            % {"status": report.get_status_display()},
            code="state",
        )
    if report.is_published:
        raise ValidationError(
            _(
                "Version %(version)s is public, so it cannot be edited: residents must see it "
                "as it was published. Unpublish it first, or edit an unpublished version."
            )
            % {"version": report.version},
            code="published",
        )


def _clean(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def _apply(
    content: dict[str, Any], edits: ReportEdits, now: dt.datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the new content, what changed) of `content` with the edits applied."""
    new_content = dict(content)
    label_changes: list[dict[str, Any]] = []
    subthemes = []
    for item in content.get("subthemes", []):
        item = dict(item)
        for language, typed in (("pl", edits.labels), ("en", edits.labels_en)):
            key = LABEL_KEYS[language]
            old = item.get(key, "")
            new = _clean(typed.get(item["index"], old), LABEL_MAX_LENGTH)
            if language == "pl" and not new:
                # The Polish label is what every page shows when there is no other.
                raise ValidationError(
                    _("Sub-theme %(number)s needs a name.") % {"number": item["index"] + 1},
                    code="required",
                )
            if new != old:
                label_changes.append(
                    {"index": item["index"], "language": language, "old": old, "new": new}
                )
                if language == "pl":
                    # The builder's own label stays beside the editors' (the form shows it).
                    item.setdefault("built_label", old)
                if new:
                    item[key] = new
                else:
                    item.pop(key, None)
        subthemes.append(item)
    new_content["subthemes"] = subthemes
    old_summary = (content.get("analyst_summary") or {}).get("text", "")
    # A summary carried from an earlier version (`carry_edits`) counts as reviewed once an
    # editor saves this version with it: it is then written for this one.
    carried = bool((content.get("analyst_summary") or {}).get("written_for_version"))
    new_summary = edits.summary.strip()[:SUMMARY_MAX_LENGTH]
    summary_change = None
    if new_summary != old_summary or (carried and new_summary):
        summary_change = {"old": old_summary, "new": new_summary}
        new_content["analyst_summary"] = (
            {"text": new_summary, "written_at": now.isoformat()} if new_summary else None
        )
    return new_content, {"labels": label_changes, "summary": summary_change}


def edit_report(
    *,
    report: ThematicReport,
    editor: User,
    edits: ReportEdits,
    expected_latest: int,
    now: dt.datetime | None = None,
) -> ThematicReport:
    """A new version: `report` with the edits applied (`report` itself stays as it was).

    Refuses a public or unbuilt version and an edit that changes nothing (ValidationError),
    and one made after a newer version appeared (`StaleReport`).
    """
    if not editor.has_perm(BUILD_REPORTS):
        raise PermissionDenied
    now = now or timezone.now()
    source = ThematicReport.objects.get(pk=report.pk)
    check_editable(source)
    content, changes = _apply(source.content, edits, now)
    changes["from_version"] = source.version
    if not changes["labels"] and changes["summary"] is None:
        raise ValidationError(_("Nothing was changed, so no new version was made."), code="same")
    try:
        with transaction.atomic():
            latest = latest_version(source)
            if latest != expected_latest:
                raise StaleReport(_versions_of(source).get(version=latest))
            edited = ThematicReport.objects.create(
                area_id=source.area_id,
                consultation_id=source.consultation_id,
                version=latest + 1,
                status=ThematicReport.Status.BUILT,
                progress=100,
                progress_note=source.progress_note,
                requested_by=editor,
                requested_at=now,
                started_at=now,
                # The figures are those of the build: its moment stays theirs.
                built_at=source.built_at,
                cutoff_at=source.cutoff_at,
                opinion_count=source.opinion_count,
                content=content,
                edited_from=source,
                edited_by=editor,
                edited_at=now,
                edit_changes=changes,
            )
            _copy_memberships(source.pk, edited.pk)
            send_after_commit(
                tasks.render_report_files, edited.pk, fallback="rendered on the first download"
            )
    except IntegrityError as error:
        # Another version took this number between the check and the insert.
        raise StaleReport(_versions_of(source).order_by("-version").first() or source) from error
    log_security_event("report edited", user=editor, report=edited.pk, edited_from=source.pk)
    return edited


# --- Carrying the editors' work into a rebuild ---------------------------------------------

# Two sub-themes are "the same" when, over the opinions both versions were built from, the
# opinions whose main sub-theme they are overlap by at least this Jaccard index (|A∩B| / |A∪B|):
# more than half of their union is shared, so no old sub-theme can match two new ones, nor
# two old ones the same new one. New opinions are left out of the comparison: a sub-theme that
# doubles with new opinions is still the one the editor named.
CARRY_MIN_JACCARD = 0.5


def _named_by_editors(item: Mapping[str, Any]) -> bool:
    renamed = "built_label" in item and item.get("label") != item["built_label"]
    return renamed or bool(item.get("label_en"))


def _members_by_subtheme(
    memberships: Iterable[tuple[int, int | None]], common: set[int]
) -> dict[int, set[int]]:
    groups: dict[int, set[int]] = {}
    for opinion_id, subtheme in memberships:
        if subtheme is not None and opinion_id in common:
            groups.setdefault(subtheme, set()).add(opinion_id)
    return groups


def match_subthemes(
    old: Mapping[int, set[int]], new: Mapping[int, set[int]], *, threshold: float
) -> tuple[dict[int, tuple[int, float]], dict[int, float]]:
    """({old index: (new index, Jaccard)} one to one, {unmatched old index: best Jaccard}).

    Pairs are taken from the largest overlap down, each sub-theme at most once.
    """
    pairs = []
    best: dict[int, float] = dict.fromkeys(old, 0.0)
    for old_index, old_members in old.items():
        for new_index, new_members in new.items():
            union = len(old_members | new_members)
            score = len(old_members & new_members) / union if union else 0.0
            best[old_index] = max(best[old_index], score)
            if score >= threshold:
                pairs.append((score, old_index, new_index))
    matched: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for score, old_index, new_index in sorted(pairs, key=lambda pair: (-pair[0], pair[1], pair[2])):
        if old_index not in matched and new_index not in taken:
            matched[old_index] = (new_index, round(score, 3))
            taken.add(new_index)
    return matched, {index: round(best[index], 3) for index in old if index not in matched}


def carry_edits(
    *,
    previous: ThematicReport | None,
    content: dict[str, Any],
    memberships: list[tuple[int, int | None]],
) -> dict[str, Any] | None:
    """Put the editors' names and analyst's summary of `previous` into a new build's
    `content` (changed in place); what was carried and what was not, or None when the
    previous version had no editors' work.

    `memberships` are the new build's (opinion id, main sub-theme).
    """
    if previous is None:
        return None
    old_content = previous.content or {}
    named = {
        item["index"]: item for item in old_content.get("subthemes", []) if _named_by_editors(item)
    }
    summary = old_content.get("analyst_summary") or {}
    if not named and not summary.get("text"):
        return None
    record: dict[str, Any] = {
        "from_version": previous.version,
        "from_report": previous.pk,
        "min_jaccard": CARRY_MIN_JACCARD,
        "labels": [],
        "not_carried": [],
        "summary": False,
    }
    if named:
        old_memberships = list(
            ReportMembership.objects.filter(report=previous).values_list("opinion_id", "subtheme")
        )
        common = {pk for pk, _sub in old_memberships} & {pk for pk, _sub in memberships}
        old_groups = _members_by_subtheme(old_memberships, common)
        matched, unmatched = match_subthemes(
            {index: old_groups.get(index, set()) for index in named},
            _members_by_subtheme(memberships, common),
            threshold=CARRY_MIN_JACCARD,
        )
        new_items = {item["index"]: item for item in content.get("subthemes", [])}
        for old_index, (new_index, score) in sorted(matched.items()):
            _carry_names(named[old_index], new_items[new_index])
            new_items[new_index]["carried_from"] = {
                "version": previous.version,
                "index": old_index,
                "jaccard": score,
            }
            record["labels"].append(
                {
                    "index": new_index,
                    "from_index": old_index,
                    "label": new_items[new_index]["label"],
                    "label_en": new_items[new_index].get("label_en", ""),
                    "built_label": new_items[new_index]["built_label"],
                    "jaccard": score,
                }
            )
        record["not_carried"] = [
            {
                "from_index": old_index,
                "label": named[old_index].get("label", ""),
                "label_en": named[old_index].get("label_en", ""),
                "best_jaccard": score,
            }
            for old_index, score in sorted(unmatched.items())
        ]
    if summary.get("text"):
        content["analyst_summary"] = {
            "text": summary["text"],
            "written_at": summary.get("written_at"),
            # The version the analyst read when writing it (kept through several rebuilds).
            "written_for_version": summary.get("written_for_version", previous.version),
        }
        record["summary"] = True
    return record


def _carry_names(old: Mapping[str, Any], new: dict[str, Any]) -> None:
    new["built_label"] = new["label"]
    if "built_label" in old and old.get("label") != old["built_label"]:
        new["label"] = old["label"]
    if old.get("label_en"):
        new["label_en"] = old["label_en"]


def _copy_memberships(source_id: int, target_id: int) -> None:
    """The opinions of the edited version, with their sub-themes, in one INSERT … SELECT
    (an area's report can have 150,000 of them)."""
    table = connection.ops.quote_name(ReportMembership._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (report_id, opinion_id, subtheme) "  # noqa: S608
            f"SELECT %s, opinion_id, subtheme FROM {table} WHERE report_id = %s",
            [target_id, source_id],
        )
