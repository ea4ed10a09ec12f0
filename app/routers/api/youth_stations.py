"""Youth-station stays for mobile apps: the stations and their free beds by night (public),
the applicant's days this year, stays and bookings; station staff read their district's day
and check guests in and out."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request, status

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentApplicant, PublicPage, StationStaff
from app.schemas.youth_stations import DaysThisYear, StationRead, StayCreate, StayRead
from app.services.youth_stations import desk, stations, stays

router = APIRouter(prefix="/api/v1/youth-stations", tags=["youth stations"])


@router.get("")
async def list_stations(
    request: Request, principal: PublicPage, session: SessionDep, district: str | None = None
) -> list[StationRead]:
    return await stations.station_list(session, language(request), district)


@router.get("/{code}/calendar")
async def station_calendar(
    code: str, request: Request, principal: PublicPage, session: SessionDep
) -> StationRead:
    """Free beds each night (Shanghai dates) over the booking horizon."""
    return await stations.calendar(session, code, language(request))


@router.get("/days")
async def my_days(principal: CurrentApplicant, session: SessionDep) -> DaysThisYear:
    """This year's days: counted from recorded stays, booked, declared for stays elsewhere."""
    return await stays.my_days(session, principal)


@router.get("/stays")
async def my_stays(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> list[StayRead]:
    return await stays.mine(session, principal, language(request))


@router.post("/stays", status_code=status.HTTP_201_CREATED)
async def book_stay(
    request: Request, data: StayCreate, principal: CurrentApplicant, session: SessionDep
) -> StayRead:
    return await stays.book(session, principal, data, language(request))


@router.get("/stays/{stay_id}")
async def get_stay(
    request: Request, stay_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> StayRead:
    return await stays.get(session, principal, stay_id, language(request))


@router.post("/stays/{stay_id}/cancel")
async def cancel_stay(
    request: Request, stay_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> StayRead:
    return await stays.cancel(session, principal, stay_id, language(request))


@router.get("/desk")
async def desk_day(
    request: Request, principal: StationStaff, session: SessionDep, day: date | None = None
) -> list[StayRead]:
    """The district's stays arriving, staying or leaving on ``day`` (today by default)."""
    _shown, rows = await desk.day_list(session, principal, day, language(request))
    return rows


@router.post("/desk/stays/{stay_id}/check-in")
async def check_in(
    request: Request, stay_id: uuid.UUID, principal: StationStaff, session: SessionDep
) -> StayRead:
    await desk.check_in(session, principal, stay_id)
    return await desk.get(session, principal, stay_id, language(request))


@router.post("/desk/stays/{stay_id}/check-out")
async def check_out(
    request: Request, stay_id: uuid.UUID, principal: StationStaff, session: SessionDep
) -> StayRead:
    await desk.check_out(session, principal, stay_id)
    return await desk.get(session, principal, stay_id, language(request))


@router.post("/desk/stays/{stay_id}/no-show")
async def no_show(
    request: Request, stay_id: uuid.UUID, principal: StationStaff, session: SessionDep
) -> StayRead:
    """Releases the bed of a guest who did not arrive by the first day's cut-off."""
    await desk.mark_no_show(session, principal, stay_id)
    return await desk.get(session, principal, stay_id, language(request))
