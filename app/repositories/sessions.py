"""Queries for login sessions and the failed-login throttle."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthSession, LoginThrottle


async def get_by_token_hash(session: AsyncSession, token_hash: str) -> AuthSession | None:
    result = await session.execute(select(AuthSession).where(AuthSession.token_hash == token_hash))
    return result.scalar_one_or_none()


async def get_by_refresh_hash(
    session: AsyncSession, refresh_hash: str, *, for_update: bool = False
) -> AuthSession | None:
    stmt = select(AuthSession).where(AuthSession.refresh_hash == refresh_hash)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def get_throttle(
    session: AsyncSession, key: str, *, for_update: bool = False
) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.key == key)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()
