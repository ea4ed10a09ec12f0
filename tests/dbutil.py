"""Test databases: a fresh one per run, made only by Alembic migrations, dropped afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def requested_url() -> str:
    """``TEST_DATABASE_URL``: ``sqlite`` (the default) or a PostgreSQL URL."""
    return os.environ.get("TEST_DATABASE_URL", "sqlite")


@contextmanager
def fresh_database(requested: str) -> Iterator[str]:
    """Yields an async SQLAlchemy URL of a new, empty database; removes it afterwards."""
    if requested.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="talent-test-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'test.db'}"
        return
    url = make_url(requested if "://" in requested else DEFAULT_PG)
    name = f"talent_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"PostgreSQL not reachable at {url.host}:{url.port}: {exc}") from exc
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        driver = url.drivername if "+" in url.drivername else "postgresql+asyncpg"
        yield url.set(drivername=driver, database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sync_url(async_url: str) -> str:
    return async_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
