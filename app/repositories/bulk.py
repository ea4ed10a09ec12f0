"""Helpers for writing many rows at once on PostgreSQL, where rows travel as a few arrays
(``INSERT ... SELECT FROM unnest(...)``) instead of as parameters each."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Uuid, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

T = TypeVar("T")


def json_serializer(conn: AsyncConnection) -> Callable[[Any], str]:
    """The engine's JSON writer (what a JSON column would use), for values sent as text."""
    dumps: Callable[[Any], str] | None = getattr(conn.dialect, "_json_serializer", None)
    return dumps or json.dumps


def id_chunks(session: AsyncSession, ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """``ids`` in pieces one statement can take: large on PostgreSQL, where ``among`` sends a
    piece as one array parameter, small elsewhere (each id is a parameter of its own)."""
    size = 20_000 if session.get_bind().dialect.name == "postgresql" else 1000
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def among(session: AsyncSession, column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """``column IN ids``: on PostgreSQL ``column = ANY(:array)``, one parameter and one
    prepared statement whatever the number of ids."""
    if session.get_bind().dialect.name == "postgresql":
        found: ColumnElement[bool] = column == any_(bindparam(None, list(ids), type_=ARRAY(Uuid())))
        return found
    result: ColumnElement[bool] = column.in_(ids)
    return result
