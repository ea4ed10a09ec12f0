"""What services need of the database without building SQL: the session type they are handed,
the sessionmaker background work opens transactions with, the integrity error a flush may raise
(a unique key that another request won), and hooks on a transaction's end.

Services import these from here, never from SQLAlchemy (import-linter enforces it), so every
query stays in a repository.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session as SyncSession

from app.models.base import Base

__all__ = [
    "AsyncSession",
    "IntegrityError",
    "SyncSession",
    "after_commit",
    "after_rollback",
    "async_sessionmaker",
    "before_commit",
    "violates",
]

Listener = Callable[[SyncSession], None]


def _on(name: str) -> Callable[[Listener], Listener]:
    def register(listener: Listener) -> Listener:
        event.listen(SyncSession, name, listener)
        return listener

    return register


#: Runs inside every transaction just before it commits (it may still write).
before_commit = _on("before_commit")
#: Runs after every commit.
after_commit = _on("after_commit")
#: Runs after every rollback.
after_rollback = _on("after_rollback")


def violates(exc: IntegrityError, index: str) -> bool:
    """Whether ``exc`` is a row refused by the unique index named ``index``: PostgreSQL names
    the index in its message, SQLite the index's columns."""
    message = str(exc.orig)
    if index in message:
        return True
    for table in Base.metadata.tables.values():
        for ix in table.indexes:
            if ix.name == index:
                columns = ", ".join(f"{table.name}.{c.name}" for c in ix.columns)
                return message.startswith("UNIQUE constraint failed") and columns in message
    return False
