"""The PostgreSQL job queue (procrastinate) that schedules outbox delivery across workers.

procrastinate keeps its own tables, functions and types. They live in a PostgreSQL schema of
their own (``procrastinate``, reached through each queue connection's ``search_path``) and are
applied by the worker command, not by Alembic: Alembic stays the only path for the portal's
tables, and its drift check never sees the queue's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import procrastinate
import psycopg
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

QUEUE = "outbox"
QUEUE_SCHEMA = "procrastinate"
TASK_NAME = "talent_portal.deliver_outbox"
# pg_advisory_xact_lock key: two workers starting together apply the schema once.
_SCHEMA_LOCK_KEY = 7_401_105_412
_SEARCH_PATH = f"-c search_path={QUEUE_SCHEMA}"


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://…``) as a plain libpq connection string."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def cron_every(seconds: float) -> str:
    """A six-field cron (seconds last, as croniter reads it) firing every ``seconds``."""
    step = max(1, min(30, round(seconds)))
    return "* * * * * *" if step == 1 else f"* * * * * */{step}"


async def ensure_queue_schema(database_url: str) -> bool:
    """Creates procrastinate's schema when it is missing; returns True when it did.

    Upgrading procrastinate later means applying its SQL migrations to this schema
    (``procrastinate schema --migrations-path`` lists them) before starting new workers.
    """
    conninfo = libpq_url(database_url)
    connect = psycopg.AsyncConnection.connect(conninfo, options=_SEARCH_PATH)
    async with await connect as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
        found = await conn.execute(
            "SELECT to_regclass(%s)", (f"{QUEUE_SCHEMA}.procrastinate_jobs",)
        )
        row = await found.fetchone()
        if row is not None and row[0] is not None:
            return False
        await conn.execute(f"SET LOCAL search_path TO {QUEUE_SCHEMA}")
        # Without parameters psycopg sends the script as is: several statements, % intact.
        await conn.execute(SchemaManager.get_schema())
    log.info("procrastinate schema created", extra={"schema": QUEUE_SCHEMA})
    return True


def make_queue_app(
    database_url: str, *, poll_seconds: float, deliver: Callable[[], Awaitable[object]]
) -> procrastinate.App:
    """A procrastinate app with one periodic task that runs ``deliver`` every tick.

    The periodic deferrer writes at most one job per tick for all workers together, and the
    queueing lock keeps at most one waiting; a worker that is still draining when the next tick
    fires lets another worker take it, and the outbox's SKIP LOCKED claims keep them apart.
    """
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url),
        kwargs={"options": _SEARCH_PATH},
        min_size=1,
        max_size=4,
    )
    app = procrastinate.App(connector=connector)

    @app.periodic(cron=cron_every(poll_seconds), periodic_id="outbox")
    @app.task(name=TASK_NAME, queue=QUEUE, queueing_lock=TASK_NAME, pass_context=False)
    async def deliver_outbox(timestamp: int) -> None:
        await _forget_stalled_jobs(app)
        await deliver()

    return app


async def _forget_stalled_jobs(app: procrastinate.App) -> None:
    # A killed worker leaves its job "doing" forever. The outbox rows it held come back through
    # their leases, so the job itself only needs tidying away.
    stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, task_name=TASK_NAME)
    for job in stalled:
        if job.id is not None:
            await app.job_manager.finish_job_by_id_async(
                job_id=job.id, status=Status.FAILED, delete_job=True
            )


async def run_queue_worker(
    database_url: str,
    *,
    poll_seconds: float,
    deliver: Callable[[], Awaitable[object]],
    name: str | None = None,
) -> None:
    """Runs until SIGINT/SIGTERM (procrastinate installs the handlers and drains the job)."""
    await ensure_queue_schema(database_url)
    app = make_queue_app(database_url, poll_seconds=poll_seconds, deliver=deliver)
    async with app.open_async():
        await app.run_worker_async(
            queues=[QUEUE], name=name or "outbox", delete_jobs="successful", concurrency=1
        )
