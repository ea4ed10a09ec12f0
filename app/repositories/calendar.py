"""The holiday / 调休 calendar table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CalendarDay


async def overrides(session: AsyncSession, start: date, end: date) -> dict[date, bool]:
    rows = await session.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(
            CalendarDay.day >= start, CalendarDay.day <= end
        )
    )
    return dict(rows.all())


async def known_days(session: AsyncSession) -> set[date]:
    return set((await session.execute(select(CalendarDay.day))).scalars())


async def years_present(session: AsyncSession) -> set[int]:
    return {d.year for d in await known_days(session)}
