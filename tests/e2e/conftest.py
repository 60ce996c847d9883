"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server, with axe-core checking every page a test visits.

No browser is ever downloaded: the tests use /usr/bin/chromium, and skip when it is missing
(fail instead when the environment variable CI is set, where a missing browser is a bug in
the CI image, not a reason to pass silently).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import LUBLIN_PROCESS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

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

    def record(response: Response) -> None:
        # A server error anywhere, or a stylesheet/script that did not load (axe's contrast
        # and the layout checks are only meaningful with the site's CSS applied).
        broken_asset = response.status >= 400 and "/static/" in response.url
        if response.status >= 500 or broken_asset:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    new_page.on("response", record)
    try:
        yield new_page
    finally:
        context.close()
    assert not server_errors, "server errors during the test:\n" + "\n".join(server_errors)


@pytest.fixture
def lublin_process(transactional_db: None) -> None:
    """The shipped Lublin 2030 process, for the live server's transactional database."""
    from stages.process_loader import load_process

    load_process(LUBLIN_PROCESS)


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
        page.add_script_tag(content=_axe_source())
    results = page.evaluate(AXE_RUN)
    violations: list[dict[str, Any]] = results["violations"]
    assert not violations, (
        f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n"
        + format_violations(violations)
    )
