"""Thematic reports: one versioned report per area, built in the background by Celery.

Writes go through the functions here: `start_reports` (new queued versions, one task per
area as a Celery group), `build_report` (the task's work), `retry_report`, `publish_report`
and `unpublish_report`. The nightly job calls `start_reports_with_new_opinions`.

A build is safe to run twice or to be killed halfway:

* it first takes a lock that dies with its process (a PostgreSQL advisory lock on the
  build's connection; on SQLite a `flock` on a file under VAR_DIR), so a task redelivered
  while the first is still working does nothing, and one redelivered after its worker was
  killed takes over at once;
* it then claims the report with a conditional UPDATE (queued, failed, or building with
  no live builder → building); the claim's `started_at` is its token: progress notes and
  the result are written only while the token still holds;
* all reading happens in one snapshot (REPEATABLE READ on PostgreSQL), so the figures, the
  terms and the memberships describe exactly the same opinions;
* the result (content, opinion count, memberships, status built) is written in one
  transaction; a failure marks the report failed with its reason.

A built report is never changed again, except `published_at`/`published_by`; an editor's
renamed sub-themes and analyst's summary make a new version (opinions/reports/editing.py).

Cost: figures are one GROUP BY each; the lemmas were stored at submission, so a build only
reads them; each area's term counts are cached and shared by the builds started together
(see `_term_counts`); memberships are written with COPY on PostgreSQL. All twelve reports
over 1,000,000 opinions build in a few minutes with one worker of concurrency 2
(bench/reports_bench.py).

The shape of `ThematicReport.content` is the contract with the report pages and files
(opinions/views/reports.py, opinions/report_files.py); keys may be added, never renamed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import group
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.builds import (
    BuildNotes,
    ClaimLost,
    Progress,
    ProgressCallback,
    builder_lock,
    run_build,
    snapshot,
    still_claimed,
)
from core.bulk import insert_rows
from core.security import log_security_event
from core.tasks import send_after_commit
from opinions.analysis.lemmas import lemmatizer_name
from opinions.models import Opinion, ReportMembership, ThematicReport
from opinions.reports import editing as report_editing
from opinions.reports import subthemes as report_subthemes
from opinions.reports import tasks
from opinions.reports.contrasts import MIN_SIDE as CONTRAST_MIN_SIDE
from opinions.reports.contrasts import find_contrasts
from opinions.reports.figures import compute_figures
from opinions.reports.terms import (
    MIN_COUNT,
    REPORT_STOPWORDS,
    TERM_PRIOR,
    TermCounts,
    content_terms,
    count_terms,
    distinctive_terms,
    term_pattern,
)
from stages.models import Consultation, District, ThematicArea

if TYPE_CHECKING:
    from lublin2030.models import User

logger = logging.getLogger(__name__)

SCHEMA = 1
BUILD_TASK = tasks.build_report.name
RENDER_TASK = tasks.render_report_files.name
CHANGED_TERMS = 10
# `progress_note` codes (the pages translate them).
NOTE_STARTED = "started"
NOTE_FIGURES = "figures"
NOTE_TERMS = "terms"
NOTE_SUBTHEMES = "sub-themes"
NOTE_SAVING = "saving"
NOTE_DONE = "done"
NOTE_FAILED = "failed"
NOTE_QUEUE_UNAVAILABLE = "queue-unavailable"
# Each area's term counts are shared by the twelve builds started together.
BACKGROUND_CACHE_SECONDS = 3600
# A queued report whose task was not picked up in this time is sent again by the nightly job.
QUEUED_RESEND_AFTER = dt.timedelta(hours=1)
# Keeps the advisory locks of report builds apart from any other use of advisory locks.
LOCK_KIND = "report"
LOCK_NAMESPACE = 0x7265_706F  # "repo"


def _time_limit() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 30 * 60))


# --- Scope ---------------------------------------------------------------------------------


def _all_areas_scope(*, consultation_id: int | None, cutoff_at: dt.datetime) -> QuerySet[Opinion]:
    """Published opinions with an area, of the consultation (or all), received by the cutoff."""
    scope = Opinion.objects.published().filter(area__isnull=False, created_at__lte=cutoff_at)
    if consultation_id is not None:
        scope = scope.filter(consultation_id=consultation_id)
    return scope


def report_scope(report: ThematicReport) -> QuerySet[Opinion]:
    """The opinions a build of this report reads (its memberships record what it read)."""
    return _all_areas_scope(
        consultation_id=report.consultation_id, cutoff_at=report.cutoff_at
    ).filter(area_id=report.area_id)


def _of_consultation(consultation_id: int | None) -> Q:
    if consultation_id is None:
        return Q(consultation__isnull=True)
    return Q(consultation_id=consultation_id)


def previous_version(report: ThematicReport) -> ThematicReport | None:
    """The latest built version of the same area and consultation before this one.

    An editor's version (opinions/reports/editing.py) holds its source's figures, whose
    changes were counted against the version before that build: that one is its previous.
    """
    if report.edited_from_id is not None:
        changes = (report.content or {}).get("changes") or {}
        if "previous_report" not in changes:
            return None
        return ThematicReport.objects.filter(pk=changes["previous_report"]).first()
    return (
        ThematicReport.objects.built()
        .filter(
            _of_consultation(report.consultation_id),
            area_id=report.area_id,
            version__lt=report.version,
        )
        .order_by("-version")
        .first()
    )


def report_opinions(
    report: ThematicReport, *, term: str | None = None, subtheme: int | None = None
) -> QuerySet[Opinion]:
    """The opinions behind a number of the report: all its opinions, those of a sub-theme,
    or those containing a term, matched exactly as the term's count was computed."""
    members = ReportMembership.objects.filter(report=report)
    if subtheme is not None:
        members = members.filter(subtheme=subtheme)
    opinions = Opinion.objects.filter(pk__in=members.values("opinion_id"))
    if term is None:
        return opinions
    from opinions.analysis.search import with_all_lemmas

    pattern = term_pattern(term)
    if pattern is None:
        return opinions.none()
    # The lemma look-up narrows the rows (PostgreSQL's text index); the pattern is exact.
    return with_all_lemmas(opinions, term.split()).filter(lemmas__regex=pattern)


# --- Starting builds -----------------------------------------------------------------------


def _next_version(
    *,
    area: ThematicArea,
    consultation: Consultation | None,
    requested_by: User | None,
    now: dt.datetime,
) -> ThematicReport:
    # Two editors clicking at once compute the same number; the unique constraint refuses
    # the second, which takes the next number.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                latest = ThematicReport.objects.filter(
                    area=area, consultation=consultation
                ).aggregate(top=Max("version"))["top"]
                return ThematicReport.objects.create(
                    area=area,
                    consultation=consultation,
                    version=(latest or 0) + 1,
                    status=ThematicReport.Status.QUEUED,
                    progress_note="",
                    requested_by=requested_by,
                    requested_at=now,
                    cutoff_at=now,
                )
        except IntegrityError:
            continue
    raise IntegrityError(f"could not number a new version of the report on {area}")


def create_report_versions(
    *,
    areas: Iterable[ThematicArea] | None = None,
    consultation: Consultation | None = None,
    requested_by: User | None = None,
    now: dt.datetime | None = None,
) -> list[ThematicReport]:
    """New queued versions, one per area (all areas when None), covering opinions up to now.

    Nothing is enqueued: `start_reports` does that, the `--sync` command builds them itself.
    """
    now = now or timezone.now()
    chosen = list(ThematicArea.objects.order_by("number") if areas is None else areas)
    with transaction.atomic():
        return [
            _next_version(area=area, consultation=consultation, requested_by=requested_by, now=now)
            for area in sorted(chosen, key=lambda area: area.number)
        ]


def largest_first(reports: list[ThematicReport]) -> list[int]:
    """Report ids, the areas with most opinions first: the workers then finish together
    instead of one of them starting the biggest area last."""
    sizes: dict[tuple[int, int | None], int] = {}
    for consultation_id in {report.consultation_id for report in reports}:
        scope = Opinion.objects.published().filter(
            area_id__in=[report.area_id for report in reports]
        )
        if consultation_id is not None:
            scope = scope.filter(consultation_id=consultation_id)
        for area_id, count in (
            scope.order_by().values("area").annotate(count=Count("pk")).values_list("area", "count")
        ):
            sizes[(area_id, consultation_id)] = count
    ordered = sorted(
        reports,
        key=lambda report: (-sizes.get((report.area_id, report.consultation_id), 0), report.pk),
    )
    return [report.pk for report in ordered]


def enqueue_report_builds(report_ids: list[int], *, queue: str | None = None) -> bool:
    """Send one build task per report as a Celery group, now; False if the broker is down
    (the reports stay queued and say so; the nightly job sends them again)."""
    options: dict[str, Any] = {"queue": queue} if queue else {}
    try:
        group(
            tasks.build_report.signature(args=(report_id,), options=options)
            for report_id in report_ids
        ).apply_async()
    except Exception:
        logger.exception("could not enqueue the builds of reports %s", report_ids)
        ThematicReport.objects.filter(
            pk__in=report_ids, status=ThematicReport.Status.QUEUED
        ).update(progress_note=NOTE_QUEUE_UNAVAILABLE)
        return False
    return True


def start_reports(
    *,
    areas: Iterable[ThematicArea] | None = None,
    consultation: Consultation | None = None,
    requested_by: User | None = None,
    now: dt.datetime | None = None,
) -> list[ThematicReport]:
    """New queued versions of the areas' reports; their builds are sent after commit."""
    with transaction.atomic():
        reports = create_report_versions(
            areas=areas, consultation=consultation, requested_by=requested_by, now=now
        )
        if reports:
            ordered = largest_first(reports)
            transaction.on_commit(lambda: enqueue_report_builds(ordered))
    return reports


def retry_report(*, report: ThematicReport) -> ThematicReport:
    """A failed report (or one whose task never left) back to queued, and sent again."""
    retriable = Q(status=ThematicReport.Status.FAILED) | Q(
        status=ThematicReport.Status.QUEUED, progress_note=NOTE_QUEUE_UNAVAILABLE
    )
    with transaction.atomic():
        updated = ThematicReport.objects.filter(retriable, pk=report.pk).update(
            status=ThematicReport.Status.QUEUED,
            progress=0,
            progress_note="",
            error="",
            started_at=None,
        )
        if not updated:
            raise ValidationError(_("Only a failed report can be built again."), code="state")
        transaction.on_commit(lambda: enqueue_report_builds([report.pk]))
    report.refresh_from_db()
    return report


def publish_report(
    *, report: ThematicReport, editor: User, now: dt.datetime | None = None
) -> ThematicReport:
    """Make a built version public (residents see it); other versions are not touched."""
    updated = ThematicReport.objects.filter(
        pk=report.pk, status=ThematicReport.Status.BUILT
    ).update(published_at=now or timezone.now(), published_by=editor)
    if not updated:
        raise ValidationError(_("Only a built report can be published."), code="state")
    log_security_event("report published", user=editor, report=report.pk)
    report.refresh_from_db()
    return report


def unpublish_report(*, report: ThematicReport) -> ThematicReport:
    updated = ThematicReport.objects.filter(
        pk=report.pk, status=ThematicReport.Status.BUILT
    ).update(published_at=None, published_by=None)
    if not updated:
        raise ValidationError(_("Only a built report can be unpublished."), code="state")
    log_security_event("report unpublished", report=report.pk)
    report.refresh_from_db()
    return report


def start_reports_with_new_opinions(*, now: dt.datetime | None = None) -> list[ThematicReport]:
    """Nightly: a new version for each area (all consultations, and each consultation that
    already has reports) whose published opinions include any its latest built version was
    not built from. Areas with a version queued or building are left alone; queued reports
    whose task was lost (broker down) and builds whose worker vanished are sent again."""
    now = now or timezone.now()
    _resend_stuck(now)
    pairs: set[tuple[int, int | None]] = {
        (area_id, None) for area_id in ThematicArea.objects.values_list("pk", flat=True)
    }
    pairs |= set(
        ThematicReport.objects.filter(consultation__isnull=False)
        .values_list("area_id", "consultation_id")
        .distinct()
    )
    busy = set(
        ThematicReport.objects.filter(
            status__in=[ThematicReport.Status.QUEUED, ThematicReport.Status.BUILDING]
        ).values_list("area_id", "consultation_id")
    )
    latest_built: dict[tuple[int, int | None], int] = {}
    for report_id, built_area, built_consultation in (
        ThematicReport.objects.built()
        .order_by("area_id", "consultation_id", "version")
        .values_list("pk", "area_id", "consultation_id")
    ):
        latest_built[(built_area, built_consultation)] = report_id
    due: dict[int | None, list[int]] = {}
    for area_id, consultation_id in sorted(pairs, key=lambda pair: (pair[1] or 0, pair[0])):
        if (area_id, consultation_id) in busy:
            continue
        scope = _all_areas_scope(consultation_id=consultation_id, cutoff_at=now).filter(
            area_id=area_id
        )
        built = latest_built.get((area_id, consultation_id))
        if built is not None:
            scope = scope.exclude(
                pk__in=ReportMembership.objects.filter(report_id=built).values("opinion_id")
            )
        if scope.exists():
            due.setdefault(consultation_id, []).append(area_id)
    started: list[ThematicReport] = []
    for due_consultation, area_ids in due.items():
        started += start_reports(
            areas=ThematicArea.objects.filter(pk__in=area_ids).order_by("number"),
            consultation=(
                None if due_consultation is None else Consultation.objects.get(pk=due_consultation)
            ),
            now=now,
        )
    return started


def _resend_stuck(now: dt.datetime) -> None:
    stuck = list(
        ThematicReport.objects.filter(
            Q(status=ThematicReport.Status.QUEUED, requested_at__lt=now - QUEUED_RESEND_AFTER)
            | Q(status=ThematicReport.Status.BUILDING, started_at__lt=now - _time_limit())
        ).values_list("pk", flat=True)
    )
    if stuck:
        transaction.on_commit(lambda: enqueue_report_builds(stuck))


# --- Building ------------------------------------------------------------------------------


def _builder_lock(report_id: int) -> AbstractContextManager[bool]:
    """True while this process is the only live builder of the report (core.builds)."""
    return builder_lock(kind=LOCK_KIND, namespace=LOCK_NAMESPACE, pk=report_id)


def build_report(*, report_id: int, on_progress: ProgressCallback | None = None) -> ThematicReport:
    """Build one report version. A report that is built, or being built by a live process,
    is left alone (a second run is a no-op); a failure marks the report failed with why."""

    def work(token: dt.datetime, progress: Progress) -> None:
        report = ThematicReport.objects.select_related("area", "consultation").get(pk=report_id)
        built = _build(report, progress)
        progress(85, NOTE_SAVING)
        _save(report, token, built)

    return run_build(
        ThematicReport,
        report_id,
        kind=LOCK_KIND,
        namespace=LOCK_NAMESPACE,
        work=work,
        on_progress=on_progress,
        notes=BuildNotes(started=NOTE_STARTED, done=NOTE_DONE, failed=NOTE_FAILED),
    )


@dataclass
class _Read:
    """Everything a build reads from the database, read in one snapshot."""

    figures: dict[str, Any]
    summary: dict[str, Any]
    # (opinion id, stored lemmas, district id), by id.
    documents: list[tuple[int, str, int | None]]
    # (opinion id, text), by id: sub-themes are found sentence by sentence.
    texts: list[tuple[int, str]]
    # Term counts of this area, and of all areas (only the terms this area could rank).
    area_counts: TermCounts
    pooled: TermCounts
    previous: ThematicReport | None
    previous_ids: set[int]
    # Lemmas of opinions of the previous version that are no longer in scope.
    previous_only: dict[int, str]


@dataclass
class _Built:
    content: dict[str, Any]
    memberships: list[tuple[int, int | None]]
    # The editors' work carried from the previous version (opinions/reports/editing.py).
    carried: dict[str, Any] | None = None


_snapshot = snapshot


def _read(report: ThematicReport) -> _Read:
    scope = report_scope(report)
    all_areas = _all_areas_scope(consultation_id=report.consultation_id, cutoff_at=report.cutoff_at)
    # SQLite has no snapshot outside a write transaction (which would block every writer):
    # a moderator's publication between two statements is noticed and the reading repeated.
    for _attempt in range(3):
        with _snapshot():
            figures, summary = compute_figures(scope, all_areas)
            documents: list[tuple[int, str, int | None]] = list(
                scope.order_by("pk")
                .values_list("pk", "lemmas", "district_id")
                .iterator(chunk_size=10_000)
            )
            texts: list[tuple[int, str]] = list(
                scope.order_by("pk").values_list("pk", "text").iterator(chunk_size=10_000)
            )
            area_counts, pooled = _term_counts(report, all_areas, documents)
            previous = previous_version(report)
            previous_ids: set[int] = set()
            previous_only: dict[int, str] = {}
            if previous is not None:
                previous_ids = set(
                    ReportMembership.objects.filter(report=previous).values_list(
                        "opinion_id", flat=True
                    )
                )
                gone = previous_ids.difference(row[0] for row in documents)
                previous_only = dict(
                    Opinion.objects.filter(pk__in=sorted(gone)).values_list("pk", "lemmas")
                )
        if summary["opinion_count"] == len(documents) == len(texts):
            return _Read(
                figures,
                summary,
                documents,
                texts,
                area_counts,
                pooled,
                previous,
                previous_ids,
                previous_only,
            )
    raise RuntimeError("the opinions kept changing while the report was read")


Identity = tuple[int, int, int]


def _identity(ids: Iterable[int]) -> Identity:
    """What identifies a set of opinions for the cache: how many, the largest id, the sum."""
    count = top = total = 0
    for pk in ids:
        count, top, total = count + 1, max(top, pk), total + pk
    return count, top, total


def _counts_key(consultation_id: int | None, area_id: int, identity: Identity) -> str:
    raw = repr((SCHEMA, consultation_id, area_id, identity)).encode()
    return "reports:term-counts:" + hashlib.sha256(raw).hexdigest()


def _term_counts(
    report: ThematicReport,
    all_areas: QuerySet[Opinion],
    documents: list[tuple[int, str, int | None]],
) -> tuple[TermCounts, TermCounts]:
    """(this area's term counts, every area's counts of the terms this area could rank).

    Each area's counts are cached under the identity of its set of opinions, so the twelve
    builds started together count each area once between them: every build counts its own
    area, then goes round the other areas starting after its own, counting only those no
    other build has cached yet (two workers thus split the work instead of repeating it).
    """
    identities: dict[int, Identity] = {
        area_id: (count, top, total)
        for area_id, count, top, total in all_areas.order_by()
        .values("area")
        .annotate(count=Count("pk"), top=Max("pk"), total=Sum("pk"))
        .values_list("area", "count", "top", "total")
    }
    consultation_id = report.consultation_id
    own_identity = _identity(pk for pk, _lemmas, _district in documents)
    own_key = _counts_key(consultation_id, report.area_id, own_identity)
    own: TermCounts | None = cache.get(own_key)
    if own is None:
        own = count_terms(lemmas for _pk, lemmas, _district in documents)
        if identities.get(report.area_id) == own_identity:
            cache.set(own_key, own, BACKGROUND_CACHE_SECONDS)
    wanted = sorted(term for term, count in own.counts.items() if count >= MIN_COUNT)
    pooled = TermCounts()

    def include(counts: TermCounts) -> None:
        for term in wanted:
            pooled.counts[term] += counts.counts.get(term, 0)
        pooled.word_total += counts.word_total
        pooled.phrase_total += counts.phrase_total
        pooled.documents += counts.documents

    include(own)
    others = sorted(area_id for area_id in identities if area_id != report.area_id)
    after = [area_id for area_id in others if area_id > report.area_id]
    for area_id in after + [area_id for area_id in others if area_id < report.area_id]:
        key = _counts_key(consultation_id, area_id, identities[area_id])
        counts: TermCounts | None = cache.get(key)
        if counts is None:
            rows = all_areas.filter(area_id=area_id).order_by().values_list("pk", "lemmas")
            counts = TermCounts()
            ids: list[int] = []
            for pk, lemmas in rows.iterator(chunk_size=20_000):
                ids.append(pk)
                counts.add(lemmas)
            # Without a snapshot (SQLite) the set may have changed since its identity was
            # read; such counts serve this build only.
            if _identity(ids) == identities[area_id]:
                cache.set(key, counts, BACKGROUND_CACHE_SECONDS)
        include(counts)
    return own, pooled


def _build(report: ThematicReport, progress: Progress) -> _Built:
    progress(10, NOTE_FIGURES)
    read = _read(report)
    documents = read.documents

    progress(30, NOTE_TERMS)
    area_counts = read.area_counts
    terms = distinctive_terms(area_counts, read.pooled)

    progress(55, NOTE_SUBTHEMES)
    found = report_subthemes.find_subthemes(read.texts, forms_of=[row["term"] for row in terms])
    # Each key term as people write it („plac zabaw”), as the sub-themes' labels show it;
    # `term` stays the lemmas, which its link to the opinions searches.
    for row in terms:
        row["form"] = found.forms.get(row["term"], row["term"])
    district_of = {pk: district for pk, _lemmas, district in documents}
    subthemes = _subtheme_content(found, district_of)
    subtheme_of = found.main_subtheme
    note = found.note
    if not note and area_counts.word_total == 0 and documents:
        note = "no-content-words"

    area = report.area
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "scope": {
            "area": area.slug,
            "area_name": area.name,
            "consultation": report.consultation.slug if report.consultation else None,
            "cutoff": timezone.localtime(report.cutoff_at).isoformat(),
            "opinion_count": read.summary["opinion_count"],
            "event_count": read.summary["event_count"],
            "channel_count": read.summary["channel_count"],
            "district_count": read.summary["district_count"],
            "first_date": read.summary["first_date"],
            "last_date": read.summary["last_date"],
        },
        "method": {
            "terms": "log-odds-dirichlet",
            "term_prior": TERM_PRIOR,
            "min_count": MIN_COUNT,
            "term_unit": "opinions",
            "subthemes": "sentences-lsa-kmeans",
            "k": found.k,
            "k_range": list(found.k_range),
            "k_criterion": "stability",
            "stability": found.stability,
            "stability_by_k": {str(k): value for k, value in found.stability_by_k.items()},
            "stability_seeds": report_subthemes.STABILITY_SEEDS,
            "stable_ari": report_subthemes.STABLE_ARI,
            "min_excess": report_subthemes.MIN_EXCESS,
            "null_draws": report_subthemes.NULL_DRAWS,
            "k_tolerance": report_subthemes.K_TOLERANCE,
            "lsa_dimensions": report_subthemes.LSA_DIMENSIONS,
            "sentences": found.sentences,
            "units": found.units,
            "min_support": report_subthemes.MIN_SUPPORT,
            "mmr_lambda": report_subthemes.MMR_LAMBDA,
            "seed": report_subthemes.SEED,
            "contrasts": "cue-words",
            "contrast_min_side": CONTRAST_MIN_SIDE,
            "lemmatizer": lemmatizer_name(),
            "stopwords": len(REPORT_STOPWORDS),
        },
        "figures": read.figures,
        "terms": terms,
        "subthemes": subthemes,
        "subthemes_note": note,
        # Opinions none of whose sentences is in any sub-theme.
        "subthemes_left_out": len(found.left_out) if subthemes else 0,
        "contrasts": find_contrasts(read.texts, terms, quoted=_quoted(subthemes)),
        "changes": _changes(read, area_counts, terms),
    }
    memberships = [(pk, subtheme_of.get(pk)) for pk, _lemmas, _district in documents]
    carried = report_editing.carry_edits(
        previous=read.previous, content=content, memberships=memberships
    )
    return _Built(content, memberships, carried)


def _quoted(subthemes: list[dict[str, Any]]) -> set[int]:
    """The opinions the sub-themes quote (in a quote or as the summary)."""
    quoted = {quote["opinion_id"] for item in subthemes for quote in item["quotes"]}
    return quoted | {item["summary"]["opinion_id"] for item in subthemes}


def _subtheme_content(
    found: report_subthemes.Result, district_of: dict[int, int | None]
) -> list[dict[str, Any]]:
    if not found.subthemes:
        return []
    districts = {
        pk: (slug, name) for pk, slug, name in District.objects.values_list("pk", "slug", "name")
    }
    main_size: dict[int, int] = {}
    for index in found.main_subtheme.values():
        main_size[index] = main_size.get(index, 0) + 1
    result = []
    for subtheme in found.subthemes:
        tally: dict[int, int] = {}
        for opinion_id in subtheme.supporters:
            district = district_of.get(opinion_id)
            if district is not None:
                tally[district] = tally.get(district, 0) + 1
        top = sorted(tally.items(), key=lambda item: (-item[1], districts[item[0]][1]))[:5]
        result.append(
            {
                "index": subtheme.index,
                "label": subtheme.label,
                "top_terms": subtheme.top_terms,
                # Opinions whose main sub-theme this is (the report's memberships, linked).
                "size": main_size.get(subtheme.index, 0),
                # Opinions with at least one sentence in it.
                "support": len(subtheme.supporters),
                "sentences": subtheme.sentences,
                "summary": {"opinion_id": subtheme.summary_opinion, "text": subtheme.summary},
                "districts": [
                    {"key": districts[pk][0], "label": districts[pk][1], "count": count}
                    for pk, count in top
                ],
                "quotes": [{"opinion_id": pk, "text": text} for text, pk in subtheme.quotes],
            }
        )
    return result


def _changes(
    read: _Read, area_counts: TermCounts, terms: list[dict[str, Any]]
) -> dict[str, Any] | None:
    previous = read.previous
    if previous is None:
        return None
    previous_rows = (previous.content or {}).get("terms", [])
    previous_terms = [row["term"] for row in previous_rows]
    # Written forms: this version's, else the previous one's (none before they were kept).
    forms = {row["term"]: row.get("form", row["term"]) for row in [*previous_rows, *terms]}
    watched = list(dict.fromkeys([row["term"] for row in terms] + previous_terms))
    watched_set = set(watched)
    lemmas_of = {pk: lemmas for pk, lemmas, _district in read.documents}
    lemmas_of.update(read.previous_only)
    before_counts: dict[str, int] = dict.fromkeys(watched, 0)
    for opinion_id in read.previous_ids:
        for term in content_terms(lemmas_of.get(opinion_id, "")) & watched_set:
            before_counts[term] += 1
    before_total = len(read.previous_ids)
    after_total = len(read.documents)

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    shifts = [
        (
            term,
            share(before_counts[term], before_total),
            share(area_counts.counts.get(term, 0), after_total),
        )
        for term in watched
    ]
    rising = sorted(
        (shift for shift in shifts if shift[2] > shift[1]),
        key=lambda shift: (shift[1] - shift[2], shift[0]),
    )
    falling = sorted(
        (shift for shift in shifts if shift[2] < shift[1]),
        key=lambda shift: (shift[2] - shift[1], shift[0]),
    )
    current_ids = {pk for pk, _lemmas, _district in read.documents}
    return {
        "previous_version": previous.version,
        "previous_report": previous.pk,
        "previous_opinion_count": before_total,
        "new_opinions": len(current_ids - read.previous_ids),
        "removed_opinions": len(read.previous_ids - current_ids),
        "rising": [
            {"term": term, "form": forms[term], "before": before, "after": after}
            for term, before, after in rising[:CHANGED_TERMS]
        ],
        "falling": [
            {"term": term, "form": forms[term], "before": before, "after": after}
            for term, before, after in falling[:CHANGED_TERMS]
        ],
    }


def _save(report: ThematicReport, token: dt.datetime, built: _Built) -> None:
    """The result in one transaction: content, count, memberships and status built."""
    with transaction.atomic():
        updated = still_claimed(ThematicReport, report.pk, token).update(
            status=ThematicReport.Status.BUILT,
            content=built.content,
            opinion_count=len(built.memberships),
            built_at=timezone.now(),
            progress=100,
            progress_note=NOTE_DONE,
            error="",
            edit_changes={"carried": built.carried} if built.carried else {},
        )
        if not updated:
            raise ClaimLost
        # None can exist (they are only ever written here, with the status), but a re-run
        # must never be able to add a second set.
        ReportMembership.objects.filter(report_id=report.pk).delete()
        _insert_memberships(report.pk, built.memberships)
        send_after_commit(
            tasks.render_report_files, report.pk, fallback="rendered on the first download"
        )


def _insert_memberships(report_id: int, memberships: list[tuple[int, int | None]]) -> None:
    """COPY on PostgreSQL (150,000 rows in about a second instead of ten), in the caller's
    transaction (core.bulk)."""
    insert_rows(
        ReportMembership,
        ("report_id", "opinion_id", "subtheme"),
        ((report_id, opinion_id, subtheme) for opinion_id, subtheme in memberships),
    )
