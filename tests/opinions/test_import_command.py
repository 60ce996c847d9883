"""`manage.py import_opinions`: the import's rules, run synchronously from a shell."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from opinions.models import Event, ImportBatch, ImportRow, Opinion
from tests.factories import EventFactory
from tests.opinions.test_importing import csv_bytes, row, xlsx_bytes

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"


def run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_opinions", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, content: bytes, name: str = "karty.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_imports_the_sample_and_a_second_run_adds_nothing(lublin_process: None) -> None:
    output = run(str(SAMPLE))

    assert "  accepted: 240" in output
    assert "240 opinions saved." in output
    assert Opinion.objects.count() == 240
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.DONE
    assert batch.original_name == "opinions-sample.csv"

    again = run(str(SAMPLE))

    assert "  duplicate: 240" in again
    assert "0 opinions saved." in again
    assert Opinion.objects.count() == 240


def test_dry_run_saves_nothing_at_all(lublin_process: None, tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes([row(), row(text="krótko"), row(area="lotnisko")]))

    output = run(path, "--dry-run")

    assert "Rows: 3" in output
    assert "  accepted: 1" in output
    assert "  rejected: 2" in output
    assert "row 3: text shorter than 10 characters" in output
    assert "row 4: unknown area “lotnisko”" in output
    assert "nothing was saved" in output
    assert not ImportBatch.objects.exists()
    assert not ImportRow.objects.exists()
    assert not Opinion.objects.exists()


def test_event_and_consultation_are_used(lublin_process: None, tmp_path: Path) -> None:
    event = EventFactory(kind=Event.Kind.SURVEY)
    path = write(tmp_path, csv_bytes([row(channel="", collected_on="")]))

    run(path, "--event", str(event.pk), "--consultation", "jaki-ma-byc-lublin-w-2030")

    opinion = Opinion.objects.get()
    assert (opinion.event, opinion.channel, opinion.collected_on) == (
        event,
        "survey",
        event.held_on,
    )
    assert opinion.consultation.slug == "jaki-ma-byc-lublin-w-2030"


def test_rejected_rows_are_reported(lublin_process: None, tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes([row(), row(channel="fax")]))

    output = run(path)

    assert "row 3: unknown channel “fax”" in output
    assert "1 opinions saved." in output


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_refused_file_saves_nothing(lublin_process: None, tmp_path: Path, dry_run: bool) -> None:
    path = write(tmp_path, csv_bytes([row()]).decode().encode("cp1250"))

    with pytest.raises(CommandError, match="UTF-8"):
        run(path, *(["--dry-run"] if dry_run else []))

    assert not ImportBatch.objects.exists()
    assert not Opinion.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/file.csv"], "Cannot read"),
        ([str(SAMPLE), "--event", "424242"], "No event with id 424242"),
        ([str(SAMPLE), "--consultation", "nie-ma"], "No consultation with slug"),
    ],
)
def test_bad_arguments_are_explained(lublin_process: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)

    assert not ImportBatch.objects.exists()


def test_xlsx_file_is_imported(lublin_process: None, tmp_path: Path) -> None:
    path = write(tmp_path, xlsx_bytes([[*row()[:5], "2019-11-05"]]), "karty.xlsx")

    output = run(path)

    assert "1 opinions saved." in output
