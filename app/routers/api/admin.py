from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from app.core.access import require_permission
from app.core.templates import language
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.services import admin as admin_service
from app.services.admin import (
    AuditFilter,
    AuditRead,
    CalendarDayRead,
    CalendarDaySaved,
    CalendarDayUpdate,
    ServiceUpdate,
)
from app.services.catalog import ServiceView

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
DistrictAdmin = Annotated[Principal, Depends(require_permission(Permission.MANAGE_STAFF))]
Auditor = Annotated[Principal, Depends(require_permission(Permission.READ_AUDIT))]


class ChainRead(BaseModel):
    ok: bool
    entries: int
    first_bad_seq: int | None


@router.patch("/services/{service_id}")
async def update_service(
    service_id: uuid.UUID,
    data: ServiceUpdate,
    request: Request,
    principal: DistrictAdmin,
    session: SessionDep,
) -> ServiceView:
    """Edit a service of the admin's district (names, time limit, 容缺/告知承诺 flags)."""
    return await admin_service.update_service(
        session, principal, service_id, data, language(request)
    )


@router.get("/calendar")
async def read_calendar(
    principal: DistrictAdmin,
    session: SessionDep,
    year: int = Query(ge=admin_service.MIN_YEAR, le=admin_service.MAX_YEAR),
) -> list[CalendarDayRead]:
    """The year's holidays and 调休 working days (from the package or set by admins)."""
    return await admin_service.calendar_year(session, principal, year)


@router.put("/calendar/{day}")
async def set_calendar_day(
    day: date, data: CalendarDayUpdate, principal: DistrictAdmin, session: SessionDep
) -> CalendarDaySaved:
    """Mark a day as a holiday or a 调休 working day; deadlines of cases whose clock runs are
    recomputed at once (``deadlines_moved`` says how many changed)."""
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
