"""Aggregates for the housing dashboard, per district."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApartmentUnit, Enrolment, Entitlement, PaymentCycle, WaitlistEntry
from app.workflow.housing import WaitlistStatus
from app.workflow.payments import EnrolmentStatus, EntitlementStatus


async def units_by_status(session: AsyncSession, district: str) -> dict[str, int]:
    stmt = (
        select(ApartmentUnit.status, func.count())
        .where(ApartmentUnit.district == district)
        .group_by(ApartmentUnit.status)
    )
    return {s: int(n) for s, n in await session.execute(stmt)}


async def waiting_since(session: AsyncSession, district: str) -> list[datetime]:
    stmt = select(WaitlistEntry.joined_at).where(
        WaitlistEntry.district == district, WaitlistEntry.status.in_(sorted(WaitlistStatus.ON_LIST))
    )
    return list((await session.execute(stmt)).scalars())


async def active_beneficiaries(session: AsyncSession, district: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.district == district, Enrolment.status == EnrolmentStatus.ACTIVE)
    )
    return int((await session.execute(stmt)).scalar_one())


async def paid_by_month(session: AsyncSession, district: str) -> list[tuple[date, int]]:
    stmt = (
        select(PaymentCycle.month, func.coalesce(func.sum(Entitlement.amount_cny), 0))
        .join(Entitlement, Entitlement.cycle_id == PaymentCycle.id)
        .where(PaymentCycle.district == district, Entitlement.status == EntitlementStatus.PAID)
        .group_by(PaymentCycle.month)
        .order_by(PaymentCycle.month)
    )
    return [(m, int(a)) for m, a in await session.execute(stmt)]
