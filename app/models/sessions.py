"""Server-side login sessions (web cookies and API tokens) and login throttling."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class AuthSession(UUIDPrimaryKey, Base):
    """One login. Only SHA-256 digests of the tokens are stored, so a dump cannot be replayed."""

    __tablename__ = "auth_session"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # web | api
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    token_expires_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # absolute end of the login (web) or of the refresh token (api)
    revoked_at: Mapped[datetime | None]


class RetiredRefreshToken(Base):
    """A refresh token that a refresh replaced. The login's row is its token family: when a
    retired token comes back, someone holds a copy, so the whole login is revoked."""

    __tablename__ = "retired_refresh_token"

    refresh_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_session.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordResetToken(UUIDPrimaryKey, Base):
    """A password-reset link sent by email: only its SHA-256 digest is stored; it works once,
    until ``expires_at``."""

    __tablename__ = "password_reset_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class EmailConfirmation(UUIDPrimaryKey, Base):
    """The link sent to a new applicant's email address: only its SHA-256 digest is stored; it
    works once, until ``expires_at``."""

    __tablename__ = "email_confirmation"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed-login counter keyed by a hash of the login name, known account or not.

    Keying by the submitted name (not the user id) makes unknown accounts lock exactly like real
    ones, so the answers do not reveal which emails are registered.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
