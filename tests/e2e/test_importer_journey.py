"""Paper input: a moderator records an event, types in its cards, then imports a file of
cards, which a real Celery worker checks and saves; the same file again adds nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from opinions.importing import messages, reading
from opinions.models import TEXT_MIN_LENGTH, Channel, Event, ImportBatch, ImportRow, Opinion
from stages.models import District, ThematicArea
from tests.e2e.conftest import (
    assert_accessible,
    celery_worker,
    in_polish,
    log_in,
    wait_until,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from lublin2030.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"
SAMPLE_ROWS = 30
EVENT_TITLE = "Punkt mobilny na Placu Litewskim"
EVENT_DATE = dt.date(2020, 6, 13)
CARDS = [
    "Więcej koszy na śmieci i ławek na deptaku, bo w weekend brakuje miejsc do siedzenia.",
    "Darmowe warsztaty dla młodzieży w domach kultury w każdej dzielnicy, także latem.",
]
NORMALISED_TEXT = "Nowy park nad Bystrzycą z placem zabaw i miejscem na rodzinne pikniki."
ROCKETS_TEXT = "Lądowisko dla rakiet na obrzeżach miasta, najlepiej blisko lotniska."
UNKNOWN_AREA = "Kosmodrom"
SHORT_TEXT = "Za mało."
FILE_NAME = "karty-punkt-mobilny.csv"
WORKER_TIMEOUT_MS = 60_000


def import_file(directory: Path) -> Path:
    """30 rows of the sample, one with the area's name in lower case, two that cannot be saved."""
    with SAMPLE.open(encoding="utf-8", newline="") as sample:
        reader = csv.reader(sample)
        header = next(reader)
        rows = [next(reader) for _ in range(SAMPLE_ROWS)]
    assert header == list(reading.COLUMNS)
    rows += [
        [NORMALISED_TEXT, "miasto zielone", "Czechów Północny", "mobile-point", "25-34", ""],
        [ROCKETS_TEXT, UNKNOWN_AREA, "", "mobile-point", "", "2020-06-13"],
        [SHORT_TEXT, "sport", "", "mobile-point", "", "2020-06-13"],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = directory / FILE_NAME
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def verdict_counts(page: Page) -> dict[str, str]:
    """The counts the preview shows, by the verdict its link filters on ("" for all rows)."""
    counts = {}
    for item in page.locator("main ul.verdict-counts > li").all():
        href = item.locator("a").get_attribute("href") or ""
        verdict = href.partition("verdict=")[2]
        counts[verdict] = (item.text_content() or "").rsplit(":", 1)[1].strip()
    return counts


def upload(page: Page, path: Path, event: Event) -> ImportBatch:
    page.locator("nav.site-nav a[href='/staff/imports/']").click()
    expect(page).to_have_url(re.compile(r"/staff/imports/$"))
    assert_accessible(page)
    page.locator("main a[href='/staff/imports/new/']").click()
    expect(page).to_have_url(re.compile(r"/staff/imports/new/$"))
    assert_accessible(page)
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[type='file'][name='file']").set_input_files(path)
    form.locator("select[name='event']").select_option(str(event.pk))
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/staff/imports/\d+/$"))
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch is not None
    assert page.url.endswith(f"/staff/imports/{batch.pk}/")
    assert (batch.event, batch.original_name) == (event, FILE_NAME)
    return batch


def card_saved(count: int, opinion: Opinion) -> str:
    return in_polish(
        lambda: (
            gettext("Saved #%(count)s from this event (opinion no. %(number)s).")
            % {"count": count, "number": opinion.pk}
        )
    )


def commit_button(page: Page, batch: ImportBatch) -> Locator:
    return page.locator(f"main form[action='/staff/imports/{batch.pk}/commit/'] button")


def test_importer_types_in_cards_and_imports_a_file(
    page: Page, verified_moderator: User, tmp_path: Path, empty_task_queue: None
) -> None:
    district = District.objects.get(slug="srodmiescie")
    other_district = District.objects.get(slug="czuby-polnocne")
    culture = ThematicArea.objects.get(slug="kultura")
    log_in(page, verified_moderator)

    # --- An event -----------------------------------------------------------------------
    page.locator("nav.site-nav a[href='/staff/events/']").click()
    expect(page).to_have_url(re.compile(r"/staff/events/$"))
    assert_accessible(page)
    page.locator("main a[href='/staff/events/new/']").click()
    expect(page).to_have_url(re.compile(r"/staff/events/new/$"))
    assert_accessible(page)
    form = page.locator("main form.narrow")
    form.locator("select[name='kind']").select_option(Event.Kind.MOBILE_POINT.value)
    form.locator("input[name='title']").fill(EVENT_TITLE)
    form.locator("input[name='held_on']").fill(EVENT_DATE.isoformat())
    form.locator("input[name='place']").fill("Plac Litewski")
    form.locator("select[name='district']").select_option(str(district.pk))
    form.locator("input[name='participants']").fill("42")
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/staff/events/$"))
    event = Event.objects.get()
    assert (event.kind, event.title, event.held_on, event.district) == (
        Event.Kind.MOBILE_POINT,
        EVENT_TITLE,
        EVENT_DATE,
        district,
    )
    assert event.created_by == verified_moderator
    expect(page.locator("main .messages .message--success")).to_contain_text(EVENT_TITLE)
    event_row = page.locator("main table tbody tr", has_text=EVENT_TITLE)
    expect(event_row).to_contain_text(district.name)
    assert_accessible(page)

    # --- Typing in two cards, Ctrl+Enter each; the event's details stay ------------------
    event_row.locator(f"a[href='/staff/events/{event.pk}/type-in/']").click()
    expect(page).to_have_url(re.compile(rf"/staff/events/{event.pk}/type-in/$"))
    typein = page.locator("form[data-typein]")
    text = typein.locator("textarea[name='text']")
    kept = {
        "district": typein.locator("select[name='district']"),
        "channel": typein.locator("select[name='channel']"),
        "collected_on": typein.locator("input[name='collected_on']"),
    }
    expected_kept = {
        "district": str(district.pk),
        "channel": Channel.MOBILE_POINT.value,
        "collected_on": EVENT_DATE.isoformat(),
    }
    for name, field in kept.items():
        expect(field).to_have_value(expected_kept[name])
    expect(text).to_be_focused()
    assert_accessible(page)

    text.fill(CARDS[0])
    typein.locator("select[name='area']").select_option(str(culture.pk))
    text.press("Control+Enter")
    status = page.locator("#typein-status .message--success")
    expect(status).to_be_visible()
    expect(status).to_have_text(card_saved(1, Opinion.objects.get(text=CARDS[0])))
    expect(text).to_have_value("")
    expect(text).to_be_focused()  # ready for the next card
    expect(typein.locator("select[name='area']")).to_have_value("")
    for name, field in kept.items():
        expect(field).to_have_value(expected_kept[name])
    expect(page.locator("ul.recent-cards > li")).to_have_count(1)
    assert_accessible(page)

    # Another district for the next cards: it stays too.
    kept["district"].select_option(str(other_district.pk))
    expected_kept["district"] = str(other_district.pk)
    text.fill(CARDS[1])
    text.press("Control+Enter")
    expect(page.locator("ul.recent-cards > li")).to_have_count(2)
    expect(status).to_have_text(card_saved(2, Opinion.objects.get(text=CARDS[1])))
    expect(text).to_have_value("")
    expect(text).to_be_focused()  # ready for the next card
    for name, field in kept.items():
        expect(field).to_have_value(expected_kept[name])
    expect(page.locator("ul.recent-cards > li")).to_have_count(2)
    expect(page.locator("ul.recent-cards > li").first).to_contain_text(CARDS[1][:40])
    assert_accessible(page)

    typed = list(Opinion.objects.order_by("pk"))
    assert [opinion.text for opinion in typed] == CARDS
    assert all(opinion.event == event for opinion in typed)
    assert all(opinion.channel == Channel.MOBILE_POINT for opinion in typed)
    assert all(opinion.collected_on == EVENT_DATE for opinion in typed)
    assert [opinion.district for opinion in typed] == [district, other_district]
    assert [opinion.area for opinion in typed] == [culture, None]
    assert all(opinion.status == Opinion.Status.PENDING for opinion in typed)

    # --- Importing a file for the event -------------------------------------------------
    # The worker runs only while the test lets it, so that each progress bar is seen (and
    # checked) for sure before the work is done.
    path = import_file(tmp_path)
    batch = upload(page, path, event)
    expect_progress(page, "queued")
    assert_accessible(page)

    with celery_worker():
        # The page polls; once checked it reloads itself with the preview.
        expect_no_progress(page)
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEW
        assert verdict_counts(page) == {
            "": "33",
            ImportRow.Verdict.ACCEPTED: "30",
            ImportRow.Verdict.NORMALISED: "1",
            ImportRow.Verdict.REJECTED: "2",
            ImportRow.Verdict.DUPLICATE: "0",
        }
        expect(commit_button(page, batch)).to_contain_text("31")
        assert_accessible(page)

    # Only the rejected rows, with their reasons (swapped in by htmx).
    show_rows(page, ImportRow.Verdict.REJECTED)
    rejected = page.locator("#import-rows tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.locator("th")).to_have_text([re.compile(r"\b33$"), re.compile(r"\b34$")])
    expect(rejected.nth(0).locator("td ul > li")).to_have_text(
        [reason(messages.UNKNOWN_AREA, value=UNKNOWN_AREA)]
    )
    expect(rejected.nth(1).locator("td ul > li")).to_have_text(
        [reason(messages.TEXT_TOO_SHORT, min=TEXT_MIN_LENGTH)]
    )
    assert_accessible(page)

    # The normalised row says what was read how.
    show_rows(page, ImportRow.Verdict.NORMALISED)
    normalised = page.locator("#import-rows tbody tr")
    expect(normalised).to_have_count(1)
    expect(normalised.locator("td ul > li")).to_have_text(
        # Read as the area's name, not its code.
        [reason(messages.AREA_READ_AS, value="miasto zielone", slug="Miasto zielone")]
    )
    assert_accessible(page)

    # Saving: the page follows the worker, then shows how many opinions it created.
    commit_button(page, batch).click()
    expect(page).to_have_url(re.compile(rf"/staff/imports/{batch.pk}/$"))
    expect_progress(page, "committing")
    assert_accessible(page)
    with celery_worker():
        expect_no_progress(page)
        expect(page.locator("main .message--success strong")).to_have_text(saved(31))
        expect(commit_button(page, batch)).to_have_count(0)
        batch.refresh_from_db()
        assert (batch.status, batch.created_count) == (ImportBatch.Status.DONE, 31)
        imported = Opinion.objects.filter(import_batch=batch)
        assert imported.count() == 31
        assert set(imported.values_list("event", flat=True)) == {event.pk}
        assert set(imported.values_list("status", flat=True)) == {Opinion.Status.PENDING}
        green = imported.get(text=NORMALISED_TEXT)
        assert green.area == ThematicArea.objects.get(slug="miasto-zielone")
        assert green.collected_on == EVENT_DATE  # no date in the row: the event's
        assert not imported.filter(text__in=[ROCKETS_TEXT, SHORT_TEXT]).exists()
        assert_accessible(page)

        # The analysis the commit enqueued runs in the same worker; let it finish before
        # anything else writes (the in-memory SQLite database takes one writer at a time).
        wait_until(
            lambda: not Opinion.objects.filter(analysed_at__isnull=True).exists(),
            what="the analysis of the imported opinions",
        )

    # The report of every row, as a CSV file.
    report = page.locator(f"main a[href='/staff/imports/{batch.pk}/report.csv']")
    with page.expect_download() as download_info:
        report.click()
    download = download_info.value
    assert download.suggested_filename == f"import-{batch.pk}-report.csv"
    with Path(download.path()).open(encoding="utf-8-sig", newline="") as report_file:
        lines = list(csv.reader(report_file))
    assert len(lines) == 1 + 33
    assert [line[0] for line in lines[1:]] == [str(number) for number in range(2, 35)]
    served = page.request.get(f"/staff/imports/{batch.pk}/report.csv")
    assert served.status == 200
    assert served.headers["content-type"].startswith("text/csv")
    assert "attachment" in served.headers["content-disposition"]

    # --- The same file again: every row it can save is saved already --------------------
    before = Opinion.objects.count()
    again = upload(page, path, event)
    expect_progress(page, "queued")
    assert_accessible(page)
    with celery_worker():
        expect_no_progress(page)
        assert verdict_counts(page) == {
            "": "33",
            ImportRow.Verdict.ACCEPTED: "0",
            ImportRow.Verdict.NORMALISED: "0",
            ImportRow.Verdict.REJECTED: "2",
            ImportRow.Verdict.DUPLICATE: "31",
        }
        # The earlier upload is named, and there is nothing to save.
        earlier = page.locator(f"main .message--warning a[href='/staff/imports/{batch.pk}/']")
        expect(earlier).to_be_visible()
        expect(commit_button(page, again)).to_have_count(0)
        assert_accessible(page)

        # Committing anyway (a form resent from an old tab) saves nothing either.
        token = page.locator("input[name='csrfmiddlewaretoken']").first.input_value()
        committed = page.request.post(
            f"/staff/imports/{again.pk}/commit/",
            form={"csrfmiddlewaretoken": token},
            headers={"Referer": page.url},
        )
        assert committed.ok
        wait_until(
            lambda: ImportBatch.objects.get(pk=again.pk).status == ImportBatch.Status.DONE,
            what="the commit of the second file",
        )
    page.reload()
    expect(page.locator("main .message--success strong")).to_have_text(saved(0))
    assert_accessible(page)
    again.refresh_from_db()
    assert (again.created_count, again.duplicate_count) == (0, 31)
    assert Opinion.objects.count() == before


def expect_progress(page: Page, status: str) -> None:
    """The progress bar of a batch waiting for the worker, polling every second."""
    progress = page.locator("#import-progress")
    expect(progress.locator("progress#import-progress-bar")).to_be_visible()
    expect(progress).to_have_attribute("hx-trigger", re.compile(r"\bevery\b"))
    expect(page.locator(f"main .badge--import-{status}")).to_be_visible()


def expect_no_progress(page: Page) -> None:
    """The worker is done: the page has reloaded itself without the progress bar."""
    expect(page.locator("#summary-title")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    expect(page.locator("#import-progress")).to_have_count(0)


def show_rows(page: Page, verdict: str) -> None:
    """Filter the rows by verdict: htmx swaps the table and puts the filter in the address."""
    page.locator("select#verdict-filter").select_option(verdict)
    with page.expect_response(lambda r: f"verdict={verdict}" in r.url) as filtered:
        page.locator("main form[hx-target='#import-rows'] button[type='submit']").click()
    assert filtered.value.request.headers.get("hx-request") == "true"
    expect(page).to_have_url(re.compile(rf"\?verdict={verdict}$"))


def reason(msgid: str, **params: object) -> str:
    return in_polish(lambda: messages.render_message(messages.message(msgid, **params)))


def saved(count: int) -> str:
    """The result's headline (a `blocktranslate count` of the template)."""
    return in_polish(lambda: _saved(count))


def _saved(count: int) -> str:
    return ngettext("%(counter)s opinion saved.", "%(counter)s opinions saved.", count) % {
        "counter": count
    }
