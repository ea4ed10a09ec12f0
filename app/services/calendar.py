"""Working-day calendar: seeded from ``chinese_calendar``, edited by admins, read per request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CalendarDay
from app.models.base import utcnow
from app.repositories import calendar as calendar_repo
from app.workflow.calendar import WorkCalendar, chinese_calendar_days, chinese_calendar_years
from app.workflow.values import local_date


async def sync_from_package(session: AsyncSession) -> int:
    """Adds the package's days the table lacks. Rows already there (admin edits included) win."""
    existing = await calendar_repo.known_days(session)
    added = 0
    for row in chinese_calendar_days(chinese_calendar_years()):
        if row.day in existing:
            continue
        session.add(
            CalendarDay(day=row.day, is_workday=row.is_workday, source="package", note=row.name_zh)
        )
        added += 1
    await session.flush()
    return added


# Deadlines are at most 20 working days after acceptance, and acceptance is recent; a window
# of a little over a year either side covers every computation while reading ~80 rows.
_WINDOW = timedelta(days=400)
_CACHE_KEY = "work_calendar"


async def work_calendar(session: AsyncSession) -> WorkCalendar:
    """Read once per transaction (cached on the session, never across requests)."""
    cached = session.sync_session.info.get(_CACHE_KEY)
    if isinstance(cached, WorkCalendar):
        return cached
    today = local_date(utcnow())
    overrides = await calendar_repo.overrides(session, today - _WINDOW, today + _WINDOW)
    calendar = WorkCalendar(overrides, known_years={d.year for d in overrides})
    session.sync_session.info[_CACHE_KEY] = calendar
    return calendar
