"""Every row the portal holds about one person, found by walking the schema's foreign keys
from their login (``user``): a row is theirs when one of its keys names a row of theirs
(their applicant record, their cases, the offers on their waiting-list entry, ...). A table
added later is covered without a change here, as soon as a key links it to the person.

Secrets and ciphertexts are left out of what is read (``is_withheld``): password and token
digests, blind indexes and encrypted columns tell the person nothing and would help an attacker
holding the copy. Staff's internal notes on a case stay among staff."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, ColumnElement, LargeBinary, Table, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Base, CaseNote

ROOT = "user"
# Columns never copied out, whatever the table: digests, blind indexes, keys to other people.
_WITHHELD_NAMES = frozenset({"person_key", "totp_last_step"})
_WITHHELD_SUFFIXES = ("_hash", "_index", "_enc")
# Rows of a person's table that are not theirs to read.
_ROW_FILTERS: Mapping[str, ColumnElement[bool]] = {
    CaseNote.__tablename__: CaseNote.__table__.c.to_applicant.is_(true()),
}

Row = dict[str, Any]


def is_withheld(column: Column[Any]) -> bool:
    return (
        isinstance(column.type, LargeBinary)
        or column.name in _WITHHELD_NAMES
        or column.name.endswith(_WITHHELD_SUFFIXES)
    )


def person_tables() -> list[Table]:
    """The tables that can hold a row about a person: reached from ``user`` by following keys
    backwards (a table whose key names a person's table is one), in dependency order."""
    reached = {ROOT}
    grew = True
    while grew:
        grew = False
        for table in Base.metadata.sorted_tables:
            if table.name in reached:
                continue
            if any(fk.column.table.name in reached for fk in table.foreign_keys):
                reached.add(table.name)
                grew = True
    return [t for t in Base.metadata.sorted_tables if t.name in reached]


def _key(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


async def rows_about(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[Row]]:
    """The person's rows per table (withheld columns left out), every person table present.

    Passes over the tables in dependency order until a pass finds nothing new (self-references
    such as a bundle's parts, or a carried-forward payment, need a second pass)."""
    tables = person_tables()
    found: dict[str, dict[tuple[Any, ...], Row]] = {t.name: {} for t in tables}
    user_table = Base.metadata.tables[ROOT]
    user_row = (
        (await session.execute(select(user_table).where(user_table.c.id == user_id)))
        .mappings()
        .one_or_none()
    )
    if user_row is None:
        return {t.name: [] for t in tables}
    found[ROOT][_key(user_table, dict(user_row))] = dict(user_row)
    grew = True
    while grew:
        grew = False
        for table in tables:
            if table.name == ROOT:
                continue
            conditions = []
            for fk in table.foreign_keys:
                mine = found.get(fk.column.table.name)
                if mine:
                    values = {row[fk.column.name] for row in mine.values()}
                    conditions.append(fk.parent.in_(values))
            if not conditions:
                continue
            stmt = select(table).where(or_(*conditions))
            if (extra := _ROW_FILTERS.get(table.name)) is not None:
                stmt = stmt.where(extra)
            for row in (await session.execute(stmt)).mappings():
                record = dict(row)
                key = _key(table, record)
                if key not in found[table.name]:
                    found[table.name][key] = record
                    grew = True
    return {
        table.name: [
            {c.name: row[c.name] for c in table.columns if not is_withheld(c)}
            for row in found[table.name].values()
        ]
        for table in tables
    }
