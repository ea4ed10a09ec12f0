"""The holiday / 调休 calendar table."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CalendarDay, CalendarRevision, Case, CasePause

# The calendar's revision, as a column another hot statement can carry along.
CURRENT_REVISION = (
    select(CalendarRevision.revision).where(CalendarRevision.id == 1).scalar_subquery()
)

# Built once with bound parameters. The revision and the days come in one statement (one
# snapshot), so the days read are exactly those of the revision they are kept under; the outer
# join still gives the revision when no day in the window deviates.
_OVERRIDES = (
    select(CalendarRevision.revision, CalendarDay.day, CalendarDay.is_workday)
    .outerjoin(
        CalendarDay,
        and_(CalendarDay.day >= bindparam("start"), CalendarDay.day <= bindparam("end")),
    )
    .where(CalendarRevision.id == 1)
)


async def overrides(session: AsyncSession, start: date, end: date) -> tuple[int, dict[date, bool]]:
    """The revision and the days in ``[start, end]`` that differ from the default rule."""
    rows = (await session.execute(_OVERRIDES, {"start": start, "end": end})).all()
    days = {day: bool(is_workday) for _rev, day, is_workday in rows if day is not None}
    return int(rows[0][0]), days


async def known_days(session: AsyncSession) -> set[date]:
    return set((await session.execute(select(CalendarDay.day))).scalars())


async def days_of_year(session: AsyncSession, year: int) -> list[CalendarDay]:
    stmt = (
        select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    )
    return list((await session.execute(stmt)).scalars())


async def get_day(session: AsyncSession, day: date) -> CalendarDay | None:
    return await session.get(CalendarDay, day)


async def cases_with_running_clock(session: AsyncSession, statuses: Iterable[str]) -> list[Case]:
    """Accepted cases whose clock is not paused, locked: their deadlines follow the calendar."""
    stmt = (
        select(Case)
        .where(
            Case.status.in_(list(statuses)),
            Case.accepted_on.is_not(None),
            Case.paused_since.is_(None),
        )
        .order_by(Case.id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def pauses_of(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[CasePause]]:
    out: dict[uuid.UUID, list[CasePause]] = defaultdict(list)
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        stmt = (
            select(CasePause)
            .where(CasePause.case_id.in_(chunk))
            .order_by(CasePause.case_id, CasePause.started_on)
        )
        for pause in (await session.execute(stmt)).scalars():
            out[pause.case_id].append(pause)
    return out
