"""Queries of the onboarding bundle's record (its cases are the case engine's)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import OnboardingRecord


async def record_of(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> OnboardingRecord | None:
    stmt = select(OnboardingRecord).where(OnboardingRecord.case_id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, record: OnboardingRecord) -> None:
    session.add(record)
    await session.flush()
