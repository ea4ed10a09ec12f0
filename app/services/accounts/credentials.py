"""Passwords: a signed-in user changes theirs with the current one; anyone resets theirs with a
single-use, short-lived link sent by email (ASVS 6.2, 6.4). Either way every login of the
account ends: web sessions and API refresh tokens alike."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.config import get_settings
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.models import PasswordResetToken, User
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import sessions as sessions_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.forms import PasswordChange, PasswordReset, PasswordResetRequest
from app.security import passwords
from app.security.crypto import token_digest
from app.services import audit, notifications
from app.services.accounts.links import email_link
from app.services.accounts.users import IssuedLogin, open_session, password_problems

ERR_CURRENT_PASSWORD = N_("Your current password is not correct.")
ERR_CONFIRM = N_("The two new passwords are not the same. Type the new password again.")
ERR_RESET_LINK = N_(
    "This reset link has expired or has already been used. Ask for a new link on the "
    '"Forgot your password?" page.'
)


def _new_password_problems(new: str, confirm: str, email: str) -> list[FieldError]:
    problems = password_problems(new, email, field="new_password")
    if new != confirm:
        problems.append(FieldError("new_password_confirm", "password_mismatch", ERR_CONFIRM))
    return problems


async def _set_password(session: AsyncSession, user: User, password: str, now: datetime) -> int:
    """Stores the new password and ends what the old one opened: every login and every reset
    link still out. The owner hears of it by email (and SMS), so a change they did not make
    does not go unnoticed."""
    user.password_hash = passwords.hash_password(password)
    await sessions_repo.use_up_reset_tokens(session, user.id, now)
    revoked = await sessions_repo.revoke_all_for_user(session, user.id, now)
    await notifications.enqueue(
        session,
        read_back=False,
        recipient_user_id=user.id,
        template="account.password_changed",
        payload={},
        language=user.language,
        dedup_key=f"password_changed:{uuid.uuid4()}",
    )
    await session.flush()
    return revoked


async def change_password(
    session: AsyncSession,
    principal: Principal,
    data: PasswordChange,
    *,
    kind: str,
    now: datetime | None = None,
) -> IssuedLogin:
    """Changes the caller's password and ends all their logins, the current one too; the
    caller continues in a new login of the same kind (``kind``: web or api), returned here,
    so whoever held a copy of the old session or token is out."""
    now = now or utcnow()
    user = await accounts_repo.get_user(session, principal.user_id)
    assert user is not None, "a signed-in caller has a user"
    if not passwords.verify_password(user.password_hash, data.current_password):
        raise ValidationFailed(
            field_errors=[FieldError("current_password", "wrong_password", ERR_CURRENT_PASSWORD)]
        )
    problems = _new_password_problems(data.new_password, data.new_password_confirm, user.email)
    if problems:
        raise ValidationFailed(field_errors=problems)
    revoked = await _set_password(session, user, data.new_password, now)
    issued = await open_session(session, user, kind, now)
    await audit.record(
        session,
        "account.password_changed",
        actor=principal,
        object_type="user",
        object_id=user.id,
        detail={"sessions_revoked": revoked},
    )
    return issued


async def request_reset(
    session: AsyncSession, data: PasswordResetRequest, *, now: datetime | None = None
) -> None:
    """Sends a reset link to the address if an active account has it. The caller answers the
    same either way, so the page does not tell who is registered."""
    now = now or utcnow()
    user = await accounts_repo.get_user_by_email(session, data.email)
    if user is None or not user.is_active:
        return
    await email_link(
        session,
        user,
        PasswordResetToken,
        lifetime=timedelta(minutes=get_settings().password_reset_minutes),
        template="account.password_reset",
        path="/reset-password",
        now=now,
    )
    await audit.record(
        session,
        "account.password_reset_requested",
        actor_user_id=user.id,
        object_type="user",
        object_id=user.id,
    )


async def reset_password(
    session: AsyncSession, data: PasswordReset, *, now: datetime | None = None
) -> None:
    """Sets the password with a reset link's token: once, before it expires."""
    now = now or utcnow()
    row = await sessions_repo.get_reset_token(session, token_digest(data.token), for_update=True)
    user = await accounts_repo.get_user(session, row.user_id) if row is not None else None
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or user is None
        or not user.is_active
    ):
        raise ValidationFailed(field_errors=[FieldError("token", "reset_invalid", ERR_RESET_LINK)])
    problems = _new_password_problems(data.new_password, data.new_password_confirm, user.email)
    if problems:
        raise ValidationFailed(field_errors=problems)
    revoked = await _set_password(session, user, data.new_password, now)
    # The link reached the mailbox, which is what confirming the address proves.
    if user.email_verified_at is None:
        user.email_verified_at = now
    await audit.record(
        session,
        "account.password_reset",
        actor_user_id=user.id,
        object_type="user",
        object_id=user.id,
        detail={"sessions_revoked": revoked},
    )
