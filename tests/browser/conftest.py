"""A real portal server (uvicorn, fresh migrated SQLite with demo data) and Debian's chromium
driven by Playwright. Screenshots go to var/screenshots/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.simulator import RunningSimulator, running_simulator

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    """The outside systems, on a real port, as ``make run`` serves them beside the portal."""
    with running_simulator() as sim:
        yield sim


@pytest.fixture(scope="session")
def server(simulator: RunningSimulator) -> Iterator[str]:
    tmp = tempfile.mkdtemp(prefix="talent-browser-")
    env = {
        **os.environ,
        "TALENT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/portal.db",
        "TALENT_UPLOAD_DIR": f"{tmp}/uploads",
        "TALENT_ENVIRONMENT": "development",
        "TALENT_LOG_LEVEL": "WARNING",
        "TALENT_VERIFICATION_RETRY_SECONDS": "2",
        **{
            f"TALENT_VERIFICATION_{system.upper()}_URL": simulator.url(system)
            for system in ("identity", "social_insurance", "degrees", "hukou")
        },
    }
    os.environ["TALENT_BROWSER_DB"] = f"{tmp}/portal.db"
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--http",
            "httptools",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    # A loaded machine (CI, several suites at once) can take longer than 30 s to migrate and start.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("portal did not start: " + (proc.stderr.read() or b"").decode()[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=10)


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


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_name}.png"  # type: ignore[attr-defined]
    page.screenshot(path=str(path), full_page=True)
    return path
