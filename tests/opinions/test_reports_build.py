"""Building thematic reports: figures, versions, claims, failures, the Celery group."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone, translation

from lublin2030.celery import app
from opinions.analysis.text import lemma_string
from opinions.models import AgeBand, Channel, Opinion, ReportMembership, ThematicReport
from opinions.reports import building as reports
from opinions.reports.building import (
    build_report,
    create_report_versions,
    previous_version,
    publish_report,
    report_opinions,
    retry_report,
    start_reports,
    start_reports_with_new_opinions,
    unpublish_report,
)
from opinions.reports.charts import report_figures
from opinions.reports.figures import compute_figures
from stages.models import Consultation, District, Stage, ThematicArea
from tests.factories import ConsultationFactory, EventFactory, editor
from tests.opinions.test_reports_terms import LUBLIN_CONSULTATION, load_sample_opinions

pytestmark = pytest.mark.django_db

NOW = timezone.now()
BUILD = reports.BUILD_TASK
RENDER = reports.RENDER_TASK


def area(slug: str = "miasto-zielone") -> ThematicArea:
    return ThematicArea.objects.get(slug=slug)


def district(slug: str) -> District:
    return District.objects.get(slug=slug)


def add_opinion(
    text: str = "Więcej drzew i zieleni w parku.",
    *,
    in_area: str | None = "miasto-zielone",
    consultation: Consultation | None = None,
    status: str = Opinion.Status.PUBLISHED,
    created_at: dt.datetime | None = None,
    **fields: Any,
) -> Opinion:
    return Opinion.objects.create(
        consultation=consultation or Consultation.objects.get(slug=LUBLIN_CONSULTATION),
        text=text,
        lemmas=lemma_string(text),
        area=area(in_area) if in_area else None,
        status=status,
        created_at=created_at or NOW - dt.timedelta(days=1),
        **{"channel": Channel.ONLINE, **fields},
    )


def new_report(slug: str = "miasto-zielone", **options: Any) -> ThematicReport:
    [report] = create_report_versions(areas=[area(slug)], **options)
    return report


def build(slug: str = "miasto-zielone", **options: Any) -> ThematicReport:
    built = build_report(report_id=new_report(slug, **options).pk)
    assert built.status == ThematicReport.Status.BUILT, built.error
    return built


def canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False)


def rows_by_key(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {row["key"]: row["count"] for row in rows}


GREEN_TEXTS = [
    "Więcej drzew na osiedlach i w parkach, mniej betonu.",
    "Park na Górkach Czechowskich zamiast bloków, drzewa dają cień.",
    "Sadzić drzewa wzdłuż ulic, latem w centrum nie da się oddychać.",
    "Zielone podwórka i ogrody społeczne przy blokach.",
    "Więcej zieleni i ławek w parku Ludowym.",
]


# --- Figures -------------------------------------------------------------------------------


@pytest.fixture
def hand_made(lublin_process: None) -> dict[str, Any]:
    """Five published opinions of the green area in two districts, over three months (one
    without opinions), and the opinions a report must leave out."""
    event = EventFactory(district=district("czuby-poludniowe"))
    specs = [
        ("czuby-poludniowe", Channel.ONLINE, AgeBand.AGE_25_34, dt.date(2020, 1, 10), None),
        ("czuby-poludniowe", Channel.MOBILE_POINT, AgeBand.AGE_25_34, dt.date(2020, 1, 20), event),
        ("czuby-poludniowe", Channel.MOBILE_POINT, "", dt.date(2020, 3, 2), event),
        ("wieniawa", Channel.ONLINE, AgeBand.AGE_60_74, dt.date(2020, 3, 5), None),
        (None, Channel.SURVEY, "", dt.date(2020, 3, 30), None),
    ]
    included = [
        add_opinion(
            text,
            district=district(slug) if slug else None,
            channel=channel,
            age_band=age,
            collected_on=day,
            event=event_,
        )
        for text, (slug, channel, age, day, event_) in zip(GREEN_TEXTS, specs, strict=True)
    ]
    add_opinion("Oczekująca na moderację opinia o drzewach.", status=Opinion.Status.PENDING)
    add_opinion("Opinia o drzewach przysłana po terminie.", created_at=NOW + dt.timedelta(days=1))
    add_opinion("Autobusy co pięć minut na każdej linii.", in_area="urbanistyka-mobilnosc")
    add_opinion("Opinia bez obszaru, o wszystkim i o niczym.", in_area=None)
    return {"included": included, "event": event}


def test_figures_count_each_category_with_zeros_shown(hand_made: dict[str, Any]) -> None:
    report = build(now=NOW)
    content = report.content
    figures = content["figures"]

    assert report.opinion_count == 5
    assert content["scope"] | {"cutoff": None} == {
        "area": "miasto-zielone",
        "area_name": "Miasto zielone",
        "consultation": None,
        "cutoff": None,
        "opinion_count": 5,
        "event_count": 1,
        "channel_count": 3,
        "district_count": 2,
        "first_date": "2020-01-10",
        "last_date": "2020-03-30",
    }
    assert dt.datetime.fromisoformat(content["scope"]["cutoff"]) == NOW
    channels = rows_by_key(figures["by_channel"])
    assert list(channels) == list(Channel.values)
    assert channels == dict.fromkeys(Channel.values, 0) | {
        "online": 2,
        "mobile-point": 2,
        "survey": 1,
    }
    assert figures["by_channel"][0]["label"] == "formularz internetowy"
    districts = rows_by_key(figures["by_district"])
    assert len(districts) == District.objects.count() + 1 == 28
    assert districts["czuby-poludniowe"] == 3
    assert districts["wieniawa"] == 1
    assert districts[""] == 1  # without a district, listed last
    assert figures["by_district"][-1]["key"] == ""
    assert sum(districts.values()) == 5
    assert sorted(count for key, count in districts.items() if count == 0) == [0] * 25
    labels = [row["label"] for row in figures["by_district"][:-1]]
    assert labels.index("Sławinek") < labels.index("Śródmieście") < labels.index("Tatary")
    ages = rows_by_key(figures["by_age_band"])
    assert list(ages) == [*AgeBand.values, ""]
    assert (ages["25-34"], ages["60-74"], ages[""], ages["18-24"]) == (2, 1, 2, 0)
    assert figures["by_month"] == [
        {"key": "2020-01", "label": "01.2020", "count": 2},
        {"key": "2020-02", "label": "02.2020", "count": 0},
        {"key": "2020-03", "label": "03.2020", "count": 3},
    ]
    # Every area's published opinions in scope (the pending, late and area-less left out).
    assert figures["area_share"] == {"count": 5, "total": 6, "share": round(5 / 6, 4)}
    members = set(
        ReportMembership.objects.filter(report=report).values_list("opinion_id", flat=True)
    )
    assert members == {opinion.pk for opinion in hand_made["included"]}


def test_the_monthly_chart_keeps_to_the_consultations_period(lublin_process: None) -> None:
    consultation = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    opens = timezone.localtime(consultation.opens_at).date()
    add_opinion("Więcej drzew w parku.", collected_on=opens + dt.timedelta(days=3))
    add_opinion("Więcej drzew przy ulicach.", collected_on=opens + dt.timedelta(days=40))
    # A paper card typed with a wrong year: without the period, 80 months of zeros.
    add_opinion("Więcej zieleni na osiedlu.", collected_on=opens - dt.timedelta(days=2400))

    report = build(now=NOW)
    figures = report.content["figures"]

    months = [row["key"] for row in figures["by_month"]]
    assert months[0] == f"{opens:%Y-%m}"
    assert len(months) <= 3
    assert sum(row["count"] for row in figures["by_month"]) == 2
    assert figures["outside_period"] == 1
    assert figures["period"][0] == opens.isoformat()
    assert report.content["scope"]["opinion_count"] == 3
    with translation.override("en"):
        [month] = [figure for figure in report_figures(report.content) if figure.key == "by_month"]
    assert "1 opinion dated outside this period is counted in the report" in month.note


def test_each_figure_is_one_aggregate_query(
    hand_made: dict[str, Any], django_assert_num_queries: Any
) -> None:
    report = new_report(now=NOW)
    scope = reports.report_scope(report)
    every_area = Opinion.objects.published().filter(area__isnull=False, created_at__lte=NOW)

    with django_assert_num_queries(9):
        # 1 opinions, events, districts, first and last day (one aggregate)
        # + the consultations' opening and closing (the monthly chart's period)
        # 2 GROUP BY channel
        # 3 GROUP BY district
        # 4 the districts of the process (every one is listed)
        # 5 GROUP BY age band
        # 6 GROUP BY month, within the period
        # + COUNT of the opinions dated outside the period
        # 7 COUNT of every area's opinions in scope (the share's denominator)
        figures, summary = compute_figures(scope, every_area)

    assert summary["opinion_count"] == 5
    assert figures["area_share"]["total"] == 6


def test_an_area_without_opinions_gives_a_short_report(lublin_process: None) -> None:
    add_opinion("Autobusy co pięć minut na każdej linii.", in_area="urbanistyka-mobilnosc")

    report = build("sport")
    content = report.content

    assert report.opinion_count == 0
    assert content["scope"]["opinion_count"] == 0
    assert (content["scope"]["first_date"], content["scope"]["last_date"]) == (None, None)
    assert content["figures"]["by_month"] == []
    assert all(row["count"] == 0 for row in content["figures"]["by_channel"])
    assert content["figures"]["area_share"] == {"count": 0, "total": 1, "share": 0.0}
    assert (content["terms"], content["subthemes"]) == ([], [])
    assert content["subthemes_note"] == "too-few-opinions"
    assert content["method"]["k"] is None
    assert content["changes"] is None


def test_no_opinions_anywhere_divides_nothing_by_zero(lublin_process: None) -> None:
    content = build("sport").content

    assert content["figures"]["area_share"] == {"count": 0, "total": 0, "share": 0.0}


def test_the_monthly_chart_keeps_each_opinion_to_its_own_consultations_period(
    lublin_process: None,
) -> None:
    # The all-consultations report: the Lublin question is open until 2030, the draft
    # strategy's consultation for five weeks of 2021.
    lublin = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    draft = Consultation.objects.get(slug="projekt-strategii-2021")
    lublin_opens = timezone.localtime(lublin.opens_at).date()
    draft_opens = timezone.localtime(draft.opens_at).date()
    add_opinion("Więcej drzew w parku.", collected_on=lublin_opens + dt.timedelta(days=3))
    add_opinion("Więcej drzew w strategii.", consultation=draft, collected_on=draft_opens)
    # A comment on the 2021 draft dated 2029: inside the Lublin question's period, but not
    # its own consultation's; it would stretch the chart over eight years of zeros.
    add_opinion("Więcej zieleni w strategii.", consultation=draft, collected_on=dt.date(2029, 3, 1))

    report = build(now=NOW)
    figures = report.content["figures"]

    months = [row["key"] for row in figures["by_month"]]
    assert (months[0], months[-1]) == (f"{lublin_opens:%Y-%m}", f"{draft_opens:%Y-%m}")
    assert sum(row["count"] for row in figures["by_month"]) == 2
    assert figures["outside_period"] == 1
    assert figures["periods"] == 2
    with translation.override("en"):
        [month] = [figure for figure in report_figures(report.content) if figure.key == "by_month"]
    assert month.note.startswith("Opinions dated within the period of the consultation each")
    assert "1 opinion dated outside this period is counted in the report" in month.note


def test_key_terms_are_shown_as_people_write_them(lublin_process: None) -> None:
    for index in range(6):
        add_opinion(f"Nowy plac zabaw na osiedlu numer {index}.")
        add_opinion(f"Plac zabaw przy szkole numer {index} jest zniszczony.")
    add_opinion("Autobus co pięć minut.", in_area="urbanistyka-mobilnosc")

    report = build(now=NOW)

    rows = {row["term"]: row for row in report.content["terms"]}
    assert rows["plac zabawa"]["form"] == "plac zabaw"
    # The lemmas stay the term's key: its link searches the opinions by them.
    assert list(report_opinions(report, term="plac zabawa"))
    # The method records the lemmatizer that made the lemmas, with its version and dictionary.
    assert report.content["method"]["lemmatizer"].startswith("Morfeusz 2 1.")
    assert "sgjp" in report.content["method"]["lemmatizer"]


def test_one_opinion_gives_no_subthemes_and_says_why(lublin_process: None) -> None:
    only = add_opinion("Więcej drzew na osiedlu Czuby, mniej betonu.")

    report = build()

    assert report.opinion_count == 1
    assert report.content["subthemes"] == []
    assert report.content["subthemes_note"] == "too-few-opinions"
    assert list(report_opinions(report)) == [only]


def test_stop_words_and_emoji_are_counted_without_terms(lublin_process: None) -> None:
    for index in range(12):
        add_opinion("i w na 🙂🙂🙂 !!! ale czy " + "😀" * index)

    report = build()

    assert report.opinion_count == 12
    assert report.content["terms"] == []
    assert report.content["subthemes"] == []
    assert report.content["subthemes_note"] == "no-content-words"
    assert ReportMembership.objects.filter(report=report, subtheme__isnull=True).count() == 12


def test_a_consultation_report_counts_only_that_consultation(lublin_process: None) -> None:
    other = ConsultationFactory(slug="inna-konsultacja", stage=Stage.objects.get(number=2))
    add_opinion()
    add_opinion(consultation=other)
    add_opinion(consultation=other, in_area="sport")

    report = build(consultation=other)

    assert report.opinion_count == 1
    assert report.content["scope"]["consultation"] == "inna-konsultacja"
    assert report.content["figures"]["area_share"] == {"count": 1, "total": 2, "share": 0.5}


# --- The sample: terms, sub-themes, traceability, determinism -------------------------------


@pytest.fixture
def sample(lublin_process: None) -> list[Opinion]:
    return load_sample_opinions()


@pytest.fixture
def sample_and_demo(sample: list[Opinion]) -> None:
    """The sample and 1,500 generated opinions: enough for sub-themes (20 an area are not)."""
    from lublin2030.demo.opinions import seed_demo_opinions

    seed_demo_opinions(consultation=Consultation.objects.get(slug=LUBLIN_CONSULTATION), count=1500)


def test_every_number_and_quote_is_traceable_to_its_opinions(sample_and_demo: None) -> None:
    report = build()
    content = report.content
    members = ReportMembership.objects.filter(report=report)
    total = content["scope"]["opinion_count"]

    assert members.count() == report.opinion_count == total > 20
    assert report_opinions(report).count() == total
    assert content["subthemes"], content["subthemes_note"]
    assert sum(theme["size"] for theme in content["subthemes"]) == (
        members.filter(subtheme__isnull=False).count()
    )
    quoted: list[int] = []
    for theme in content["subthemes"]:
        in_theme = report_opinions(report, subtheme=theme["index"])
        assert in_theme.count() == theme["size"] <= theme["support"]
        assert len(theme["quotes"]) <= 4
        summary = theme["summary"]
        assert summary["text"] in Opinion.objects.get(pk=summary["opinion_id"]).text
        for quote in [summary, *theme["quotes"]]:
            # Word for word, a sentence of the opinion it names.
            assert quote["text"] in Opinion.objects.get(pk=quote["opinion_id"]).text
            quoted.append(quote["opinion_id"])
        assert sum(row["count"] for row in theme["districts"]) <= theme["support"]
    # No opinion is quoted twice in the report.
    assert len(quoted) == len(set(quoted))
    assert [theme["index"] for theme in content["subthemes"]] == list(
        range(len(content["subthemes"]))
    )
    supports = [theme["support"] for theme in content["subthemes"]]
    assert supports == sorted(supports, reverse=True)
    # Left out: opinions none of whose sentences is in a sub-theme (an opinion whose main
    # sub-theme is none has no sentence in any).
    assert content["subthemes_left_out"] == members.filter(subtheme__isnull=True).count()
    for term in content["terms"]:
        assert report_opinions(report, term=term["term"]).count() == term["count"]
    method = content["method"]
    assert method["k"] == len(content["subthemes"]) or method["k"] > len(content["subthemes"])
    assert method["k_criterion"] == "stability"
    assert method["k"] < method["k_range"][1]


def test_the_same_opinions_give_the_same_report_byte_for_byte(sample: list[Opinion]) -> None:
    report = build()
    first = canonical(report.content)
    first_members = list(
        ReportMembership.objects.filter(report=report)
        .order_by("opinion_id")
        .values_list("opinion_id", "subtheme")
    )
    # Built again from scratch (as after a crash before the result was written).
    ReportMembership.objects.filter(report=report).delete()
    ThematicReport.objects.filter(pk=report.pk).update(
        status=ThematicReport.Status.QUEUED, content={}, started_at=None
    )

    again = build_report(report_id=report.pk)

    assert canonical(again.content) == first
    assert (
        list(
            ReportMembership.objects.filter(report=report)
            .order_by("opinion_id")
            .values_list("opinion_id", "subtheme")
        )
        == first_members
    )
    # A new version of the same opinions says the same, and that nothing changed.
    second = build_report(report_id=new_report(now=report.cutoff_at).pk)
    assert canonical(second.content | {"changes": None}) == first
    assert second.content["changes"]["new_opinions"] == 0
    assert second.content["changes"]["rising"] == second.content["changes"]["falling"] == []


def test_changes_since_the_previous_version(lublin_process: None) -> None:
    for index in range(10):
        add_opinion(f"Autobus co pięć minut, linia {index}.", in_area="urbanistyka-mobilnosc")
    for index in range(12):
        add_opinion(f"Więcej drzew i zieleni na osiedlu numer {index}.")
    first = build(now=NOW)
    for index in range(8):
        add_opinion(f"Ścieżka rowerowa przez park numer {index}, rowerem do pracy.")

    second = build(now=NOW)
    changes = second.content["changes"]

    assert previous_version(second) == first
    assert second.version == first.version + 1
    assert changes["previous_version"] == first.version
    assert changes["previous_opinion_count"] == 12
    assert changes["new_opinions"] == 8
    assert changes["removed_opinions"] == 0
    rising = {row["term"]: row for row in changes["rising"]}
    assert "rower" in rising
    assert (rising["rower"]["before"], rising["rower"]["after"]) == (0.0, 0.4)
    falling = {row["term"]: row for row in changes["falling"]}
    assert falling["drzewo"]["before"] == 1.0
    assert falling["drzewo"]["after"] == 0.6


# --- Claims, failures, idempotency ----------------------------------------------------------


def test_building_a_built_report_again_changes_nothing(sample: list[Opinion]) -> None:
    report = build()
    before = (report.built_at, canonical(report.content), report.opinion_count)

    again = build_report(report_id=report.pk)

    assert (again.built_at, canonical(again.content), again.opinion_count) == before
    assert ReportMembership.objects.filter(report=report).count() == 20


def test_a_failed_build_stores_why_and_can_be_retried(
    sample: list[Opinion], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = new_report()

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the clustering crashed")

    # Fault injection: the build crashes halfway, after its progress was written.
    monkeypatch.setattr(reports.report_subthemes, "find_subthemes", crash)
    failed = build_report(report_id=report.pk)

    assert failed.status == ThematicReport.Status.FAILED
    assert failed.error == "RuntimeError: the clustering crashed"
    assert failed.progress == 55
    assert failed.content == {}
    assert not ReportMembership.objects.filter(report=report).exists()

    monkeypatch.undo()
    queued = retry_report(report=failed)
    assert (queued.status, queued.error, queued.progress) == (ThematicReport.Status.QUEUED, "", 0)
    built = build_report(report_id=report.pk)
    assert built.status == ThematicReport.Status.BUILT
    assert ReportMembership.objects.filter(report=report).count() == built.opinion_count == 20


def test_only_a_failed_report_can_be_retried(sample: list[Opinion]) -> None:
    with pytest.raises(ValidationError):
        retry_report(report=build())


@contextmanager
def live_builder(report_id: int) -> Iterator[None]:
    """Another process building the report: its builder lock, held from another thread (so
    from another database session on PostgreSQL, another open file on SQLite)."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with reports._builder_lock(report_id) as held:
                assert held
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        thread.join(10)


def test_a_report_being_built_by_a_live_builder_is_left_alone(lublin_process: None) -> None:
    add_opinion()
    report = new_report()
    ThematicReport.objects.filter(pk=report.pk).update(
        status=ThematicReport.Status.BUILDING, started_at=timezone.now()
    )

    with live_builder(report.pk):
        untouched = build_report(report_id=report.pk)
    assert untouched.status == ThematicReport.Status.BUILDING
    assert not ReportMembership.objects.filter(report=report).exists()

    # Its builder is gone (the lock went with it): a redelivered task takes over at once.
    taken_over = build_report(report_id=report.pk)
    assert taken_over.status == ThematicReport.Status.BUILT
    assert taken_over.opinion_count == 1


def test_a_build_whose_claim_was_taken_over_writes_nothing(lublin_process: None) -> None:
    add_opinion()
    report = new_report()

    def taken_over(percent: int, note: str) -> None:
        if note == "terms":
            # Another builder claimed the report meanwhile (its claim looked expired).
            ThematicReport.objects.filter(pk=report.pk).update(
                started_at=timezone.now() + dt.timedelta(seconds=1)
            )

    result = build_report(report_id=report.pk, on_progress=taken_over)

    assert result.status == ThematicReport.Status.BUILDING
    assert result.content == {}
    assert not ReportMembership.objects.filter(report=report).exists()


def test_progress_goes_through_the_stages_of_a_build(lublin_process: None) -> None:
    add_opinion()
    seen: list[tuple[int, str]] = []

    report = build_report(
        report_id=new_report().pk, on_progress=lambda percent, note: seen.append((percent, note))
    )

    assert seen == [
        (10, "figures"),
        (30, "terms"),
        (55, "sub-themes"),
        (85, "saving"),
        (100, "done"),
    ]
    assert (report.progress, report.progress_note) == (100, "done")


def test_files_are_rendered_after_the_build_commits(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    add_opinion()
    report = new_report()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        build_report(report_id=report.pk)

    # The render task is sent only after the result's transaction commits.
    assert len(callbacks) == 1


# --- Starting, publishing, the nightly job --------------------------------------------------


def test_start_reports_queues_a_new_version_per_area_and_sends_them_after_commit(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    person = editor()
    old = build("sport")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = start_reports(requested_by=person, now=NOW)

    assert len(started) == 12
    assert [report.area.number for report in started] == list(range(1, 13))
    assert {report.status for report in started} == {ThematicReport.Status.QUEUED}
    assert {report.cutoff_at for report in started} == {NOW}
    assert {report.requested_by for report in started} == {person}
    versions = {report.area.slug: report.version for report in started}
    assert versions["sport"] == old.version + 1
    assert versions["kultura"] == 1
    assert len(callbacks) == 1  # one Celery group, sent once the versions are committed


def test_reports_stay_queued_and_say_so_when_the_broker_is_down(
    lublin_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery import canvas

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(canvas.group, "apply_async", broker_down)
    started = start_reports(areas=[area()])

    assert reports.enqueue_report_builds([started[0].pk]) is False
    started[0].refresh_from_db()
    assert (started[0].status, started[0].progress_note) == ("queued", "queue-unavailable")


def test_publishing_needs_a_built_report(lublin_process: None) -> None:
    person = editor()
    queued = new_report()
    with pytest.raises(ValidationError):
        publish_report(report=queued, editor=person)

    built = build_report(report_id=queued.pk)
    published = publish_report(report=built, editor=person)
    assert published.is_published and published.published_by == person
    assert list(ThematicReport.objects.published()) == [published]

    hidden = unpublish_report(report=published)
    assert (hidden.published_at, hidden.published_by) == (None, None)
    assert hidden.status == ThematicReport.Status.BUILT


def test_nightly_job_builds_only_areas_with_opinions_not_in_their_latest_version(
    lublin_process: None,
) -> None:
    add_opinion()
    add_opinion("Autobusy co pięć minut na każdej linii.", in_area="urbanistyka-mobilnosc")

    first = start_reports_with_new_opinions(now=NOW)
    assert {report.area.slug for report in first} == {"miasto-zielone", "urbanistyka-mobilnosc"}
    # Queued ones are not started twice.
    assert start_reports_with_new_opinions(now=NOW) == []
    for report in first:
        build_report(report_id=report.pk)
    assert start_reports_with_new_opinions(now=NOW) == []

    add_opinion("Nowy park kieszonkowy na Wrotkowie.", created_at=NOW)
    later = NOW + dt.timedelta(minutes=1)
    again = start_reports_with_new_opinions(now=later)
    assert [(report.area.slug, report.version) for report in again] == [("miasto-zielone", 2)]


# --- The command ----------------------------------------------------------------------------


def test_command_builds_one_area_in_process(sample: list[Opinion]) -> None:
    out = StringIO()

    call_command("build_reports", "--area", "miasto-zielone", "--sync", stdout=out)

    report = ThematicReport.objects.get(area__slug="miasto-zielone")
    assert report.status == ThematicReport.Status.BUILT
    assert "sub-themes" in out.getvalue()
    assert "built from 20 opinions" in out.getvalue()


def test_command_queues_all_areas_by_default(lublin_process: None) -> None:
    out = StringIO()

    call_command("build_reports", stdout=out)

    assert ThematicReport.objects.filter(status=ThematicReport.Status.QUEUED).count() == 12
    assert len(out.getvalue().splitlines()) == 12


# --- A real worker --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_the_group_started_by_start_reports(
    lublin_process: None, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_sample_opinions()
    chosen = list(ThematicArea.objects.filter(slug__in=["miasto-zielone", "kultura", "sport"]))
    finished: list[tuple[str, int]] = []

    def record(sender: Any = None, task: Any = None, args: Any = None, **kwargs: Any) -> None:
        if task is not None and args:
            finished.append((task.name, args[0]))

    # Watched through Celery's signals, not the database: with SQLite's shared in-memory
    # test database, reading a table while the worker thread writes it fails at once.
    task_postrun.connect(record, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60):
            started = start_reports(areas=chosen)
            # Each build, then the rendering of its files that the build enqueues.
            expected = {(task, report.pk) for report in started for task in (BUILD, RENDER)}
            deadline = time.monotonic() + 120
            while not expected <= set(finished) and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        task_postrun.disconnect(record)

    assert expected <= set(finished)
    ids = [report.pk for report in started]
    built = ThematicReport.objects.filter(pk__in=ids)
    assert {report.status for report in built} == {ThematicReport.Status.BUILT}
    counts = dict(
        ReportMembership.objects.filter(report_id__in=ids)
        .values("report")
        .annotate(count=Count("pk"))
        .values_list("report", "count")
    )
    assert counts == {report.pk: report.opinion_count for report in built}
    assert set(counts.values()) == {20}
