"""District administration: the service catalog, the holiday calendar, the audit log."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.models import CalendarDay
from app.repositories import audit as audit_repo
from app.repositories import catalog as catalog_repo
from app.services import audit
from app.services.catalog import ServiceView, service_view


class ServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    description_zh: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    time_limit_days: int | None = Field(default=None, ge=1, le=20)
    allows_missing_materials: bool | None = None
    allows_commitment: bool | None = None
    needs_employer_confirmation: bool | None = None
    is_active: bool | None = None


class CalendarDayUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_workday: bool
    note: str | None = Field(default=None, max_length=200)


class AuditRead(BaseModel):
    seq: int
    occurred_at: Any
    actor_user_id: uuid.UUID | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any]
    hash: str


def _require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise PermissionDenied()


async def update_service(
    session: AsyncSession,
    principal: Principal,
    service_id: uuid.UUID,
    data: ServiceUpdate,
    lang: str,
) -> ServiceView:
    _require(principal, Permission.MANAGE_STAFF)
    service = await catalog_repo.get(session, service_id)
    if service is None or service.district != principal.district:
        raise NotFound()
    changes = data.model_dump(exclude_none=True)
    for key, value in changes.items():
        setattr(service, key, value)
    service.version += 1
    await audit.record(
        session,
        "service.updated",
        actor=principal,
        object_type="service",
        object_id=service.id,
        detail={"changes": changes},
    )
    await session.flush()
    return service_view(service, lang)


async def set_calendar_day(
    session: AsyncSession, principal: Principal, day: date, data: CalendarDayUpdate
) -> None:
    """Admins correct or add days (the package lags each January); their rows are never
    overwritten by the package sync."""
    _require(principal, Permission.MANAGE_STAFF)
    row = await session.get(CalendarDay, day)
    if row is None:
        session.add(
            CalendarDay(day=day, is_workday=data.is_workday, source="admin", note=data.note)
        )
    else:
        row.is_workday, row.source, row.note = data.is_workday, "admin", data.note
    await audit.record(
        session,
        "calendar.updated",
        actor=principal,
        object_type="calendar_day",
        object_id=day.isoformat(),
        detail={"is_workday": data.is_workday},
    )
    await session.flush()


async def read_audit(
    session: AsyncSession, principal: Principal, before_seq: int | None, limit: int
) -> list[AuditRead]:
    """Auditors read their district's entries (and system-wide ones); nobody edits them."""
    _require(principal, Permission.READ_AUDIT)
    rows = await audit_repo.list_entries(
        session, district=principal.district, before_seq=before_seq, limit=limit
    )
    await audit.record(session, "audit.read", actor=principal, detail={"count": len(rows)})
    return [AuditRead.model_validate(r, from_attributes=True) for r in rows]
