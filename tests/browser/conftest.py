"""Browser tests: Playwright (Python) driving Debian's Chromium (`apt-get install chromium`;
never a downloaded browser) against Django's live server. Skipped, saying why, where
Chromium or Playwright is missing; `.ci/run` installs Chromium first.

Screenshots land in ``test-artifacts/browser/`` (BROWSER_ARTIFACTS to change it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from galena.accounts.models import Role
from tests.factories import TeamFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", "test-artifacts/browser"))
PASSWORD = "browser-test-password"


def pytest_collection_modifyitems(config, items):
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"needs Chromium at {CHROMIUM}: apt-get install chromium"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "needs Playwright: pip install -e '.[test]'"
    if missing:
        skip = pytest.mark.skip(reason=missing)
        for item in items:
            if "tests/browser/" in str(item.fspath):
                item.add_marker(skip)


class _OneRequestAtATime(WSGIServer):
    """The live server answering one request after another. On SQLite the live server's
    threads share the test's one in-memory connection, and two requests at once (a page and
    the navigation's badge polling in the background) broke it ("bad parameter or other API
    misuse"): the session read failed and the browser was sent to the login page."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override  # the thread's run() applies them


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server():
    original = LiveServerThread.server_class
    LiveServerThread.server_class = _OneRequestAtATime
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs its own event loop: Django must allow sync ORM calls from the
    # test while it is open (the live server runs in its own thread anyway)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """Every browser test runs on what a fresh installation seeds: after each transactional
    test's flush, tests/conftest.py seeds again."""


@pytest.fixture
def team(seeded):
    return TeamFactory(name="North")


@pytest.fixture
def head(team):
    user = UserFactory(username="helen", role=Role.HEAD_OF_SALES, team=team)
    user.first_name, user.last_name = "Helen", "Head"
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def manager(team):
    user = UserFactory(username="mara", role=Role.SALES_MANAGER, team=team)
    user.first_name, user.last_name = "Mara", "Manager"
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(page, user) -> None:
    """Through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test leaves a screenshot of where it stood."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        with contextlib.suppress(Exception):
            screenshot(item.funcargs["page"], f"failed-{item.name}")
