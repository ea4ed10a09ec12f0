"""The window clerk's side of appointments: the district's day list, check-in (arrival opens
the walk-in desk with the person already found) and no-shows after the slot has ended."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from app.domain.enums import PRIORITY_WINDOW_DISTRICTS, Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_
from app.models import Appointment
from app.models.base import utcnow
from app.repositories import service_points as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.service_points import AppointmentRead
from app.services import audit
from app.services import certified_talent as talent_register
from app.services.service_points.views import advance, staff_views
from app.workflow.appointments import AppointmentEvent
from app.workflow.values import SHANGHAI, local_date

ERR_NOT_YET_OVER = N_("The appointment has not ended yet; mark a no-show after its time.")
ERR_NOT_TODAY = N_("Check-in is only possible on the day of the appointment.")


def _require_clerk(principal: Principal) -> None:
    if not principal.can(Permission.HANDLE_WINDOW) or principal.district is None:
        raise PermissionDenied()


async def day_list(
    session: AsyncSession, principal: Principal, day: date | None, lang: str
) -> tuple[date, list[AppointmentRead]]:
    _require_clerk(principal)
    shown = day or local_date(utcnow())
    start = datetime.combine(shown, time.min, SHANGHAI)
    rows = await repo.day_list(session, principal, start, start + timedelta(days=1))
    views = await staff_views(session, rows, lang)
    if principal.district in PRIORITY_WINDOW_DISTRICTS:
        # 高层次人才服务专窗: certified high-level talent first, each group still by time.
        served_first = await talent_register.certified(
            session, {v.applicant_id for v in views if v.applicant_id}, shown
        )
        for view in views:
            view.priority = view.applicant_id in served_first
        views.sort(key=lambda v: not v.priority)
    return shown, views


async def _booking(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID
) -> Appointment:
    _require_clerk(principal)
    row = await repo.get_appointment(session, principal, appointment_id, lock=True)
    if row is None:
        raise NotFound()
    return row


async def check_in(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID
) -> uuid.UUID:
    """Records the arrival; returns the applicant the window desk opens with."""
    row = await _booking(session, principal, appointment_id)
    now = utcnow()
    if local_date(row.slot_start) != local_date(now):
        raise Conflict(ERR_NOT_TODAY)
    row.status = advance(row.status, AppointmentEvent.CHECK_IN).value
    row.checked_in_at = now
    row.checked_in_by = principal.staff_id
    await session.flush()
    await audit.record(
        session,
        "appointment.check_in",
        actor=principal,
        object_type="appointment",
        object_id=row.id,
        detail={"point_id": str(row.point_id)},
        district=row.district,
    )
    return row.applicant_id


async def mark_no_show(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID
) -> None:
    row = await _booking(session, principal, appointment_id)
    if row.slot_end > utcnow():
        raise Conflict(ERR_NOT_YET_OVER)
    row.status = advance(row.status, AppointmentEvent.MARK_NO_SHOW).value
    await session.flush()
    await audit.record(
        session,
        "appointment.no_show",
        actor=principal,
        object_type="appointment",
        object_id=row.id,
        district=row.district,
    )
