"""The import pages: upload, progress, preview, commit, report; and a real Celery worker."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from opinions.importing import batches, checking, commit
from opinions.models import Event, ImportBatch, ImportRow, Opinion
from stages.models import Consultation
from tests.factories import EventFactory, moderator
from tests.opinions.test_events import ALLOWED, client_as
from tests.opinions.test_importing import TEXT, csv_bytes, enqueued, row
from tests.roles import ROLES, expect_refused

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"
CONSULTATION = "jaki-ma-byc-lublin-w-2030"


@pytest.fixture
def client(lublin_process: None) -> Client:
    client = Client()
    client.force_login(moderator())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English messages
    return client


def new_batch(content: bytes, *, event: Event | None = None, check: bool = True) -> ImportBatch:
    batch = batches.create_batch(
        content=content,
        original_name="karty.csv",
        consultation=Consultation.objects.get(slug=CONSULTATION),
        event=event,
        uploaded_by=None,
    )
    if check:
        checking.check_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def upload(client: Client, content: bytes, name: str = "karty.csv", **data: Any) -> Any:
    consultation = Consultation.objects.get(slug=CONSULTATION)
    return client.post(
        reverse("opinions:import_upload"),
        {"file": SimpleUploadedFile(name, content), "consultation": consultation.pk, **data},
    )


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "takes_pk", "headers"),
    [
        ("opinions:import_list", False, {}),
        ("opinions:import_upload", False, {}),
        ("opinions:import_detail", True, {}),
        ("opinions:import_progress", True, {"HX-Request": "true"}),
        ("opinions:import_report", True, {}),
    ],
)
def test_import_pages_only_for_moderators(
    lublin_process: None, role: str, name: str, takes_pk: bool, headers: dict[str, str]
) -> None:
    batch = new_batch(csv_bytes([row()]), check=False)
    url = reverse(name, args=[batch.pk]) if takes_pk else reverse(name)

    response = client_as(role).get(url, headers=headers)

    if role in ALLOWED:
        assert response.status_code == 200
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_can_save_a_batch(lublin_process: None, role: str) -> None:
    batch = new_batch(csv_bytes([row()]))

    response = client_as(role).post(reverse("opinions:import_commit", args=[batch.pk]))

    batch.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert batch.status == ImportBatch.Status.COMMITTING
    else:
        expect_refused(response, role)
        assert batch.status == ImportBatch.Status.PREVIEW


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_uploads_by_others_are_refused(lublin_process: None, role: str) -> None:
    expect_refused(upload(client_as(role), csv_bytes([row()])), role)

    assert not ImportBatch.objects.exists()


# --- Upload -----------------------------------------------------------------------------------


def test_upload_stores_the_batch_and_shows_its_progress(client: Client) -> None:
    event = EventFactory()

    response = upload(client, SAMPLE.read_bytes(), "opinions-sample.csv", event=event.pk)

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("opinions:import_detail", args=[batch.pk])
    assert (batch.status, batch.event, batch.original_name) == (
        ImportBatch.Status.QUEUED,
        event,
        "opinions-sample.csv",
    )
    assert batch.file.read() == SAMPLE.read_bytes()
    html = client.get(response.url).content.decode()
    assert "<progress" in html
    assert f'hx-get="{reverse("opinions:import_progress", args=[batch.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert f'href="{response.url}"' in html  # "Refresh" without JavaScript


def test_upload_form_suggests_the_open_consultation_and_the_event(client: Client) -> None:
    event = EventFactory()

    response = client.get(reverse("opinions:import_upload"), {"event": event.pk})

    form = response.context["form"]
    assert form["consultation"].value() == Consultation.objects.get(slug=CONSULTATION).pk
    assert form["event"].value() == event.pk


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            csv_bytes([row()]).decode().encode("cp1250"),
            "karty.csv",
            "The file is not saved as UTF-8",
        ),
        (csv_bytes([row()], header=["text", "obszar"]), "karty.csv", "Missing columns: area"),
        (b"\x13\x37 garbage \x00\xff", "karty.xlsx", "could not be read as an Excel workbook"),
        (b"", "karty.csv", "The submitted file is empty."),
        (b"\r\n", "karty.csv", "The file is empty."),
    ],
)
def test_a_refused_file_saves_nothing_and_keeps_the_choices(
    client: Client, content: bytes, name: str, message: str
) -> None:
    event = EventFactory()

    response = upload(client, content, name, event=event.pk)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'aria-describedby="id_file_helptext id_file_error"' in html
    assert f'<option value="{event.pk}" selected>' in html
    assert not ImportBatch.objects.exists()
    assert not ImportRow.objects.exists()
    assert not Opinion.objects.exists()


# --- Progress ---------------------------------------------------------------------------------


def test_progress_partial_polls_while_checking(client: Client) -> None:
    batch = new_batch(csv_bytes([row()]), check=False)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.PARSING, rows_total=4000, rows_processed=1000
    )
    url = reverse("opinions:import_progress", args=[batch.pk])

    response = client.get(url, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert '<progress id="import-progress-bar" max="100" value="25">25 %</progress>' in html
    assert "25 % (1000 of 4000 rows)" in html
    assert 'hx-trigger="every 1s"' in html
    assert "HX-Request" in response["Vary"]


def test_progress_of_a_commit_comes_from_the_worker(client: Client) -> None:
    batch = new_batch(csv_bytes([row(), row(text=TEXT + " Drugi.")]))
    commit.claim_commit(batch_id=batch.pk)
    cache.set(commit.progress_key(batch.pk), 1)

    response = client.get(
        reverse("opinions:import_progress", args=[batch.pk]), headers={"HX-Request": "true"}
    )

    assert "50 % (1 of 2 rows)" in response.content.decode()


def test_progress_stops_polling_and_reloads_the_page_when_done(client: Client) -> None:
    batch = new_batch(csv_bytes([row()]))

    response = client.get(
        reverse("opinions:import_progress", args=[batch.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_progress_without_htmx_goes_to_the_page(client: Client) -> None:
    batch = new_batch(csv_bytes([row()]))

    response = client.get(reverse("opinions:import_progress", args=[batch.pk]))

    assert response.status_code == 302
    assert response.url == reverse("opinions:import_detail", args=[batch.pk])


# --- Preview ----------------------------------------------------------------------------------


def mixed_file() -> bytes:
    return csv_bytes(
        [
            row(),
            row(text="krótko"),
            row(text=TEXT + " Drugi.", area="MIASTO ZIELONE", channel="Mobile-Point"),
            row(),
            row(text="<script>alert(1)</script> na pewno tak", area="lotnisko"),
        ]
    )


def test_preview_shows_counts_rows_and_the_save_button(client: Client) -> None:
    batch = new_batch(mixed_file())

    response = client.get(reverse("opinions:import_detail", args=[batch.pk]))

    html = response.content.decode()
    assert (batch.accepted_count, batch.normalised_count) == (1, 1)
    assert (batch.rejected_count, batch.duplicate_count) == (2, 1)
    assert "Save 2 accepted rows" in html
    assert "text shorter than 10 characters" in html
    # What was read is named as people know it, not by its code.
    assert "area “MIASTO ZIELONE” read as Miasto zielone" in html
    assert "channel “Mobile-Point” read as mobile point" in html
    assert "mobile-point" not in html
    assert "repeats row 2 of this file" in html
    assert "Miasto zielone" in html  # the area's name, not its slug
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "</span>6</th>" in html


def test_preview_filters_rows_by_verdict(client: Client) -> None:
    batch = new_batch(mixed_file())
    url = reverse("opinions:import_detail", args=[batch.pk])

    response = client.get(url, {"verdict": "rejected"})

    numbers = [shown["number"] for shown in response.context["shown_rows"]]
    assert numbers == [3, 6]


def test_preview_filter_with_htmx_returns_the_table_only(client: Client) -> None:
    batch = new_batch(mixed_file())
    url = reverse("opinions:import_detail", args=[batch.pk])

    response = client.get(
        url, {"verdict": "duplicate"}, headers={"HX-Request": "true", "HX-Target": "import-rows"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="import-rows"')
    assert "repeats row 2 of this file" in html
    assert "krótko" not in html


def test_preview_table_is_paginated_keeping_the_filter(client: Client) -> None:
    batch = new_batch(csv_bytes([row(text=f"{TEXT} Karta {n}.") for n in range(120)]))
    url = reverse("opinions:import_detail", args=[batch.pk])

    response = client.get(url, {"verdict": "accepted", "page": 3})

    assert [shown["number"] for shown in response.context["shown_rows"]] == list(range(102, 122))
    assert "?verdict=accepted&amp;page=2" in response.content.decode()


def test_preview_table_takes_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: Any
) -> None:
    batch = new_batch(
        csv_bytes(
            [row(text=f"{TEXT} Karta {n}.", area="Miasto zielone") for n in range(30)]
            + [row(text="krótko")] * 10
        )
    )
    url = reverse("opinions:import_detail", args=[batch.pk])

    # 1 session, 2 user, 3 the user's groups (the permission), 4 the batch with its event,
    # consultation and uploader, 5 an earlier upload of the same file, 6 count of rows for
    # the pager, 7 the page of rows, 8 areas and 9 districts (their names for the table).
    with django_assert_num_queries(9):
        response = client.get(url)

    assert len(response.context["shown_rows"]) == 40


def test_saving_is_requested_once(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    batch = new_batch(mixed_file())
    url = reverse("opinions:import_commit", args=[batch.pk])

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(url)
        client.post(url)  # a double click

    assert enqueued(callbacks) == [("opinions.tasks.commit_import", (batch.pk,))]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTING
    html = client.get(reverse("opinions:import_detail", args=[batch.pk])).content.decode()
    assert "Saving the accepted rows" in html


def test_the_result_page_after_saving(client: Client) -> None:
    batch = new_batch(mixed_file())
    commit.claim_commit(batch_id=batch.pk)
    commit.commit_batch(batch_id=batch.pk)

    html = client.get(reverse("opinions:import_detail", args=[batch.pk])).content.decode()

    assert "2 opinions saved." in html
    assert "Save 2 accepted rows" not in html


def test_a_refused_batch_page_says_why(client: Client) -> None:
    batch = new_batch(csv_bytes([row()], header=["text"]))

    html = client.get(reverse("opinions:import_detail", args=[batch.pk])).content.decode()

    assert batch.status == ImportBatch.Status.REFUSED
    assert "Missing columns: area, district, channel, age_band, collected_on." in html


def test_a_second_upload_of_the_same_file_is_pointed_out(client: Client) -> None:
    first = new_batch(mixed_file())
    second = new_batch(mixed_file())

    html = client.get(reverse("opinions:import_detail", args=[second.pk])).content.decode()

    assert reverse("opinions:import_detail", args=[first.pk]) in html


def test_a_file_with_a_nul_in_one_row_is_uploaded_and_that_row_rejected(client: Client) -> None:
    rows = [row(text=f"{TEXT} Karta {number}.") for number in range(1, 6)]
    rows[3][0] = "Więcej ławek\x00 na osiedlu."

    response = upload(client, csv_bytes(rows))

    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    checking.check_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.accepted_count, batch.rejected_count) == ("preview", 4, 1)
    page = client.get(reverse("opinions:import_detail", args=[batch.pk]), {"verdict": "rejected"})
    assert [shown["number"] for shown in page.context["shown_rows"]] == [5]
    html = page.content.decode()
    assert "control character U+0000 in the text" in html
    assert "Save 4 accepted rows" in html


def test_the_preview_says_how_dates_are_read(client: Client) -> None:
    batch = new_batch(mixed_file())

    html = client.get(reverse("opinions:import_detail", args=[batch.pk])).content.decode()

    assert (
        "Dates are read as YYYY-MM-DD, DD.MM.YYYY (also D.M.YYYY) or YYYY-MM-DD 00:00 (also "
        "YYYY-MM-DDT00:00:00)"
    ) in html
    assert "Each is saved as YYYY-MM-DD" in html
    assert "before the consultation opened (2019-10-01) rejects the row." in html


def test_the_preview_says_how_dates_are_read_in_polish(lublin_process: None) -> None:
    polish = Client()
    polish.force_login(moderator())
    polish.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    batch = new_batch(mixed_file())

    html = polish.get(reverse("opinions:import_detail", args=[batch.pk])).content.decode()

    assert "Daty są odczytywane w formatach RRRR-MM-DD, DD.MM.RRRR (także D.M.RRRR)" in html
    assert "sprzed otwarcia konsultacji (2019-10-01)" in html


def test_the_upload_page_lists_the_date_formats(client: Client) -> None:
    html = client.get(reverse("opinions:import_upload")).content.decode()

    assert "YYYY-MM-DD, DD.MM.YYYY (also D.M.YYYY), YYYY-MM-DD 00:00" in html
    assert "saved as YYYY-MM-DD; not in the future nor before the consultation opened" in html


# --- List and report --------------------------------------------------------------------------


def test_import_list_takes_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: Any
) -> None:
    event = EventFactory()
    for number in range(4):
        new_batch(csv_bytes([row(text=f"{TEXT} {number}.")]), event=event if number % 2 else None)

    # 1 session, 2 user, 3 the user's groups (the permission), 4 count for the pager,
    # 5 the page of batches with their events and uploaders.
    with django_assert_num_queries(5):
        response = client.get(reverse("opinions:import_list"))

    assert len(response.context["page"].object_list) == 4


def read_report(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_report_lists_every_row_with_formulas_neutralised(client: Client) -> None:
    batch = new_batch(
        csv_bytes(
            [
                row(text='=HYPERLINK("http://zły.example","kliknij")'),
                row(text="@SUM(A1:A2) i jeszcze trochę tekstu"),
                row(text="krótko"),
            ]
        )
    )

    response = client.get(reverse("opinions:import_report", args=[batch.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_report(response)
    assert rows[0] == ["row", "verdict", "reasons", "text"]
    assert rows[1] == ["2", "accepted", "", '\'=HYPERLINK("http://zły.example","kliknij")']
    assert rows[2][3] == "'@SUM(A1:A2) i jeszcze trochę tekstu"
    assert rows[3] == ["4", "rejected", "text shorter than 10 characters", "krótko"]


# --- A real worker over the configured broker ----------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not holds(condition):
        if time.monotonic() > deadline:
            pytest.fail("the worker did not finish in time")
        time.sleep(0.2)


def holds(condition: Callable[[], bool]) -> bool:
    try:
        return condition()
    except OperationalError:
        # The test database of SQLite is in memory with a shared cache, where a table the
        # worker is writing in an open transaction cannot be read at all ("table is
        # locked"), unlike the database file the portal uses. Ask again a moment later.
        return False


def batch_status(pk: int) -> str:
    return ImportBatch.objects.values_list("status", flat=True).get(pk=pk)


@pytest.mark.django_db(transaction=True)
def test_check_and_commit_run_in_a_real_worker(lublin_process: None, worker: None) -> None:
    client = Client()
    client.force_login(moderator())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    upload(client, SAMPLE.read_bytes(), "opinions-sample.csv")
    batch = ImportBatch.objects.get()
    wait_for(lambda: batch_status(batch.pk) == ImportBatch.Status.PREVIEW)
    html = client.get(reverse("opinions:import_detail", args=[batch.pk])).content.decode()
    assert "Save 240 accepted rows" in html

    client.post(reverse("opinions:import_commit", args=[batch.pk]))
    wait_for(lambda: batch_status(batch.pk) == ImportBatch.Status.DONE)

    batch.refresh_from_db()
    assert batch.created_count == 240
    assert Opinion.objects.filter(import_batch=batch).count() == 240
    # The analysis was enqueued after the commit and the same worker does it.
    wait_for(lambda: not Opinion.objects.filter(analysed_at__isnull=True).exists())
