"""Service points and appointments for mobile apps: the directory (public), a point's free
slots (public), and the applicant's bookings; window clerks read their district's day and
check people in."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request, status

from app.core.forms import validate_form
from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentApplicant, CurrentUser, PublicPage, WindowClerk
from app.schemas.service_points import (
    AppointmentCreate,
    AppointmentRead,
    AppointmentReschedule,
    PointFilter,
    PointRead,
    SlotDay,
)
from app.services.service_points import booking, desk, directory

router = APIRouter(prefix="/api/v1", tags=["service points"])


@router.get("/service-points")
async def list_points(
    request: Request,
    principal: PublicPage,
    session: SessionDep,
    district: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> list[PointRead]:
    """Nearest first from ``lat``/``lon``, or from the centre of ``district``."""
    where = validate_form(PointFilter, {"district": district, "lat": lat, "lon": lon})
    found = await directory.directory(session, where, language(request))
    return found.points


@router.get("/service-points/{code}/slots")
async def point_slots(
    code: str, request: Request, principal: PublicPage, session: SessionDep
) -> list[SlotDay]:
    """Free slots over the booking horizon, by Shanghai day."""
    return await directory.slot_days(session, code, language(request))


@router.get("/appointments")
async def list_appointments(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    day: date | None = None,
) -> list[AppointmentRead]:
    """An applicant's own bookings; for a window clerk, the district's list of ``day``."""
    if principal.applicant_id is not None:
        return await booking.mine(session, principal, language(request))
    _shown, rows = await desk.day_list(session, principal, day, language(request))
    return rows


@router.post("/appointments", status_code=status.HTTP_201_CREATED)
async def create_appointment(
    request: Request, data: AppointmentCreate, principal: CurrentApplicant, session: SessionDep
) -> AppointmentRead:
    return await booking.book(session, principal, data, language(request))


@router.get("/appointments/{appointment_id}")
async def get_appointment(
    request: Request, appointment_id: uuid.UUID, principal: CurrentUser, session: SessionDep
) -> AppointmentRead:
    return await booking.get(session, principal, appointment_id, language(request))


@router.post("/appointments/{appointment_id}/reschedule")
async def reschedule_appointment(
    request: Request,
    appointment_id: uuid.UUID,
    data: AppointmentReschedule,
    principal: CurrentApplicant,
    session: SessionDep,
) -> AppointmentRead:
    return await booking.reschedule(session, principal, appointment_id, data, language(request))


@router.post("/appointments/{appointment_id}/cancel")
async def cancel_appointment(
    request: Request, appointment_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> AppointmentRead:
    return await booking.cancel(session, principal, appointment_id, language(request))


@router.post("/staff/appointments/{appointment_id}/check-in")
async def check_in(
    request: Request, appointment_id: uuid.UUID, principal: WindowClerk, session: SessionDep
) -> AppointmentRead:
    """Arrival: the window's walk-in flow continues with ``applicant_id``."""
    await desk.check_in(session, principal, appointment_id)
    return await booking.get(session, principal, appointment_id, language(request))


@router.post("/staff/appointments/{appointment_id}/no-show")
async def no_show(
    request: Request, appointment_id: uuid.UUID, principal: WindowClerk, session: SessionDep
) -> AppointmentRead:
    await desk.mark_no_show(session, principal, appointment_id)
    return await booking.get(session, principal, appointment_id, language(request))
