"""Queries for login sessions and the failed-login throttle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AuthSession,
    EmailConfirmation,
    LoginThrottle,
    PasswordResetToken,
    RetiredRefreshToken,
    User,
)
from app.repositories.accounts import Party, party_query


@dataclass(frozen=True)
class Caller:
    """A login session with its user and party record, as one lookup answers it."""

    session_id: uuid.UUID
    session_kind: str
    last_seen_at: datetime
    token_expires_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    party: Party


_SESSION_COLUMNS = (
    AuthSession.id.label("session_id"),
    AuthSession.kind.label("session_kind"),
    AuthSession.last_seen_at.label("last_seen_at"),
    AuthSession.token_expires_at.label("token_expires_at"),
    AuthSession.expires_at.label("expires_at"),
    AuthSession.revoked_at.label("revoked_at"),
)
# Built once with a bound parameter: every request runs it.
_CALLER = (
    party_query(*_SESSION_COLUMNS)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


async def caller_by_token_hash(session: AsyncSession, token_hash: str) -> Caller | None:
    """Every request asks this, so it is one query rather than one per record."""
    row = (await session.execute(_CALLER, {"token_hash": token_hash})).first()
    if row is None:
        return None
    values = row._asdict()
    own = {c.key: values.pop(c.key) for c in _SESSION_COLUMNS}
    return Caller(**own, party=Party(**values))


async def touch(
    session: AsyncSession,
    session_id: uuid.UUID,
    *,
    last_seen_at: datetime,
    token_expires_at: datetime,
) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id)
        .values(last_seen_at=last_seen_at, token_expires_at=token_expires_at)
    )


async def get_by_refresh_hash(
    session: AsyncSession, refresh_hash: str, *, for_update: bool = False
) -> AuthSession | None:
    stmt = select(AuthSession).where(AuthSession.refresh_hash == refresh_hash)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_throttle(
    session: AsyncSession, key: str, *, for_update: bool = False
) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.key == key)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def family_of_retired_refresh(
    session: AsyncSession, refresh_hash: str
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The login (and its user) whose refresh token this was before a refresh replaced it."""
    stmt = (
        select(RetiredRefreshToken.session_id, AuthSession.user_id)
        .join(AuthSession, AuthSession.id == RetiredRefreshToken.session_id)
        .where(RetiredRefreshToken.refresh_hash == refresh_hash)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def revoke(session: AsyncSession, session_id: uuid.UUID, at: datetime) -> bool:
    """Revokes one login; False if it was already revoked."""
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> int:
    """Ends every login of the user, web sessions and API refresh tokens alike."""
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def get_reset_token(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> PasswordResetToken | None:
    stmt = select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def use_up_reset_tokens(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    """Every outstanding reset link of the user stops working (one was used, or the password
    changed)."""
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )


async def get_email_confirmation(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> EmailConfirmation | None:
    stmt = select(EmailConfirmation).where(EmailConfirmation.token_hash == token_hash)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()
