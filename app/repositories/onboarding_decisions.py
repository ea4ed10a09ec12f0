"""Queries of the onboarding bundle's further decisions: its letters and its fast track."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import OnboardingFastTrack, OnboardingLetter


async def letters_of(session: AsyncSession, case_id: uuid.UUID) -> list[OnboardingLetter]:
    stmt = select(OnboardingLetter).where(OnboardingLetter.case_id == case_id)
    return list((await session.execute(stmt)).scalars())


async def letter_of(
    session: AsyncSession, case_id: uuid.UUID, kind: str
) -> OnboardingLetter | None:
    # Callers hold the bundle's record locked, which serialises decisions on one bundle.
    stmt = select(OnboardingLetter).where(
        OnboardingLetter.case_id == case_id, OnboardingLetter.kind == kind
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def fast_track_of(session: AsyncSession, case_id: uuid.UUID) -> OnboardingFastTrack | None:
    stmt = select(OnboardingFastTrack).where(OnboardingFastTrack.case_id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, row: OnboardingLetter | OnboardingFastTrack) -> None:
    session.add(row)
    await session.flush()
