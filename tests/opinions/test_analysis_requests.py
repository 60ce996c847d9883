"""One analysis run for a burst of submissions, and none lost when the broker fails."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lublin2030.celery import app
from opinions.analysis import claims
from opinions.analysis import requests as analysis_requests
from opinions.analysis.runs import analyse_backlog
from opinions.analysis.tasks import analyse_submitted_opinions
from opinions.models import ImportBatch, Opinion
from opinions.services.submission import submit_opinion
from stages.models import Consultation
from tests.factories import ConsultationFactory, OpinionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TEXTS = [
    "Więcej zieleni i drzew na osiedlach Czechowa.",
    "Bezpieczne ścieżki rowerowe wzdłuż Bystrzycy.",
    "Tańsze bilety komunikacji miejskiej dla studentów.",
]


class Clock:
    """The process's clock for pending runs, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(analysis_requests, "clock", fake)
    return fake


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
    consultation: Consultation,
    sent: list[str],
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(consultation, TEXTS[0])
    # Later in the delay: the pending run has not started, so nothing more is sent.
    clock.now += 0.5
    with django_capture_on_commit_callbacks(execute=True):
        others = [submit(consultation, text) for text in TEXTS[1:]]
    assert sent == [analysis_requests.TASK]

    # The run, when it is due, finds all three.
    assert analyse_submitted_opinions() == 3
    for opinion in [first, *others]:
        opinion.refresh_from_db()
        assert opinion.analysed_at is not None and opinion.lemmas

    # Once the run may have started looking, the next opinion sends a run of its own.
    clock.now += analysis_requests.RUN_DELAY - 0.5 - analysis_requests.CLOCK_MARGIN / 2
    with django_capture_on_commit_callbacks(execute=True):
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
    clock: Clock,
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

    # The broker is left alone for a while (each attempt would hold up a request)…
    monkeypatch.setattr(app, "send_task", send_task)
    clock.now += analysis_requests.SEND_RETRY_DELAY / 2
    with django_capture_on_commit_callbacks(execute=True):
        submit(consultation, TEXTS[1])
    assert sent == []
    # …then asked again; that run takes the earlier opinions too.
    clock.now += analysis_requests.SEND_RETRY_DELAY
    with django_capture_on_commit_callbacks(execute=True):
        submit(consultation, TEXTS[2])
    assert sent == [analysis_requests.TASK]
    assert analyse_submitted_opinions() == 3

    # And whatever no run took, the periodic catch-up finds.
    with django_capture_on_commit_callbacks(execute=True):
        late = submit(consultation, "Więcej ławek w parku Saskim, także dla starszych.")
    assert analyse_backlog() == 1
    late.refresh_from_db()
    assert late.analysed_at is not None


def test_runs_that_find_another_working_ask_it_to_look_again_and_do_not_spin(
    consultation: Consultation, sent: list[str]
) -> None:
    OpinionFactory(consultation=consultation, text=TEXTS[0], analysed_at=None)
    working = claims.claim_run()
    assert working is not None

    for _ in range(5):
        assert analyse_submitted_opinions() == 0
    # Five runs found the claim taken: one run is sent, for when the lease lapses (should
    # the working run have died); no other, so nothing spins.
    assert sent == [analysis_requests.TASK]
    assert Opinion.objects.unanalysed().count() == 1
    assert claims.another_run_wanted() is True  # the working run is asked to look again
    assert claims.another_run_wanted() is False  # once

    claims.release_run(working)
    assert analyse_submitted_opinions() == 1
    # A released claim can be taken again; a stale token does not release another's.
    again = claims.claim_run()
    assert again is not None
    claims.release_run(working)
    assert claims.claim_run() is None
    claims.release_run(again)


def test_the_working_run_looks_again_when_asked(
    consultation: Consultation, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opinions.analysis import runs

    OpinionFactory(consultation=consultation, text=TEXTS[0], analysed_at=None)
    real = runs.analyse_submitted

    def meanwhile_another_run_comes() -> tuple[int, bool]:
        assert analyse_submitted_opinions() == 0  # finds the claim taken
        return real()

    monkeypatch.setattr(runs, "analyse_submitted", meanwhile_another_run_comes)

    assert analyse_submitted_opinions() == 1
    # The run that found the claim taken sent one for when the lease lapses; the working
    # run, asked to look again, sent one more look for what the other run brought.
    assert sent == [analysis_requests.TASK, analysis_requests.TASK]


def test_a_lease_kept_by_its_heartbeat_holds_and_a_dead_runs_lapses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(claims, "LEASE_SECONDS", 2)
    alive = claims.claim_run()
    assert alive is not None
    with claims.heartbeat(alive, every=0.5):
        time.sleep(3)  # longer than the lease: only the heartbeat keeps it
        assert claims.claim_run() is None
    # Its holder gone quiet (a killed worker renews nothing), the lease lapses by itself.
    time.sleep(2.5)
    taken_over = claims.claim_run()
    assert taken_over is not None
    assert claims.renew_run(alive) is False
    claims.release_run(taken_over)


def test_an_opinion_whose_analysis_fails_does_not_hold_back_the_others(
    consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opinions.analysis import runs as analysis

    broken = OpinionFactory(consultation=consultation, text=TEXTS[0], analysed_at=None)
    fine = OpinionFactory(consultation=consultation, text=TEXTS[1], analysed_at=None)
    real = analysis.analyse_opinions

    def failing_on_broken(ids: list[int]) -> int:
        if broken.pk in ids:
            raise ValueError("cannot analyse this one")
        return real(ids)

    monkeypatch.setattr(analysis, "analyse_opinions", failing_on_broken)

    assert analyse_submitted_opinions() == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.analysed_at is not None
    assert broken.analysed_at is None


def test_a_run_that_reaches_its_limit_asks_for_another(
    consultation: Consultation,
    sent: list[str],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    for text in TEXTS:
        OpinionFactory(consultation=consultation, text=text, analysed_at=None)
    monkeypatch.setattr("opinions.analysis.runs.SUBMITTED_RUN_LIMIT", 2)

    # (In the worker there is no transaction around the task, so it is sent at once.)
    with django_capture_on_commit_callbacks(execute=True):
        assert analyse_submitted_opinions() == 2
    assert sent == [analysis_requests.TASK]
    assert analyse_submitted_opinions() == 1
    assert not Opinion.objects.unanalysed().exists()


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
