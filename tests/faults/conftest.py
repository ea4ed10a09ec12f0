"""The fault suite: the portal as it runs in production (uvicorn, and the outbox worker, in
processes of their own) on a fresh PostgreSQL database made by Alembic, on loopback only.

Tests kill those processes with SIGKILL, terminate their database connections and fill the
upload disk, then count what the client was told against what the database holds. Each
fault's figures (acknowledged, survived, lost) are printed and written to
var/faults-summary.txt for the closing note of issue 14.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.dbutil import DEFAULT_PG, fresh_database, requested_url, sync_url
from tests.support.listening import base_url, listening_socket, uvicorn_argv

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / "var" / "faults-summary.txt"


def _pg_requested() -> str:
    requested = requested_url()
    return requested if requested.startswith("postgresql") else DEFAULT_PG


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Overrides tests/conftest.py: always PostgreSQL (the faults are PostgreSQL's)."""
    requested = _pg_requested()
    try:
        psycopg.connect(
            make_url(requested)
            .set(drivername="postgresql", database="postgres")
            .render_as_string(hide_password=False),
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable and CI=true requires it: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    with fresh_database(requested) as url:
        os.environ["TALENT_DATABASE_URL"] = url
        from app.config import get_settings
        from app.migrate import upgrade

        get_settings.cache_clear()
        upgrade(sync_url(url))
        yield url


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Process:
    """One portal process (web server or outbox worker) that a test may SIGKILL and restart."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        ready: str | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        self.argv = argv
        self.env = env
        self.ready = ready
        # A web server's listening socket, held here so a restart serves the same address.
        self.sock = sock
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=[self.sock.fileno()] if self.sock is not None else (),
        )
        if self.ready is None:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(self.ready, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        err = self.proc.stderr.read() if self.proc.stderr and self.proc.poll() is not None else b""
        self.stop()
        raise RuntimeError("process did not start: " + err.decode(errors="replace")[-2000:])

    def kill9(self) -> None:
        """SIGKILL: no handler runs, no transaction is ended by the process itself."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def close(self) -> None:
        """Stops the process for good and gives up its address."""
        self.stop()
        if self.sock is not None:
            self.sock.close()


def portal_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TALENT_DATABASE_URL": database_url,
        "TALENT_ENVIRONMENT": "test",
        "TALENT_LOG_LEVEL": "WARNING",
        "TALENT_RATE_LIMIT_LOGIN": "100000/minute",
        "TALENT_RATE_LIMIT_PUBLIC": "100000/minute",
    }
    env.update(extra)
    return env


def web_server(env: dict[str, str]) -> tuple[Process, str]:
    sock = listening_socket()
    base = base_url(sock)
    return Process(uvicorn_argv(sock), env, ready=base + "/healthz", sock=sock), base


def outbox_worker(env: dict[str, str]) -> Process:
    return Process([sys.executable, "-m", "app.cli", "worker"], env)


@pytest.fixture(scope="session")
def portal(app: Any, database_url: str) -> Iterator[tuple[Process, str]]:
    """The web server on the suite's database (``app`` loaded the catalog and calendar)."""
    server, base = web_server(portal_env(database_url))
    server.start()
    yield server, base
    server.close()


@pytest.fixture
async def http(portal: tuple[Process, str], app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real server; the integration tests' helpers take it as their client
    (registration reads the emailed confirmation link from the suite's database)."""
    _, base = portal
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        c.portal_sessionmaker = app.state.sessionmaker  # type: ignore[attr-defined]
        yield c


def report(fault: str, **figures: Any) -> None:
    """One fault's figures, printed past pytest's capture and appended to the summary file."""
    line = f"{fault}: " + ", ".join(f"{k}={v}" for k, v in figures.items())
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    with SUMMARY.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    sys.__stdout__.write("\n[fault] " + line + "\n")
    sys.__stdout__.flush()


def pytest_sessionstart(session: pytest.Session) -> None:
    if SUMMARY.exists():
        SUMMARY.unlink()


class TableLock:
    """Holds an EXCLUSIVE lock on tables (reads pass, writes wait) from a connection of the
    test's own, so the portal's transactions stop half-way through, where a fault then hits.
    ``waiting(n)`` returns once ``n`` backends of the portal wait on it."""

    def __init__(self, database_url: str, *tables: str) -> None:
        self.url = libpq(database_url)
        self.tables = tables
        self.conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> TableLock:
        self.conn = psycopg.connect(self.url)
        self.conn.execute(f"LOCK TABLE {', '.join(self.tables)} IN EXCLUSIVE MODE")
        return self

    def waiting(self, n: int, timeout: float = 15) -> int:
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url, autocommit=True) as watch:
            while True:
                row = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                ).fetchone()
                count = int(row[0]) if row else 0
                if count >= n or time.monotonic() > deadline:
                    assert count >= n, f"{count} of {n} requests reached the lock"
                    return count
                time.sleep(0.05)

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None

    def __exit__(self, *exc: object) -> None:
        self.release()


def app_backends_gone(database_url: str, timeout: float = 10) -> None:
    """Waits until no backend but ours is inside a transaction: a killed client's half-done
    transaction has been rolled back by PostgreSQL."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(libpq(database_url), autocommit=True) as watch:
        while time.monotonic() < deadline:
            row = watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            ).fetchone()
            if row and row[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("a transaction of the killed process is still open")
