"""One analysis run for a burst of submissions, and none lost when the broker fails."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from pytest_django.fixtures import Settings

from lublin2030.celery import app
from opinions import analysis_requests
from opinions.analysis import analyse_backlog
from opinions.models import ImportBatch, Opinion
from opinions.services import submit_opinion
from opinions.tasks import analyse_submitted_opinions
from stages.models import Consultation
from tests.factories import ConsultationFactory, OpinionFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
TEXTS = [
    "Więcej zieleni i drzew na osiedlach Czechowa.",
    "Bezpieczne ścieżki rowerowe wzdłuż Bystrzycy.",
    "Tańsze bilety komunikacji miejskiej dla studentów.",
]


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def consultation() -> Consultation:
    return ConsultationFactory()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the tasks sent to the broker (sent for real; only recorded here)."""
    names: list[str] = []
    send_task = app.send_task

    def recording(name: str, *args: Any, **kwargs: Any) -> Any:
        names.append(name)
        return send_task(name, *args, **kwargs)

    # Through the module's own reference to the app, so a test may swap it afterwards.
    monkeypatch.setattr(app, "send_task", recording)
    return names


def submit(consultation: Consultation, text: str) -> Opinion:
    opinion, created = submit_opinion(consultation=consultation, text=text)
    assert created
    return opinion


def test_a_burst_of_submissions_sends_one_run_that_analyses_them_all(
    consultation: Consultation, sent: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(START, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = submit(consultation, TEXTS[0])
        # Later in the delay: the pending run has not started, so nothing more is sent.
        later = START + dt.timedelta(seconds=0.5)
        with (
            time_machine.travel(later, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            others = [submit(consultation, text) for text in TEXTS[1:]]
    assert sent == [analysis_requests.TASK]

    # The run, when it is due, finds all three.
    assert analyse_submitted_opinions() == 3
    for opinion in [first, *others]:
        opinion.refresh_from_db()
        assert opinion.analysed_at is not None and opinion.lemmas

    # Once the run may have started looking, the next opinion sends a run of its own.
    due_soon = analysis_requests.RUN_DELAY - analysis_requests.CLOCK_MARGIN / 2
    with (
        time_machine.travel(START + dt.timedelta(seconds=due_soon), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit(consultation, "Nowy park na Górkach Czechowskich, bez zabudowy.")
    assert sent == [analysis_requests.TASK, analysis_requests.TASK]


def test_nothing_is_sent_before_the_commit(
    consultation: Consultation, sent: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        submit(consultation, TEXTS[0])
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [analysis_requests.TASK]


def test_imported_opinions_are_left_to_their_import(consultation: Consultation) -> None:
    # An import's rows carry their batch, and the batch enqueues their analysis itself.
    batch = ImportBatch.objects.create(
        consultation=consultation, original_name="karty.csv", sha256="b" * 64
    )
    typed = OpinionFactory(consultation=consultation, text=TEXTS[0], analysed_at=None)
    imported = OpinionFactory(
        consultation=consultation, text=TEXTS[1], analysed_at=None, import_batch=batch
    )

    assert analyse_submitted_opinions() == 1
    typed.refresh_from_db()
    imported.refresh_from_db()
    assert typed.analysed_at is not None
    assert imported.analysed_at is None


def test_a_broker_failure_loses_no_opinion(
    consultation: Consultation,
    monkeypatch: pytest.MonkeyPatch,
    sent: list[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    send_task = app.send_task

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        opinion = submit(consultation, TEXTS[0])
    opinion.refresh_from_db()
    assert opinion.analysed_at is None  # saved all the same

    # No run is taken for pending: the next submission tries the broker again at once.
    monkeypatch.setattr(app, "send_task", send_task)
    with django_capture_on_commit_callbacks(execute=True):
        submit(consultation, TEXTS[1])
    assert sent == [analysis_requests.TASK]

    # And whatever no run took, the periodic catch-up finds.
    assert analyse_backlog() == 2
    opinion.refresh_from_db()
    assert opinion.analysed_at is not None


def test_a_run_that_reaches_its_limit_asks_for_another(
    consultation: Consultation,
    sent: list[str],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    for text in TEXTS:
        OpinionFactory(consultation=consultation, text=text, analysed_at=None)
    monkeypatch.setattr("opinions.analysis.SUBMITTED_RUN_LIMIT", 2)

    # (In the worker there is no transaction around the task, so it is sent at once.)
    with django_capture_on_commit_callbacks(execute=True):
        assert analyse_submitted_opinions() == 2
    assert sent == [analysis_requests.TASK]
    assert analyse_submitted_opinions() == 1
    assert not Opinion.objects.unanalysed().exists()


@pytest.fixture
def worker() -> Iterator[None]:
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.mark.django_db(transaction=True)
def test_the_worker_analyses_every_opinion_of_a_burst(worker: None) -> None:
    consultation = ConsultationFactory()
    opinions = [submit(consultation, text) for text in TEXTS]

    deadline = time.monotonic() + 30
    while Opinion.objects.filter(analysed_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the worker left opinions unanalysed"
        time.sleep(0.1)
    for opinion in opinions:
        opinion.refresh_from_db()
        assert opinion.lemmas
