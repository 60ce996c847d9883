"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server, with axe-core checking every page a test visits.

No browser is ever downloaded: the tests use /usr/bin/chromium, and skip when it is missing
(fail instead when the environment variable CI is set, where a missing browser is a bug in
the CI image, not a reason to pass silently).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import OperationalError
from django.db.backends.signals import connection_created
from django.utils import translation
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, editor, moderator

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from playwright.sync_api import Browser, Page, Response
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from lublin2030.models import User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_RUN = (
    "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
)
TIMEOUT_MS = 15_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the browser tests; each test gets its own context and page.

    Scoped to this package rather than the whole session, so that the browser and its event
    loop stop after the last browser test: the tests pytest-django runs after these (other
    transactional tests, then the ones without a database, some of which start
    `manage.py` subprocesses) then run without a live event loop in their thread and without
    DJANGO_ALLOW_ASYNC_UNSAFE in their environment (`check --deploy` warns about it).
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        message = f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so a missing browser is a failure).")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop running in the test thread while it
    # is started, and Django refuses ORM calls (the tests', and pytest-django's flush) in a
    # thread with a running loop unless this is set. It is set only while the browser runs.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(autouse=True)
def unhashed_static_files(settings: Settings) -> None:
    """Link static files by their plain names, as the live server serves them.

    With DEBUG off (as under pytest) the project uses WhiteNoise's manifest storage, which
    links hashed names (css/site.<hash>.css) and fails every page if `collectstatic` has not
    run. The live server's static handler serves files from the finders, which know only the
    plain names, so with the manifest storage every stylesheet and script would be a 404.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def server_errors() -> list[str]:
    """Server errors and broken static files seen by the page; checked after each test."""
    return []


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, server_errors: list[str]) -> Iterator[Page]:
    """A fresh context and page for each test, addressed relative to the live server.

    The context keeps Chromium's default Accept-Language (en-US): the portal must still
    answer in Polish until the visitor chooses English.
    """
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    record_server_errors(new_page, server_errors)
    try:
        yield new_page
    finally:
        context.close()
    assert not server_errors, "server errors during the test:\n" + "\n".join(server_errors)


def record_server_errors(page: Page, server_errors: list[str]) -> None:
    """Note every server error and broken static file the page meets in `server_errors`."""

    def record(response: Response) -> None:
        # A server error anywhere, or a stylesheet/script that did not load (axe's contrast
        # and the layout checks are only meaningful with the site's CSS applied).
        broken_asset = response.status >= 400 and "/static/" in response.url
        if response.status >= 500 or broken_asset:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def record_csp_violation(message: Any) -> None:
        # The pages carry a Content-Security-Policy without 'unsafe-inline': an inline
        # script or style anywhere shows up here, and fails the test.
        if message.type == "error" and "Content Security Policy" in message.text:
            server_errors.append(f"CSP on {page.url}: {message.text}")

    page.on("response", record)
    page.on("console", record_csp_violation)


def _axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def format_violations(violations: list[dict[str, Any]], max_targets: int = 3) -> str:
    lines = []
    for violation in violations:
        nodes = violation.get("nodes", [])
        targets = [" ".join(map(str, node.get("target", []))) for node in nodes[:max_targets]]
        more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
        lines.append(
            f"- {violation['id']} [{violation.get('impact')}]: {violation.get('help')}\n"
            f"    {', '.join(targets)}{more}"
        )
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now; fail listing every WCAG 2.1 A/AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not govern: an inline <script> tag would be refused, as it should be.
        page.evaluate(_axe_source())
    results = page.evaluate(AXE_RUN)
    violations: list[dict[str, Any]] = results["violations"]
    assert not violations, (
        f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


# --- Helpers of the opinion journeys ---------------------------------------------------------


def in_polish(build: Callable[[], object]) -> str:
    """A text as the portal shows it in Polish, whatever state the catalogue is in.

    The live server runs in this process, so it renders with the very catalogue this reads:
    a message still untranslated shows in English on both sides.
    """
    with translation.override("pl"):
        return str(build())


def verified_user(user: User) -> User:
    """The user with a verified primary address: allauth makes verification mandatory."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def verified_moderator(lublin_process: None) -> User:
    return verified_user(moderator())


@pytest.fixture
def verified_editor(lublin_process: None) -> User:
    return verified_user(editor())


def log_in(page: Page, user: User, *, lands_on: str | None = None) -> None:
    """Log in through allauth's form, checking the login page with axe on the way.

    Each role lands where its work is (lublin2030/landing.py): `lands_on`, when given, is
    the path the person must land on.
    """
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert_accessible(page)
    form = page.locator("main form[action='/accounts/login/']")
    form.locator("input[name='login']").fill(user.email)
    form.locator("input[name='password']").fill(TEST_PASSWORD)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/accounts/login/")
    ) as login_response:
        form.locator("button[type='submit']").click()
    status = login_response.value.status
    assert status < 400, f"logging in answered HTTP {status} (see the server log above)"
    if lands_on is None:
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    else:
        expect(page).to_have_url(re.compile(r"^https?://[^/]+" + re.escape(lands_on) + "$"))
    expect(page.locator("form[action='/accounts/logout/'] button")).to_contain_text(user.email)


# axe never finishes where scripts are off (its timers do not fire), so a page seen without
# JavaScript is checked as a copy: its document as the browser built it, minus the scripts.
STATIC_SNAPSHOT = """() => {
  const copy = document.documentElement.cloneNode(true);
  copy.querySelectorAll("script").forEach((script) => script.remove());
  return "<!doctype html>\\n" + copy.outerHTML;
}"""


def assert_accessible_without_js(page: Page) -> None:
    """axe on a page of a context with JavaScript off, as that browser shows it.

    The copy is served at the page's own address to a fresh scripted context, so that its
    stylesheets load and relative links resolve as on the original.
    """
    html = page.evaluate(STATIC_SNAPSHOT)
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        context.route(
            page.url,
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        copy = context.new_page()
        copy.goto(page.url)
        assert_accessible(copy)
    finally:
        context.close()


def wait_until(condition: Callable[[], bool], *, what: str, seconds: float = 60) -> None:
    """Poll the database until `condition` holds (a worker is doing something)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OperationalError:
            # SQLite's test database is in memory with a shared cache: a table another
            # connection is writing in an open transaction may refuse to be read ("table is
            # locked"). Ask again a moment later.
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


def _read_uncommitted(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


@pytest.fixture
def empty_task_queue() -> None:
    """No task left in the broker by earlier tests (or runs), which a worker would pick up.

    Every opinion saved enqueues its analysis, and no worker runs in most tests.
    """
    from lublin2030.celery import app

    app.control.purge()


@contextmanager
def celery_worker() -> Iterator[None]:
    """A real Celery worker in a thread of this process, over the configured broker.

    It consumes what the live server enqueued (files under VAR_DIR, or Redis), before it
    started too, and works on the same test database. See `empty_task_queue`.

    With SQLite the test database lives in memory with a shared cache, where a reader of a
    table another connection is writing gets "database table is locked" at once, instead
    of waiting as with the portal's database file (its busy timeout): the live server would
    answer a progress poll with a 500. Read-uncommitted connections take no read locks, so
    pages and the worker can read while the other writes. Writes are still one at a time:
    let the worker finish before the test or a page writes (see `wait_until`).
    """
    from celery.contrib.testing.worker import start_worker
    from django.db import connection

    from lublin2030.celery import app

    shared_cache = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if shared_cache:
        connection_created.connect(_read_uncommitted, weak=False)
        _read_uncommitted(None, connection)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        if shared_cache:
            connection_created.disconnect(_read_uncommitted)
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 0")
