"""Reading, checking and saving paper-input files (opinions.importing), without the web."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import Workbook

from opinions.importing import batches, checking, commit, messages, reading, verdicts
from opinions.models import Channel, Event, ImportBatch, ImportRow, Opinion
from stages.models import Consultation
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"
CONSULTATION = "jaki-ma-byc-lublin-w-2030"
HEADER = ["text", "area", "district", "channel", "age_band", "collected_on"]
TEXT = "Więcej drzew i ławek na osiedlu, żeby latem był cień."


def csv_bytes(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(**values: str) -> list[str]:
    base = {
        "text": TEXT,
        "area": "miasto-zielone",
        "district": "Czuby Północne",
        "channel": "mobile-point",
        "age_band": "25-34",
        "collected_on": "2019-11-05",
    }
    base.update(values)
    return [base[column] for column in HEADER]


def checked(rows: list[list[str]], *, event: Event | None = None) -> list[verdicts.CheckedRow]:
    table = reading.read_table(csv_bytes(rows), "cards.csv")
    return [item for chunk in verdicts.check_rows(table.rows, event=event) for item in chunk]


def reasons(item: verdicts.CheckedRow | ImportRow) -> list[str]:
    with translation.override("en"):
        return [messages.render_message(reason) for reason in item.reasons]


def import_file(content: bytes, name: str = "cards.csv", *, event: Event | None = None) -> Any:
    """Upload, check and commit, as the tasks do, one after the other."""
    batch = batches.create_batch(
        content=content,
        original_name=name,
        consultation=Consultation.objects.get(slug=CONSULTATION),
        event=event,
        uploaded_by=None,
    )
    checking.check_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.PREVIEW:
        assert commit.claim_commit(batch_id=batch.pk)
        commit.commit_batch(batch_id=batch.pk)
        batch.refresh_from_db()
    return batch


# --- The sample file and re-imports ---------------------------------------------------------


def test_sample_file_imports_all_240_rows_as_pending_opinions(lublin_process: None) -> None:
    event = EventFactory(kind=Event.Kind.DISTRICT_MEETING)

    batch = import_file(SAMPLE.read_bytes(), "opinions-sample.csv", event=event)

    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_total, batch.accepted_count, batch.created_count) == (240, 240, 240)
    assert batch.normalised_count == batch.rejected_count == batch.duplicate_count == 0
    opinions = Opinion.objects.filter(import_batch=batch)
    assert opinions.count() == 240
    assert set(opinions.values_list("status", flat=True)) == {Opinion.Status.PENDING}
    assert set(opinions.values_list("event", flat=True)) == {event.pk}
    assert not opinions.filter(analysed_at__isnull=False).exists()
    assert not opinions.filter(fingerprint__isnull=True).exists()
    # The channel is the row's own when it has one, not the event's.
    assert opinions.filter(channel=Channel.ONLINE).count() == 89
    first = opinions.get(text__startswith="Panel obywatelski jak w Gdańsku")
    assert (first.area.slug, first.district, first.age_band) == ("partycypacja", None, "18-24")
    assert first.collected_on == dt.date(2019, 10, 1)
    second = opinions.get(text__startswith="Budżet obywatelski to dobra rzecz")
    assert second.district.slug == "czuby-polnocne"
    assert ImportRow.objects.filter(batch=batch, opinion__isnull=False).count() == 240


def test_reimporting_the_same_file_adds_nothing(lublin_process: None) -> None:
    import_file(SAMPLE.read_bytes())

    again = import_file(SAMPLE.read_bytes())

    assert (again.duplicate_count, again.accepted_count, again.created_count) == (240, 0, 0)
    assert Opinion.objects.count() == 240
    first_row = ImportRow.objects.get(batch=again, row_number=2)
    assert reasons(first_row) == ["already imported (the same row is saved)"]


def test_the_same_rows_written_differently_are_recognised(lublin_process: None) -> None:
    import_file(csv_bytes([row()]))

    again = import_file(
        csv_bytes(
            [
                row(
                    text=f"  {TEXT}  ",
                    area="Miasto zielone",
                    district="czuby polnocne",
                    channel="Mobile Point",
                    collected_on="05.11.2019",
                )
            ]
        )
    )

    assert again.duplicate_count == 1
    assert Opinion.objects.count() == 1


def test_a_row_repeated_within_the_file_is_saved_once(lublin_process: None) -> None:
    batch = import_file(csv_bytes([row(), row(text="Inna opinia o mieście, też ważna."), row()]))

    assert (batch.accepted_count, batch.duplicate_count, batch.created_count) == (2, 1, 2)
    repeated = ImportRow.objects.get(batch=batch, row_number=4)
    assert repeated.verdict == ImportRow.Verdict.DUPLICATE
    assert reasons(repeated) == ["repeats row 2 of this file"]


# --- Normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "expected", "note"),
    [
        ({"text": f"  {TEXT}   "}, "text", TEXT, "spaces or line breaks in the text tidied"),
        (
            {"text": "Więcej   drzew\t na osiedlu, proszę"},
            "text",
            "Więcej drzew na osiedlu, proszę",
            "spaces or line breaks in the text tidied",
        ),
        (
            {"area": "miasto zielone"},
            "area",
            "miasto-zielone",
            "area “miasto zielone” read as miasto-zielone",
        ),
        (
            {"area": "URBANISTYKA I MOBILNOSC MIEJSKA"},
            "area",
            "urbanistyka-mobilnosc",
            "area “URBANISTYKA I MOBILNOSC MIEJSKA” read as urbanistyka-mobilnosc",
        ),
        ({"area": " sport "}, "area", "sport", "area “sport” read as sport"),
        ({"area": "nie wiem"}, "area", "", "area “nie wiem” read as empty"),
        (
            {"district": "czuby polnocne"},
            "district",
            "czuby-polnocne",
            "district “czuby polnocne” read as Czuby Północne",
        ),
        (
            {"district": "ŚRÓDMIEŚCIE"},
            "district",
            "srodmiescie",
            "district “ŚRÓDMIEŚCIE” read as Śródmieście",
        ),
        (
            {"district": "Czuby  Północne "},
            "district",
            "czuby-polnocne",
            "district “Czuby Północne” read as Czuby Północne",
        ),
        (
            {"channel": "Mobile-Point"},
            "channel",
            "mobile-point",
            "channel “Mobile-Point” read as mobile-point",
        ),
        ({"channel": "ONLINE"}, "channel", "online", "channel “ONLINE” read as online"),
        ({"age_band": "18–24"}, "age_band", "18-24", "age band “18–24” read as 18-24"),
        ({"age_band": "75+"}, "age_band", "75-plus", "age band “75+” read as 75-plus"),
        (
            {"collected_on": "05.11.2019"},
            "collected_on",
            "2019-11-05",
            "date “05.11.2019” read as 2019-11-05",
        ),
        (
            {"collected_on": "5.11.2019"},
            "collected_on",
            "2019-11-05",
            "date “5.11.2019” read as 2019-11-05",
        ),
        (
            {"collected_on": " 2019-11-05 "},
            "collected_on",
            "2019-11-05",
            "date “2019-11-05” read as 2019-11-05",
        ),
    ],
)
def test_normalised_rows_are_accepted_with_what_was_changed(
    lublin_process: None, values: dict[str, str], field: str, expected: str, note: str
) -> None:
    (item,) = checked([row(**values)])

    assert item.verdict == ImportRow.Verdict.NORMALISED
    assert item.data[field] == expected
    assert reasons(item) == [note]


def test_an_area_written_as_its_name_is_accepted_as_it_is(lublin_process: None) -> None:
    (item,) = checked([row(area="Miasto zielone")])

    assert item.verdict == ImportRow.Verdict.ACCEPTED
    assert item.data["area"] == "miasto-zielone"
    assert item.reasons == []


def test_the_preview_names_codes_by_their_labels(lublin_process: None) -> None:
    (item,) = checked([row(area="miasto zielone", channel="Mobile-Point", age_band="75+")])
    stored = ImportRow(row_number=1, verdict=item.verdict, reasons=item.reasons, data=item.data)

    with translation.override("pl"):
        shown = messages.render_reasons(stored, area_names={"miasto-zielone": "Miasto zielone"})

    assert any(reason.endswith("Miasto zielone") for reason in shown)
    assert any(reason.endswith(str(Channel.MOBILE_POINT.label)) for reason in shown), shown
    assert not any("mobile-point" in reason or "75-plus" in reason for reason in shown)


def test_several_normalisations_are_all_listed(lublin_process: None) -> None:
    (item,) = checked([row(area="miasto zielone", channel="CAFE", collected_on="01.12.2019")])

    assert item.verdict == ImportRow.Verdict.NORMALISED
    assert len(item.reasons) == 3


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"district": "czuby-polnocne"},  # slug
        {"district": "Czuby Północne"},  # the name as written in the process
        {"area": "", "district": "", "age_band": ""},
    ],
)
def test_canonical_rows_are_accepted_unchanged(
    lublin_process: None, values: dict[str, str]
) -> None:
    (item,) = checked([row(**values)])

    assert item.verdict == ImportRow.Verdict.ACCEPTED
    assert item.reasons == []


def test_an_event_gives_missing_channel_and_date(lublin_process: None) -> None:
    event = EventFactory(kind=Event.Kind.GAME, held_on=dt.date(2020, 2, 3))

    (item,) = checked([row(channel="", collected_on="")], event=event)

    assert item.verdict == ImportRow.Verdict.ACCEPTED
    assert (item.data["channel"], item.data["collected_on"]) == ("game", "2020-02-03")


# --- Rejections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"text": ""}, "empty text"),
        ({"text": "   "}, "empty text"),
        ({"text": "Za mało"}, "text shorter than 10 characters"),
        ({"text": "x" * 5001}, "text longer than 5000 characters (it has 5001)"),
        ({"area": "lotnisko"}, "unknown area “lotnisko”"),
        ({"district": "Mokotów"}, "unknown district “Mokotów”"),
        ({"channel": "fax"}, "unknown channel “fax”"),
        ({"channel": ""}, "no channel, and no event to take it from"),
        ({"age_band": "40"}, "unknown age band “40”"),
        ({"collected_on": "wczoraj"}, "unreadable date “wczoraj” (write it as YYYY-MM-DD)"),
        ({"collected_on": "31.02.2020"}, "unreadable date “31.02.2020” (write it as YYYY-MM-DD)"),
        ({"collected_on": "2020-13-01"}, "unreadable date “2020-13-01” (write it as YYYY-MM-DD)"),
        ({"collected_on": ""}, "no date, and no event to take it from"),
    ],
)
def test_rejected_rows_say_why(lublin_process: None, values: dict[str, str], reason: str) -> None:
    (item,) = checked([row(**values)])

    assert item.verdict == ImportRow.Verdict.REJECTED
    assert reasons(item) == [reason]
    assert item.fingerprint == ""


def test_a_date_in_the_future_is_rejected(lublin_process: None) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    (item,) = checked([row(collected_on=tomorrow.isoformat())])

    assert reasons(item) == [f"date in the future ({tomorrow.isoformat()})"]


def test_a_row_with_more_cells_than_columns_is_rejected(lublin_process: None) -> None:
    (item,) = checked([[*row(), "a stray cell"]])

    assert reasons(item) == ["more cells than columns (a comma or semicolon outside quotes?)"]


def test_a_row_shifted_by_an_unquoted_comma_gets_that_one_reason(lublin_process: None) -> None:
    content = (
        csv_bytes([]) + "Więcej drzew, i ławek,miasto-zielone,,online,,2019-11-05\r\n".encode()
    )
    table = reading.read_table(content, "karty.csv")

    (item,) = next(verdicts.check_rows(table.rows, event=None))

    assert reasons(item) == ["more cells than columns (a comma or semicolon outside quotes?)"]
    assert item.data["text"] == "Więcej drzew"


def test_a_rejected_row_lists_every_problem_and_keeps_what_it_said(lublin_process: None) -> None:
    (item,) = checked([row(text="krótko", area="lotnisko", channel="fax")])

    assert len(item.reasons) == 3
    assert item.data["area"] == "lotnisko"
    assert item.data["text"] == "krótko"


def test_rejected_rows_are_not_saved(lublin_process: None) -> None:
    batch = import_file(csv_bytes([row(), row(text="krótko"), row(area="lotnisko")]))

    assert (batch.accepted_count, batch.rejected_count, batch.created_count) == (1, 2, 1)
    assert Opinion.objects.count() == 1


def test_a_date_before_the_consultation_opened_is_rejected(lublin_process: None) -> None:
    # The Lublin question opened on 1 October 2019 (00:00 in Warsaw).
    batch = import_file(
        csv_bytes(
            [
                row(collected_on="2019-09-30"),
                row(text=TEXT + " Drugi.", collected_on="2019-10-01"),
                row(text=TEXT + " Trzeci.", collected_on="30.09.2019"),
            ]
        )
    )

    assert (batch.accepted_count, batch.normalised_count, batch.rejected_count) == (1, 0, 2)
    early = ImportRow.objects.get(batch=batch, row_number=2)
    assert reasons(early) == ["date 2019-09-30 is before the consultation opened (on 2019-10-01)"]
    dotted = ImportRow.objects.get(batch=batch, row_number=4)
    assert reasons(dotted) == ["date 2019-09-30 is before the consultation opened (on 2019-10-01)"]
    assert Opinion.objects.get().collected_on == dt.date(2019, 10, 1)


def test_an_event_date_before_the_consultation_opened_is_rejected(lublin_process: None) -> None:
    event = EventFactory(kind=Event.Kind.CAFE, held_on=dt.date(2019, 9, 1))
    consultation = Consultation.objects.get(slug=CONSULTATION)
    table = reading.read_table(csv_bytes([row(collected_on="")]), "karty.csv")

    (item,) = next(verdicts.check_rows(table.rows, event=event, consultation=consultation))

    assert reasons(item) == ["date 2019-09-01 is before the consultation opened (on 2019-10-01)"]


def test_the_dry_run_rejects_dates_before_the_consultation_opened(lublin_process: None) -> None:
    content = csv_bytes([row(collected_on="2019-09-30"), row(text=TEXT + " Drugi.")])
    consultation = Consultation.objects.get(slug=CONSULTATION)

    result = verdicts.dry_run(
        content=content, name="karty.csv", event=None, consultation=consultation
    )

    assert dict(result.counts) == {"accepted": 1, "rejected": 1}
    assert [item.number for item in result.rejected] == [2]


# --- Rows with control characters or garbled text ---------------------------------------------


def test_a_nul_in_one_row_of_five_rejects_that_row_alone(lublin_process: None) -> None:
    rows = [row(text=f"{TEXT} Karta numer {number}.") for number in range(1, 6)]
    rows[2][0] = "Więcej drzew\x00 i ławek na osiedlu."  # a NUL left by a crashed save

    batch = import_file(csv_bytes(rows))

    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_total, batch.accepted_count, batch.rejected_count) == (5, 4, 1)
    assert batch.created_count == 4
    rejected = ImportRow.objects.get(batch=batch, verdict=ImportRow.Verdict.REJECTED)
    assert rejected.row_number == 4  # the header is row 1
    assert reasons(rejected) == ["control character U+0000 in the text"]
    assert rejected.opinion is None
    accepted = ImportRow.objects.filter(batch=batch, verdict=ImportRow.Verdict.ACCEPTED)
    assert sorted(accepted.values_list("row_number", flat=True)) == [2, 3, 5, 6]


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"text": f"{TEXT}\x01"}, "control character U+0001 in the text"),
        ({"text": f"\x1b[31m{TEXT}"}, "control character U+001B in the text"),
        ({"text": f"{TEXT}\x0b{TEXT}"}, "control character U+000B in the text"),
        ({"text": f"{TEXT}\x0c"}, "control character U+000C in the text"),
        ({"area": "sport\x00"}, "control character U+0000 in the column area"),
        ({"district": "Czuby\x1fPółnocne"}, "control character U+001F in the column district"),
        ({"collected_on": "2019-11-05\x00"}, "control character U+0000 in the column collected_on"),
    ],
)
def test_a_control_character_rejects_its_row(
    lublin_process: None, values: dict[str, str], reason: str
) -> None:
    items = checked([row(text=TEXT + " Pierwszy."), row(**values)])

    assert [item.verdict for item in items] == [
        ImportRow.Verdict.ACCEPTED,
        ImportRow.Verdict.REJECTED,
    ]
    assert (items[1].number, reasons(items[1])) == (3, [reason])
    assert items[1].fingerprint == ""


def test_every_damaged_cell_of_a_row_is_named(lublin_process: None) -> None:
    (item,) = checked([row(text=f"{TEXT}\x00", channel="online\x02")])

    assert reasons(item) == [
        "control character U+0000 in the text",
        "control character U+0002 in the column channel",
    ]


def test_tabs_and_line_breaks_are_not_control_characters(lublin_process: None) -> None:
    (item,) = checked([row(text="Więcej drzew\tna osiedlu,\r\nproszę\rbardzo.\n")])

    assert item.is_accepted
    assert item.data["text"] == "Więcej drzew na osiedlu,\nproszę\nbardzo."


def garbled(value: str, encoding: str = "cp1250") -> str:
    """UTF-8 text read in a Windows code page (and saved again as UTF-8).

    A byte the code page leaves undefined is read as the C1 control of the same number, as
    Windows reads it.
    """
    return "".join(
        bytes([byte]).decode(encoding, errors="ignore") or chr(byte) for byte in value.encode()
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"text": garbled(TEXT)},
            "text garbled by a wrong character encoding (“WiÄ™cej”, probably “Więcej”)",
        ),
        (
            {"text": garbled(TEXT, "cp1252")},
            "text garbled by a wrong character encoding (“WiÄ™cej”, probably “Więcej”)",
        ),
        (
            {"text": "Trzeba wiÄ™cej Å‚awek w parku Ludowym."},
            "text garbled by a wrong character encoding (“wiÄ™cej”, probably “więcej”)",
        ),
        (
            # Garbled and saved twice.
            {"text": garbled(garbled(TEXT, "cp1252"), "cp1252")},
            "text garbled by a wrong character encoding (“WiÃ„â„¢cej”, probably “Więcej”)",
        ),
        (
            # Only the typography: „…” around a name.
            {"text": f"Park {garbled('„Ludowy”')} trzeba odnowic."},
            "text garbled by a wrong character encoding (“â€žLudowyâ€ť”, probably “„Ludowy””)",
        ),
        (
            {"district": garbled("Czuby Północne")},
            "column district garbled by a wrong character encoding (“PĂłĹ‚nocne”, probably "
            "“Północne”)",
        ),
    ],
)
def test_garbled_text_rejects_its_row_with_advice(
    lublin_process: None, values: dict[str, str], reason: str
) -> None:
    items = checked([row(text=TEXT + " Pierwszy."), row(**values)])

    assert items[0].verdict == ImportRow.Verdict.ACCEPTED
    assert items[1].verdict == ImportRow.Verdict.REJECTED
    (said,) = reasons(items[1])
    assert said == reason + (
        ": open the original file as UTF-8 and save it again as “CSV UTF-8 (comma delimited)”"
    )


def test_a_garbled_file_rejects_each_row_with_polish_letters(lublin_process: None) -> None:
    original = SAMPLE.read_bytes().decode("utf-8")
    content = garbled(original).encode("utf-8")

    batch = import_file(content, "opinions-sample.csv")

    originals = list(csv.DictReader(io.StringIO(original, newline="")))
    ascii_only = sum(1 for values in originals if "".join(values.values()).isascii())
    assert 0 < ascii_only < 240
    assert (batch.rows_total, batch.accepted_count) == (240, ascii_only)
    assert batch.rejected_count == 240 - ascii_only
    for rejected in ImportRow.objects.filter(batch=batch, verdict=ImportRow.Verdict.REJECTED):
        said = reasons(rejected)
        assert said and all("garbled by a wrong character encoding" in one for one in said), said


def test_no_real_opinion_is_taken_for_garbled_text(lublin_process: None) -> None:
    table = reading.read_table(SAMPLE.read_bytes(), "opinions-sample.csv")

    items = [item for chunk in verdicts.check_rows(table.rows, event=None) for item in chunk]

    assert len(items) == 240
    assert [reasons(item) for item in items if not item.is_accepted] == []
    assert sum(1 for item in items if not item.data["text"].isascii()) > 200


@pytest.mark.parametrize(
    "text",
    [
        "Zażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ – „cytat” i… wielokropek.",
        "Miasta partnerskie: São Paulo, Ålesund, Ärzte ohne Grenzen, Ĺubica, Ăla, Çanakkale.",
        "Ceny w €, temperatura 30°C, ½ budżetu, © Urząd Miasta, ™ i ® też bywają.",
        "Muzyka: Ä (A z umlautem), Å (A z kółkiem), Ã (A z tyldą) – litery, nie błąd.",
    ],
)
def test_correct_text_with_unusual_letters_is_not_taken_for_garbled(
    lublin_process: None, text: str
) -> None:
    (item,) = checked([row(text=text)])

    assert item.verdict == ImportRow.Verdict.ACCEPTED, reasons(item)


# --- Files refused as a whole ---------------------------------------------------------------


def refused_message(content: bytes, name: str) -> str:
    with pytest.raises(messages.FileRefused) as refusal, translation.override("en"):
        reading.read_table(content, name)
    with translation.override("en"):
        return str(refusal.value)


def test_cp1250_file_is_refused_with_advice(lublin_process: None) -> None:
    content = csv_bytes([row()]).decode().encode("cp1250")

    message = refused_message(content, "karty.csv")

    assert "UTF-8" in message
    assert "Windows-1250" in message


def test_utf16_file_is_refused_as_not_utf8(lublin_process: None) -> None:
    assert "UTF-8" in refused_message(csv_bytes([row()]).decode().encode("utf-16"), "karty.csv")


def test_utf8_with_bom_and_semicolons_is_read(lublin_process: None) -> None:
    content = "\ufeff".encode() + csv_bytes([row(), row(text=TEXT + " Drugi.")], delimiter=";")

    table = reading.read_table(content, "karty.csv")

    assert [raw.number for raw in table.rows] == [2, 3]
    assert table.rows[0].values["district"] == "Czuby Północne"


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(
    lublin_process: None,
) -> None:
    content = csv_bytes([row(), ["", "", "", "", "", ""], row(text=TEXT + " Drugi.")])

    table = reading.read_table(content, "karty.csv")

    assert [raw.number for raw in table.rows] == [2, 4]


def test_columns_may_come_in_any_order_and_case(lublin_process: None) -> None:
    header = ["Collected_On", "TEXT", "area", "district", "channel", "age band"]
    content = csv_bytes([["2019-11-05", TEXT, "sport", "", "online", ""]], header=header)

    (item,) = [
        item
        for chunk in verdicts.check_rows(reading.read_table(content, "karty.csv").rows, event=None)
        for item in chunk
    ]

    assert item.verdict == ImportRow.Verdict.ACCEPTED
    assert item.data["text"] == TEXT


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["text", "area", "district", "channel"], "Missing columns: age_band, collected_on."),
        ([*HEADER, "email"], "Unknown columns: email."),
        (
            ["tekst", "area", "district", "channel", "age_band", "collected_on"],
            "Missing columns: text; unknown columns: tekst.",
        ),
        ([*HEADER, "text"], "Columns named more than once: text."),
    ],
)
def test_wrong_columns_are_named(lublin_process: None, header: list[str], expected: str) -> None:
    content = csv_bytes([["x"] * len(header)], header=header)

    assert refused_message(content, "karty.csv").startswith(expected)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "karty.csv", "The file is empty."),
        (b"\r\n\r\n", "karty.csv", "The file is empty."),
        (",".join(HEADER).encode() + b"\r\n", "karty.csv", "The file has a header row but no"),
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "karty.xlsx", "The file could not be read as an"),
        (b"PK\x03\x04 not really a zip", "karty.xlsx", "The file could not be read as an"),
        (b"text,area\x00\x00", "karty.csv", "This does not look like a CSV text file."),
        (b"%PDF-1.4 ...", "karty.pdf", "Only CSV and XLSX files can be imported"),
        (b"PK\x03\x04\x14\x00", "karty.csv", "This does not look like a CSV text file."),
        # UTF-16 without its byte-order mark: every other byte a NUL.
        (
            csv_bytes([row(text="More trees, please!", district="")]).decode().encode("utf-16-le"),
            "karty.csv",
            "This does not look like a CSV text file.",
        ),
        (b"text\x00\x00\x00\x00\x00\x00\x00\x00\n\x00\x00", "karty.csv", "This does not look like"),
        (
            csv_bytes([row()], header=["text\x00", *HEADER[1:]]),
            "karty.csv",
            "The first row (the column names) holds a control character (U+0000).",
        ),
    ],
)
def test_unreadable_files_are_refused(
    lublin_process: None, content: bytes, name: str, expected: str
) -> None:
    assert refused_message(content, name).startswith(expected)


def test_more_than_200000_rows_are_refused(lublin_process: None) -> None:
    content = ",".join(HEADER).encode() + b"\r\n" + b"x,,,,,\r\n" * (reading.MAX_ROWS + 1)

    assert "more than 200 000 rows" in refused_message(content, "karty.csv")


def test_exactly_200000_rows_are_read(lublin_process: None) -> None:
    content = ",".join(HEADER).encode() + b"\r\n" + b"x,,,,,\r\n" * reading.MAX_ROWS

    assert len(reading.read_table(content, "karty.csv").rows) == reading.MAX_ROWS


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (csv_bytes([row()]).decode().encode("cp1250"), "karty.csv"),
        (csv_bytes([row()], header=["text", "area"]), "karty.csv"),
        (b"\x00\x01\x02 garbage", "karty.xlsx"),
        (b"", "karty.csv"),
    ],
)
def test_a_refused_batch_keeps_nothing(lublin_process: None, content: bytes, name: str) -> None:
    batch = import_file(content, name)

    assert batch.status == ImportBatch.Status.REFUSED
    assert messages.render_batch_error(batch)
    assert not batch.file
    assert not ImportRow.objects.exists()
    assert not Opinion.objects.exists()


# --- XLSX -------------------------------------------------------------------------------------


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_file_is_imported(lublin_process: None) -> None:
    content = xlsx_bytes(
        [
            [TEXT, "miasto-zielone", "Czuby Północne", "cafe", "25-34", dt.date(2019, 11, 5)],
            [TEXT + " Drugi.", "sport", None, "game", None, dt.datetime(2020, 1, 7)],
            [None, None, None, None, None, None],  # an empty row Excel kept
            ["Trzecia opinia: park.", "Miasto zielone", "ślady", "online", "", "07.01.2020"],
        ]
    )

    batch = import_file(content, "karty.xlsx")

    assert batch.status == ImportBatch.Status.DONE
    assert (batch.accepted_count, batch.normalised_count, batch.rejected_count) == (2, 0, 1)
    rejected = ImportRow.objects.get(batch=batch, verdict=ImportRow.Verdict.REJECTED)
    assert rejected.row_number == 5
    assert reasons(rejected) == ["unknown district “ślady”"]
    saved = Opinion.objects.get(text=TEXT)
    assert (saved.channel, saved.collected_on) == ("cafe", dt.date(2019, 11, 5))
    assert Opinion.objects.get(text=TEXT + " Drugi.").collected_on == dt.date(2020, 1, 7)


def test_xlsx_with_wrong_columns_is_refused(lublin_process: None) -> None:
    content = xlsx_bytes([[TEXT, "sport"]], header=["opinia", "obszar"])

    assert refused_message(content, "karty.xlsx").startswith("Missing columns: text")


# --- Checking: progress and running twice -----------------------------------------------------


def many_rows(count: int) -> bytes:
    return csv_bytes([row(text=f"{TEXT} Karta numer {number}.") for number in range(count)])


def test_progress_is_written_once_per_thousand_rows(lublin_process: None) -> None:
    batch = batches.create_batch(
        content=many_rows(2500),
        original_name="karty.csv",
        consultation=Consultation.objects.get(slug=CONSULTATION),
        event=None,
        uploaded_by=None,
    )

    with CaptureQueriesContext(connection) as queries:
        checking.check_batch(batch_id=batch.pk)

    progress_updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "opinions_importbatch"')
        and '"rows_processed" =' in query["sql"]
    ]
    # The claim resets it; then one UPDATE per chunk of 1,000 rows (3 for 2,500 rows).
    assert len(progress_updates) == 1 + 3
    row_inserts = [q for q in queries.captured_queries if 'INTO "opinions_importrow"' in q["sql"]]
    # Bulk inserts, never one per row (SQLite allows 999 parameters a statement, so each
    # chunk of 1,000 rows takes a few statements there).
    assert len(row_inserts) <= 30
    batch.refresh_from_db()
    assert (batch.rows_processed, batch.rows_total, batch.accepted_count) == (2500, 2500, 2500)


def test_checking_again_changes_nothing(lublin_process: None) -> None:
    batch = batches.create_batch(
        content=csv_bytes([row(), row(text="krótko")]),
        original_name="karty.csv",
        consultation=Consultation.objects.get(slug=CONSULTATION),
        event=None,
        uploaded_by=None,
    )
    checking.check_batch(batch_id=batch.pk)

    checking.check_batch(batch_id=batch.pk)  # the task delivered twice

    assert ImportRow.objects.filter(batch=batch).count() == 2


def test_a_check_cut_short_is_started_over(lublin_process: None) -> None:
    batch = batches.create_batch(
        content=csv_bytes([row(), row(text="krótko")]),
        original_name="karty.csv",
        consultation=Consultation.objects.get(slug=CONSULTATION),
        event=None,
        uploaded_by=None,
    )
    # The worker died after storing part of the rows: the batch stays in PARSING.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.PARSING)
    ImportRow.objects.create(batch=batch, row_number=2, verdict="accepted", data={})

    checking.check_batch(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    assert (batch.accepted_count, batch.rejected_count) == (1, 1)


def test_tasks_for_missing_batches_do_nothing(lublin_process: None) -> None:
    checking.check_batch(batch_id=987654)
    assert commit.commit_batch(batch_id=987654) == 0


# --- Committing: one transaction, idempotent, analysis in chunks ------------------------------


def checked_batch(content: bytes, *, event: Event | None = None) -> ImportBatch:
    batch = batches.create_batch(
        content=content,
        original_name="karty.csv",
        consultation=Consultation.objects.get(slug=CONSULTATION),
        event=event,
        uploaded_by=None,
    )
    checking.check_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def test_commit_runs_once_even_when_delivered_twice(lublin_process: None) -> None:
    batch = checked_batch(csv_bytes([row(), row(text=TEXT + " Drugi.")]))
    assert commit.claim_commit(batch_id=batch.pk)
    assert not commit.claim_commit(batch_id=batch.pk)  # a second click

    assert commit.commit_batch(batch_id=batch.pk) == 2
    assert commit.commit_batch(batch_id=batch.pk) == 0  # redelivered after it finished

    assert Opinion.objects.count() == 2
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportBatch.Status.DONE, 2)


def test_commit_is_not_run_without_a_claim(lublin_process: None) -> None:
    batch = checked_batch(csv_bytes([row()]))

    assert commit.commit_batch(batch_id=batch.pk) == 0

    assert not Opinion.objects.exists()


def test_rows_saved_meanwhile_by_another_file_are_not_doubled(lublin_process: None) -> None:
    first = checked_batch(csv_bytes([row(), row(text=TEXT + " Drugi.")]))
    second = checked_batch(csv_bytes([row(), row(text=TEXT + " Trzeci.")]))
    assert second.accepted_count == 2  # both were checked before either was saved
    commit.claim_commit(batch_id=first.pk)
    commit.commit_batch(batch_id=first.pk)

    commit.claim_commit(batch_id=second.pk)
    created = commit.commit_batch(batch_id=second.pk)

    assert created == 1
    assert Opinion.objects.count() == 3
    second.refresh_from_db()
    assert (second.accepted_count, second.duplicate_count) == (1, 1)
    lost = ImportRow.objects.get(batch=second, row_number=2)
    assert lost.verdict == ImportRow.Verdict.DUPLICATE
    assert lost.opinion is None
    assert reasons(lost) == ["imported meanwhile from another file"]


def test_commit_links_each_row_to_its_opinion(lublin_process: None) -> None:
    batch = checked_batch(csv_bytes([row(), row(text="krótko")]))
    commit.claim_commit(batch_id=batch.pk)

    commit.commit_batch(batch_id=batch.pk)

    accepted = ImportRow.objects.get(batch=batch, row_number=2)
    assert accepted.opinion is not None
    assert accepted.opinion.text == TEXT
    assert ImportRow.objects.get(batch=batch, row_number=3).opinion is None


def enqueued(callbacks: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """(task name, args) of each `send_after_commit` callback, read from its closure."""
    sent = []
    for callback in callbacks:
        names = dict(
            zip(
                callback.__code__.co_freevars,
                [cell.cell_contents for cell in callback.__closure__ or ()],
                strict=True,
            )
        )
        sent.append((names["task"].name, names["args"]))
    return sent


def test_analysis_is_enqueued_after_commit_in_chunks_of_1000(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    batch = checked_batch(many_rows(2500))
    commit.claim_commit(batch_id=batch.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        commit.commit_batch(batch_id=batch.pk)

    sent = enqueued(callbacks)
    assert [name for name, _args in sent] == ["opinions.tasks.analyse_batch"] * 3
    assert [len(args[0]) for _name, args in sent] == [1000, 1000, 500]
    all_ids = sorted(pk for _name, args in sent for pk in args[0])
    assert all_ids == sorted(Opinion.objects.values_list("pk", flat=True))


def test_upload_enqueues_the_check_after_commit(
    lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        batch = batches.start_import(
            content=csv_bytes([row()]),
            original_name="karty.csv",
            consultation=Consultation.objects.get(slug=CONSULTATION),
            event=None,
            uploaded_by=None,
        )

    assert enqueued(callbacks) == [("opinions.tasks.check_import", (batch.pk,))]
    assert batch.status == ImportBatch.Status.QUEUED
    assert batch.file.read() == csv_bytes([row()])


def test_a_failed_commit_saves_nothing_and_can_be_tried_again(lublin_process: None) -> None:
    batch = checked_batch(csv_bytes([row()]))
    commit.claim_commit(batch_id=batch.pk)
    # A row whose stored data cannot become an opinion makes the commit fail halfway.
    ImportRow.objects.filter(batch=batch).update(data={"text": TEXT})

    with pytest.raises(KeyError):
        commit.commit_batch(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    with translation.override("en"):
        assert "nothing was saved" in messages.render_batch_error(batch)
    assert not Opinion.objects.exists()
