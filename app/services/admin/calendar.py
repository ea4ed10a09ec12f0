"""The working-day calendar: holidays and 调休 days; open deadlines follow an edit.

One calendar for the whole city, not one per district. Holidays and 调休 make-up days are set
by the State Council's annual notice and apply alike in every district of Shanghai; a district
calendar would let two windows of the city promise different deadlines for the same time
limit. So the calendar is edited only by a city-level role (``city_admin``, permission
``EDIT_CITY_CALENDAR``); district admins read it but cannot change it, so an admin of one
district can no longer move another district's deadlines. Because every edit moves deadlines
in every district, it is written to the audit log once per district, naming the deadlines it
moved there, so each district's auditor sees the change that applies to their cases.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.domain.enums import District, Permission
from app.domain.principal import Principal
from app.errors import FieldError, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import CalendarDay
from app.repositories import calendar as calendar_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.text import CleanInput
from app.services import audit
from app.services import calendar as calendar_service
from app.services.admin.services import require_permission

MIN_YEAR, MAX_YEAR = 2004, 2100


class CalendarDayUpdate(CleanInput):
    model_config = ConfigDict(extra="forbid")
    is_workday: bool
    note: str | None = Field(default=None, max_length=200)


class CalendarDayRead(BaseModel):
    day: date
    is_workday: bool
    source: str  # package (chinese_calendar) | admin
    note: str | None


class CalendarDaySaved(CalendarDayRead):
    deadlines_moved: int  # open cases whose deadline the edit moved


async def calendar_year(
    session: AsyncSession, principal: Principal, year: int
) -> list[CalendarDayRead]:
    """The year's days that differ from, or confirm, the Monday-to-Friday rule."""
    if not (
        principal.can(Permission.MANAGE_CATALOG) or principal.can(Permission.EDIT_CITY_CALENDAR)
    ):
        raise PermissionDenied()
    rows = await calendar_repo.days_of_year(session, year)
    return [CalendarDayRead.model_validate(r, from_attributes=True) for r in rows]


async def set_calendar_day(
    session: AsyncSession, principal: Principal, day: date, data: CalendarDayUpdate
) -> CalendarDaySaved:
    """Admins correct or add days (the package lags each January); their rows are never
    overwritten by the package sync. Deadlines of cases whose clock runs move at once."""
    require_permission(principal, Permission.EDIT_CITY_CALENDAR)
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "day",
                    "out_of_range",
                    N_("Enter a day between {first} and {last}."),
                    {"first": MIN_YEAR, "last": MAX_YEAR},
                )
            ]
        )
    note = (data.note or "").strip() or None
    row = await calendar_repo.get_day(session, day)
    before = None if row is None else {"is_workday": row.is_workday, "note": row.note}
    if row is None:
        row = CalendarDay(day=day, is_workday=data.is_workday, source="admin", note=note)
        session.add(row)
    else:
        row.is_workday, row.source, row.note = data.is_workday, "admin", note
    await session.flush()
    moved_by_district = await calendar_service.recompute_open_deadlines_by_district(session)
    moved = sum(moved_by_district.values())
    for district in District:
        await audit.record(
            session,
            "calendar.updated",
            actor=principal,
            object_type="calendar_day",
            object_id=day.isoformat(),
            district=district.value,
            detail={
                "is_workday": data.is_workday,
                "note": note,
                "before": before,
                "deadlines_moved": moved_by_district.get(district.value, 0),
            },
        )
    return CalendarDaySaved(
        day=day, is_workday=row.is_workday, source=row.source, note=row.note, deadlines_moved=moved
    )
