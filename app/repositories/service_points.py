"""Queries for service points and their appointments. Applicants read their own bookings,
window clerks their district's; a booking outside the caller's scope is not found."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import Applicant, Appointment, Case, Service, ServicePoint, User
from app.workflow.appointments import AppointmentStatus
from app.workflow.states import CaseStatus

_HOLDS = [s.value for s in AppointmentStatus.HOLDS_SEAT]


async def list_points(session: AsyncSession, district: str | None = None) -> list[ServicePoint]:
    stmt = select(ServicePoint).order_by(ServicePoint.district, ServicePoint.code)
    if district:
        stmt = stmt.where(ServicePoint.district == district)
    return list((await session.execute(stmt)).scalars())


async def get_point(session: AsyncSession, code: str) -> ServicePoint | None:
    stmt = select(ServicePoint).where(ServicePoint.code == code)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_point_by_id(session: AsyncSession, point_id: uuid.UUID) -> ServicePoint | None:
    return await session.get(ServicePoint, point_id)


async def existing_codes(session: AsyncSession) -> set[str]:
    return set((await session.execute(select(ServicePoint.code))).scalars())


async def service_names(session: AsyncSession, district: str) -> dict[str, tuple[str, str]]:
    """The district's catalog names by code: (Chinese, English)."""
    stmt = select(Service.code, Service.name_zh, Service.name_en).where(
        Service.district == district
    )
    return {code: (zh, en) for code, zh, en in (await session.execute(stmt)).all()}


async def taken_seats(
    session: AsyncSession, point_id: uuid.UUID, start: datetime, end: datetime
) -> dict[datetime, int]:
    """Seats held per slot start between ``start`` and ``end``."""
    stmt = (
        select(Appointment.slot_start, func.count())
        .where(
            Appointment.point_id == point_id,
            Appointment.slot_start >= start,
            Appointment.slot_start < end,
            Appointment.status.in_(_HOLDS),
        )
        .group_by(Appointment.slot_start)
    )
    return {moment: int(n) for moment, n in (await session.execute(stmt)).all()}


async def seats_of_slot(session: AsyncSession, point_id: uuid.UUID, start: datetime) -> set[int]:
    stmt = select(Appointment.seat_no).where(
        Appointment.point_id == point_id,
        Appointment.slot_start == start,
        Appointment.status.in_(_HOLDS),
    )
    return set((await session.execute(stmt)).scalars())


def _readable_by(principal: Principal) -> Select[Appointment]:
    stmt = select(Appointment)
    if principal.applicant_id is not None:
        return stmt.where(Appointment.applicant_id == principal.applicant_id)
    if principal.staff_id is not None and principal.district is not None:
        return stmt.where(Appointment.district == principal.district)
    return stmt.where(Appointment.id.is_(None))


async def get_appointment(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID, *, lock: bool = False
) -> Appointment | None:
    stmt = _readable_by(principal).where(Appointment.id == appointment_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def my_appointments(session: AsyncSession, principal: Principal) -> list[Appointment]:
    stmt = _readable_by(principal).order_by(Appointment.slot_start.desc())
    return list((await session.execute(stmt)).scalars())


async def upcoming_for(
    session: AsyncSession,
    applicant_id: uuid.UUID,
    now: datetime,
    *,
    case_id: uuid.UUID | None,
    service_code: str | None,
) -> Appointment | None:
    """The applicant's booked appointment still to come for the same case or service."""
    stmt = select(Appointment).where(
        Appointment.applicant_id == applicant_id,
        Appointment.status == AppointmentStatus.BOOKED.value,
        Appointment.slot_start > now,
    )
    if case_id is not None:
        stmt = stmt.where(Appointment.case_id == case_id)
    else:
        stmt = stmt.where(Appointment.case_id.is_(None), Appointment.service_code == service_code)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def day_list(
    session: AsyncSession, principal: Principal, start: datetime, end: datetime
) -> list[tuple[Appointment, Applicant, ServicePoint]]:
    stmt = (
        _readable_by(principal)
        .add_columns(Applicant, ServicePoint)
        .join(Applicant, Applicant.id == Appointment.applicant_id)
        .join(ServicePoint, ServicePoint.id == Appointment.point_id)
        .where(
            Appointment.slot_start >= start,
            Appointment.slot_start < end,
            Appointment.status != AppointmentStatus.CANCELLED.value,
        )
        .order_by(Appointment.slot_start, ServicePoint.code, Appointment.seat_no)
    )
    return [(a, p, sp) for a, p, sp in (await session.execute(stmt)).all()]


async def due_reminders(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[Appointment, Applicant, ServicePoint]]:
    stmt = (
        select(Appointment, Applicant, ServicePoint)
        .join(Applicant, Applicant.id == Appointment.applicant_id)
        .join(ServicePoint, ServicePoint.id == Appointment.point_id)
        .where(
            Appointment.status == AppointmentStatus.BOOKED.value,
            Appointment.slot_start >= start,
            Appointment.slot_start < end,
        )
    )
    return [(a, p, sp) for a, p, sp in (await session.execute(stmt)).all()]


async def case_labels(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Case]:
    if not ids:
        return {}
    stmt = select(Case).where(Case.id.in_(ids))
    return {c.id: c for c in (await session.execute(stmt)).scalars()}


async def service_of_case(session: AsyncSession, case: Case) -> Service | None:
    return await session.get(Service, case.service_id)


async def language_of(session: AsyncSession, user_id: uuid.UUID) -> str:
    user = await session.get(User, user_id)
    return user.language if user is not None else "zh"


async def appointments_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[Appointment]:
    """The bookings made for one case, latest first. Whoever may read the case may read them:
    the caller's case scope was checked when the case was read."""
    stmt = (
        select(Appointment)
        .where(Appointment.case_id == case_id)
        .order_by(Appointment.slot_start.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def points_offering(session: AsyncSession, district: str, code: str) -> list[ServicePoint]:
    """The district's bookable points that list ``code`` among their services. JSON lists are
    filtered here rather than in SQL, the same way on SQLite and PostgreSQL (a district has a
    handful of points)."""
    stmt = (
        select(ServicePoint)
        .where(ServicePoint.district == district, ServicePoint.bookable.is_(True))
        .order_by(ServicePoint.code)
    )
    return [p for p in (await session.execute(stmt)).scalars() if code in p.service_codes]


async def open_case_for_service(
    session: AsyncSession, applicant_id: uuid.UUID, district: str, code: str
) -> Case | None:
    """The applicant's latest open case of the district's service ``code``, if any."""
    stmt = (
        select(Case)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.applicant_id == applicant_id,
            Case.district == district,
            Service.code == code,
            Case.status.not_in(sorted(CaseStatus.FINAL)),
        )
        .order_by(Case.submitted_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
