"""Queries for the service catalog (public data: no caller scoping needed)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Service


async def get_by_code(session: AsyncSession, district: str, code: str) -> Service | None:
    stmt = select(Service).where(Service.district == district, Service.code == code)
    return (await session.execute(stmt)).scalar_one_or_none()


async def names_by_code(
    session: AsyncSession, district: str, codes: Collection[str]
) -> dict[str, tuple[str, str]]:
    """The Chinese and English names of a district's services with these codes, in one read."""
    stmt = select(Service.code, Service.name_zh, Service.name_en).where(
        Service.district == district, Service.code.in_(sorted(codes))
    )
    return {code: (zh, en) for code, zh, en in (await session.execute(stmt)).all()}


async def get(session: AsyncSession, service_id: uuid.UUID) -> Service | None:
    return await session.get(Service, service_id)


async def list_active(
    session: AsyncSession, district: str | None = None, *, applicable_only: bool = False
) -> list[Service]:
    """Active services; ``applicable_only`` leaves out bundle steps, which nobody applies for,
    and the services organisations file (the employer workspace lists those)."""
    stmt = select(Service).where(Service.is_active.is_(True))
    if applicable_only:
        stmt = stmt.where(Service.part_of.is_(None), Service.for_organisations.is_(False))
    if district:
        stmt = stmt.where(Service.district == district)
    stmt = stmt.order_by(Service.district, Service.code)
    return list((await session.execute(stmt)).scalars())


async def list_for_district(session: AsyncSession, district: str) -> list[Service]:
    """Every service of a district, inactive ones and bundle steps included (administration)."""
    stmt = (
        select(Service)
        .where(Service.district == district)
        .order_by(Service.part_of.is_not(None), Service.code)
    )
    return list((await session.execute(stmt)).scalars())
