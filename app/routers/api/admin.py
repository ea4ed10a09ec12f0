from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.routers.access import require_permission
from app.services import admin as admin_service
from app.services.admin import (
    AdminServiceRead,
    AuditFilter,
    AuditRead,
    CalendarDayRead,
    CalendarDaySaved,
    CalendarDayUpdate,
    ServiceUpdate,
)

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
DistrictAdmin = Annotated[Principal, Depends(require_permission(Permission.MANAGE_CATALOG))]
CalendarReader = Annotated[
    Principal,
    Depends(require_permission(Permission.MANAGE_CATALOG, Permission.EDIT_CITY_CALENDAR)),
]
CalendarEditor = Annotated[Principal, Depends(require_permission(Permission.EDIT_CITY_CALENDAR))]
Auditor = Annotated[Principal, Depends(require_permission(Permission.READ_AUDIT))]


class ChainRead(BaseModel):
    ok: bool
    entries: int
    first_bad_seq: int | None


@router.get("/services")
async def list_services(principal: DistrictAdmin, session: SessionDep) -> list[AdminServiceRead]:
    """Every service of the admin's district, inactive ones and bundle steps included."""
    return await admin_service.list_services(session, principal)


@router.get("/services/{service_id}")
async def read_service(
    service_id: uuid.UUID, principal: DistrictAdmin, session: SessionDep
) -> AdminServiceRead:
    return await admin_service.get_service(session, principal, service_id)


@router.patch("/services/{service_id}")
async def update_service(
    service_id: uuid.UUID,
    data: ServiceUpdate,
    principal: DistrictAdmin,
    session: SessionDep,
) -> AdminServiceRead:
    """Edit a service of the admin's district: names, descriptions, time limit, 容缺/告知承诺
    flags, active flag and materials (codes of the material list, whether each is key, and a
    ``when`` condition such as ``degree_country != 'CN'``). Audited."""
    return await admin_service.update_service(session, principal, service_id, data)


@router.get("/calendar")
async def read_calendar(
    principal: CalendarReader,
    session: SessionDep,
    year: int = Query(ge=admin_service.MIN_YEAR, le=admin_service.MAX_YEAR),
) -> list[CalendarDayRead]:
    """The year's holidays and 调休 working days (from the package or set by admins)."""
    return await admin_service.calendar_year(session, principal, year)


@router.put("/calendar/{day}")
async def set_calendar_day(
    day: date, data: CalendarDayUpdate, principal: CalendarEditor, session: SessionDep
) -> CalendarDaySaved:
    """City calendar administrators only (the calendar is city-wide): mark a day as a holiday
    or a 调休 working day; deadlines of cases whose clock runs are recomputed at once
    (``deadlines_moved`` says how many changed), and every district's audit log shows it."""
    return await admin_service.set_calendar_day(session, principal, day, data)


class AuditPageRead(BaseModel):
    entries: list[AuditRead]
    # Pass as ``before_seq`` for the next (older) page; null on the last page.
    next_before_seq: int | None


@router.get("/audit")
async def read_audit(
    principal: Auditor,
    session: SessionDep,
    filters: Annotated[AuditFilter, Query()],
) -> AuditPageRead:
    """The district's audit entries, newest first (done by its staff or concerning its cases,
    services and staff). Dates are Shanghai days, both inclusive."""
    page = await admin_service.read_audit(session, principal, filters)
    return AuditPageRead(entries=page.entries, next_before_seq=page.next_before_seq)


@router.get("/audit/verification")
async def verify_audit(principal: Auditor, session: SessionDep) -> ChainRead:
    """Checks the whole hash chain, as ``talent-portal audit verify`` does."""
    report = await admin_service.verify_audit_chain(session, principal)
    return ChainRead(ok=report.ok, entries=report.entries, first_bad_seq=report.first_bad_seq)
