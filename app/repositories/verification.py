"""Queries for facts verified by outside systems."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import FactVerification
from app.workflow.applications import FactCheckStatus


async def for_application(
    session: AsyncSession, application_id: uuid.UUID
) -> list[FactVerification]:
    stmt = (
        select(FactVerification)
        .where(FactVerification.application_id == application_id)
        .order_by(FactVerification.system)
    )
    return list((await session.execute(stmt)).scalars())


async def get(
    session: AsyncSession, application_id: uuid.UUID, system: str, *, for_update: bool = False
) -> FactVerification | None:
    stmt = select(FactVerification).where(
        FactVerification.application_id == application_id, FactVerification.system == system
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def due_for_retry(session: AsyncSession, now: datetime, limit: int = 100) -> list[uuid.UUID]:
    stmt = (
        select(FactVerification.id)
        .where(
            FactVerification.status.in_(sorted(FactCheckStatus.OUTSTANDING)),
            FactVerification.next_attempt_at <= now,
        )
        .order_by(FactVerification.next_attempt_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def get_by_id(
    session: AsyncSession, verification_id: uuid.UUID, *, for_update: bool = False
) -> FactVerification | None:
    stmt = select(FactVerification).where(FactVerification.id == verification_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()
