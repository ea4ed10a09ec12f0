"""A real portal server (uvicorn, a fresh migrated database with demo data: SQLite, or PostgreSQL
for ``pg_server``) and Debian's chromium driven by Playwright. Screenshots go to
var/screenshots/."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, Response, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.dbutil import DEFAULT_PG, fresh_database
from tests.support.listening import base_url, listening_socket, uvicorn_argv
from tests.support.simulator import RunningSimulator, running_simulator

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"zh": "zh-CN", "en": "en-US"}


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    """The outside systems, on a real port, as ``make run`` serves them beside the portal."""
    with running_simulator() as sim:
        yield sim


@contextmanager
def serving(simulator: RunningSimulator, database_url: str, files: str) -> Iterator[str]:
    """A portal server on ``database_url`` (migrated, demo data loaded), its files under
    ``files``; yields its base URL."""
    env = {
        **os.environ,
        "TALENT_DATABASE_URL": database_url,
        "TALENT_UPLOAD_DIR": f"{files}/uploads",
        "TALENT_OUTBOX_DIR": f"{files}/outbox",
        "TALENT_ENVIRONMENT": "development",
        "TALENT_LOG_LEVEL": "WARNING",
        "TALENT_VERIFICATION_RETRY_SECONDS": "2",
        # The youth-station journey books a stay from today and checks it in: whatever the hour
        # the suite runs at, today's check-in is still open (the default closes it at 20:00).
        "TALENT_YOUTH_STATION_CHECKIN_CUTOFF": "23:59:59",
        **{
            f"TALENT_VERIFICATION_{system.upper()}_URL": simulator.url(system)
            for system in ("identity", "social_insurance", "degrees", "hukou")
        },
    }
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    sock = listening_socket()
    # The server's warnings and tracebacks go to a file: a pipe nobody reads fills up and
    # blocks the server mid-request.
    log = open(f"{files}/server.log", "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        uvicorn_argv(sock),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
        pass_fds=[sock.fileno()],
    )
    base = base_url(sock)
    deadline = time.monotonic() + 120  # a loaded CI machine starts slowly
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        log.close()
        sock.close()
        tail = Path(f"{files}/server.log").read_bytes().decode(errors="replace")[-2000:]
        raise RuntimeError("portal did not start: " + tail)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
        sock.close()


@pytest.fixture(scope="session")
def server(simulator: RunningSimulator) -> Iterator[str]:
    """The portal on a fresh SQLite file (the journeys read its outbox: ``emailed_link``)."""
    tmp = tempfile.mkdtemp(prefix="talent-browser-")
    os.environ["TALENT_BROWSER_DB"] = f"{tmp}/portal.db"
    with serving(simulator, f"sqlite+aiosqlite:///{tmp}/portal.db", tmp) as base:
        yield base


@pytest.fixture(scope="session")
def pg_server(simulator: RunningSimulator) -> Iterator[str]:
    """The portal on a fresh PostgreSQL database (``TEST_BROWSER_PG_URL``, by default the
    server on 127.0.0.1:5432), created for the session and dropped after it. Unreachable, it
    is a failure under ``CI=true`` and a loud skip elsewhere."""
    requested = os.environ.get("TEST_BROWSER_PG_URL", DEFAULT_PG)
    tmp = tempfile.mkdtemp(prefix="talent-browser-pg-")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_database(requested))
        except RuntimeError as exc:
            message = f"PostgreSQL is required for this browser test: {exc}"
            if os.environ.get("CI") == "true":
                pytest.fail(message + " (CI=true: never skipped)")
            pytest.skip("!!!!! " + message + ": SKIPPED !!!!!")
        # The crawl quotes the server's tracebacks when it finds a 5xx.
        os.environ["TALENT_BROWSER_PG_LOG"] = f"{tmp}/server.log"
        yield stack.enter_context(serving(simulator, url, tmp))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser-deps.sh (make test does)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN")
    page = context.new_page()
    page.viewport_name = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture(params=list(LOCALES))
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """The 5xx answers any watched page received (``watch``); none by the end of the test."""
    errors: list[str] = []
    yield errors
    assert not errors, errors


def watch(page: Page, errors: list[str]) -> Page:
    """Records in ``errors`` every 5xx answer ``page`` receives."""

    def no_5xx(response: Response) -> None:
        if response.status >= 500:
            errors.append(f"{response.status} {response.url}")

    page.on("response", no_5xx)
    return page


@pytest.fixture
def applicant(page: Page, browser: Browser, lang: str, server_errors: list[str]) -> Iterator[Page]:
    """A page in the test's language at the test's width (``page`` gives the width), its 5xx
    answers watched."""
    viewport = page.viewport_name  # type: ignore[attr-defined]
    page.context.close()
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    fresh = watch(context.new_page(), server_errors)
    fresh.viewport_name = f"{viewport}-{lang}"  # type: ignore[attr-defined]
    yield fresh
    context.close()


@pytest.fixture(scope="session")
def portal(server: str) -> Iterator[Any]:
    """The running portal's JSON API (``portal_api.Portal``)."""
    from tests.browser.portal_api import Portal

    api = Portal(server)
    yield api
    api.http.close()


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_name}.png"  # type: ignore[attr-defined]
    # Chromium now and then answers a full-page capture with "Unable to capture screenshot"
    # while it repaints (seen on a phone-width page after a language switch); the page is fine.
    for attempt in range(3):
        try:
            page.screenshot(path=str(path), full_page=True)
            return path
        except PlaywrightError:
            if attempt == 2:
                raise
            page.wait_for_timeout(500)
    return path
