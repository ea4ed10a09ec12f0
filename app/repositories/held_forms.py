"""Queries for answers held while an applicant signs in again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import HeldForm


async def by_token_hash(session: AsyncSession, token_hash: str) -> HeldForm | None:
    stmt = select(HeldForm).where(HeldForm.token_hash == token_hash).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def remove(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(HeldForm).where(HeldForm.token_hash == token_hash))


async def remove_expired(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(HeldForm).where(HeldForm.expires_at <= now))
