"""What every test shares: the tests' own cache and broker, the Lublin process, a Celery worker.

The Lublin process is loaded once into a transaction that stays open while the tests that
use it run; each test's own transaction is a savepoint inside it, so whatever a test changes
is rolled back and the next one finds the process as shipped. Tests that commit (browser
tests, real workers, races) flush the database afterwards and load the process themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from hypothesis import settings as hypothesis_settings
from pytest_django.fixtures import validate_django_db

from stages.process_loader import load_process

if TYPE_CHECKING:
    from django.db.transaction import Atomic
    from pytest_django.plugin import DjangoDbBlocker

LUBLIN_PROCESS = Path(settings.BASE_DIR) / "data" / "processes" / "lublin2030.toml"

# No test is timed (speed is `make bench`'s): Hypothesis's default 200 ms deadline per example
# failed a property test on a loaded machine (the first example warms caches), so it is off.
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")


# --- The tests' own cache, broker and files -------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    worker_id: str = getattr(config, "workerinput", {}).get("workerid", "")
    own_services(worker_id).enable()


def own_services(worker_id: str) -> override_settings:
    """Settings that give this test process a cache, a broker and files nobody else uses.

    Each test clears the cache, the browser tests purge the broker and a worker started by
    a test takes whatever is queued: never the portal's own (REDIS_BROKER_DB and
    REDIS_CACHE_DB, or the folders under VAR_DIR), nor another xdist worker's. Redis
    databases: REDIS_TEST_DB (by default the one after the portal's two) and the next for
    the first xdist worker (or a run without xdist), the two after those for the second...
    """
    folder = Path(settings.VAR_DIR) / "test-run" / (worker_id or "main")
    for name in ("cache", "media", "queue", "processed", "control", "results"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    overrides: dict[str, Any] = {
        # The build locks' files (core/builds.py) and whatever else is kept under VAR_DIR:
        # two test processes both build a report number 1.
        "VAR_DIR": folder,
        # PBKDF2's deliberate slowness is for real passwords, not for test accounts.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MEDIA_ROOT": folder / "media",
        # Tests write with factories between two requests, which no request-side invalidation
        # sees: the anonymous page cache is on only where a test turns it on
        # (tests/core/test_page_cache.py).
        "PAGE_CACHE_SECONDS": 0,
    }
    if settings.REDIS_URL:
        from lublin2030.settings import redis_url_with_db

        index = int(worker_id.removeprefix("gw") or 0)
        first = int(
            os.environ.get("REDIS_TEST_DB")
            or max(settings.REDIS_BROKER_DB, settings.REDIS_CACHE_DB) + 1
        )
        cache = redis_url_with_db(settings.REDIS_URL, first + 2 * index)
        broker = redis_url_with_db(settings.REDIS_URL, first + 2 * index + 1)
        overrides |= {"CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker}
    else:
        cache = str(folder / "cache")
        overrides |= {
            "CELERY_BROKER_TRANSPORT_OPTIONS": {
                **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                "control_folder": str(folder / "control"),
            },
            "CELERY_RESULT_BACKEND": f"file://{folder / 'results'}",
        }
    overrides["CACHES"] = {"default": {**settings.CACHES["default"], "LOCATION": cache}}
    # The Celery app copied Django's settings when it was first configured: a worker a test
    # starts and the code that sends tasks both use the app's copy.
    from lublin2030.celery import app

    app.conf.update(
        {
            key.removeprefix("CELERY_").lower(): value
            for key, value in overrides.items()
            if key.startswith("CELERY_")
        }
    )
    return override_settings(**overrides)


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    # Rate limits (allauth's among them) live in the cache; each test starts with none.
    from django.core.cache import cache

    from opinions.vocabulary import forget_held_here

    cache.clear()
    forget_held_here()  # the choice lists each process holds for a moment (vocabulary.py)


@pytest.fixture(autouse=True)
def default_language() -> None:
    # A request with the English cookie leaves English active in the thread (the locale
    # middleware activates, nothing deactivates): each test starts in the portal's default.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def no_pending_analysis_run() -> None:
    # A run sent by an earlier test must not stand in for this test's own.
    from opinions.analysis.requests import forget_pending_run

    forget_pending_run()


# --- The Lublin process, loaded once ---------------------------------------------------------


def shares_the_loaded_process(item: pytest.Item) -> bool:
    """Whether the test uses the Lublin process inside a transaction that is rolled back."""
    names = getattr(item, "fixturenames", ())
    if "lublin_process" not in names:
        return False
    marker = item.get_closest_marker("django_db")
    if marker is not None and any(validate_django_db(marker)[:2]):  # transaction, reset_sequences
        return False
    return not {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names)


class LoadedProcess:
    """The Lublin process in an outer transaction, held while consecutive tests use it."""

    def __init__(self) -> None:
        self.blocker: DjangoDbBlocker | None = None  # set once the test database exists
        self.wanted = False  # by the test about to start
        self._atomic: Atomic | None = None

    @property
    def loaded(self) -> bool:
        return self._atomic is not None

    def follow(self) -> None:
        """Load or drop the process as the next test needs, once there is a database."""
        if self.blocker is None or self.wanted == self.loaded:
            return
        with self.blocker.unblock():
            if self.wanted:
                atomic = transaction.atomic()
                atomic.__enter__()
                try:
                    load_process(LUBLIN_PROCESS)
                except BaseException as error:
                    atomic.__exit__(type(error), error, error.__traceback__)
                    raise
                self._atomic = atomic
            else:
                assert self._atomic is not None
                atomic, self._atomic = self._atomic, None
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)


LOADED_PROCESS = LoadedProcess()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-django has put the tests that roll back first; those of them that use the
    # Lublin process go first of all, so that it is loaded once for all of them.
    items.sort(key=lambda item: not shares_the_loaded_process(item))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the test's fixtures: the test's own transaction must nest in the outer one,
    # and a test that commits must not start inside it.
    LOADED_PROCESS.wanted = shares_the_loaded_process(item)
    LOADED_PROCESS.follow()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    LOADED_PROCESS.blocker = django_db_blocker
    LOADED_PROCESS.follow()  # the first test using the database may be one that shares it
    yield
    LOADED_PROCESS.wanted = False
    LOADED_PROCESS.follow()  # before the test database is destroyed
    LOADED_PROCESS.blocker = None


@pytest.fixture
def lublin_process(db: None) -> None:
    """The Lublin 2030 process as shipped: 9 stages, 12 areas, 27 districts."""
    if not LOADED_PROCESS.loaded:
        # A test that commits: the database is flushed after each such test.
        load_process(LUBLIN_PROCESS)


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    """VAR_DIR in the test's own folder (seed_demo writes the demo logins there)."""
    settings.VAR_DIR = tmp_path
    return tmp_path


# --- A real Celery worker --------------------------------------------------------------------


@pytest.fixture
def worker() -> Iterator[None]:
    """A Celery worker in a thread of this process, over the tests' own broker.

    It works on the test database, so the test must commit (`transaction=True`).
    """
    from celery.contrib.testing.worker import start_worker

    from lublin2030.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
