from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from app.core.access import require_permission
from app.core.templates import language
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.services import admin as admin_service
from app.services.admin import AuditRead, CalendarDayUpdate, ServiceUpdate
from app.services.catalog import ServiceView

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
DistrictAdmin = Annotated[Principal, Depends(require_permission(Permission.MANAGE_STAFF))]
Auditor = Annotated[Principal, Depends(require_permission(Permission.READ_AUDIT))]


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


@router.put("/calendar/{day}", status_code=status.HTTP_204_NO_CONTENT)
async def set_calendar_day(
    day: date, data: CalendarDayUpdate, principal: DistrictAdmin, session: SessionDep
) -> None:
    """Mark a day as a holiday or a 调休 working day."""
    await admin_service.set_calendar_day(session, principal, day, data)


@router.get("/audit")
async def read_audit(
    principal: Auditor,
    session: SessionDep,
    before_seq: int | None = Query(default=None, ge=1),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[AuditRead]:
    return await admin_service.read_audit(session, principal, before_seq, limit)
