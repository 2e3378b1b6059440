"""Playwright in Debian's Chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so the system Chromium is
used. Locally a missing Chromium skips these tests; in CI (CI=true) it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's async-safety
# guard would otherwise refuse ORM calls made by the test's own set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs Chromium at {CHROMIUM} for the browser journeys.")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}; `apt-get install chromium`")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


@pytest.fixture
def shoot(page):
    """Save a full-page screenshot under screenshots/ (git-ignored) to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _shoot(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot


@pytest.fixture
def login(page, live_server):
    def _login(username: str, password: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return _login


@pytest.fixture
def pms_sim():
    """A small PMS simulator of the test's own, so edits never leak between tests."""
    from integrations.simulator.server import start_simulator

    handle = start_simulator(residents=150, seed=11)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def celery_worker_thread(settings):
    """A real Celery worker in a thread, on the in-memory broker shared with the live server.

    Sync Now then goes through the same path as production: on_commit → delay →
    broker → worker → task → service.
    """
    from celery.contrib.testing.worker import start_worker

    from doorsync.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = False
    # An earlier test may have published a message (a task queued on commit), which opened
    # the app's connection and producer pools on the old broker: they would keep sending
    # there, past this worker. Start them afresh on the in-memory broker, and after.
    _broker_pools_reset(app)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker
    app.conf.broker_url, app.conf.task_always_eager = previous
    _broker_pools_reset(app)


def _broker_pools_reset(app: Any) -> None:
    # Dropped, not closed: kombu keeps its pools per broker address, and the old broker's
    # is found again (open) when the address comes back.
    app._pool = None
    app.amqp._producer_pool = None


class Dialogs:
    """Answers the page's confirm() questions, one click at a time, keeping what was asked."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.questions: list[str] = []

    def answer_next(self, *, accept: bool) -> None:
        def _answer(dialog: Any) -> None:
            self.questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        self.page.once("dialog", _answer)


@pytest.fixture
def dialogs(page) -> Dialogs:
    return Dialogs(page)
