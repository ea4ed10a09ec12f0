"""Single-use links emailed to an account's owner (confirm the address, reset the password).

Only a digest of the token is stored; the token itself travels in the email. Email only: the
link must reach the mailbox, not the message centre of a session that may be someone else's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import EmailConfirmation, PasswordResetToken, User
from app.repositories.unit_of_work import AsyncSession
from app.security.crypto import new_token, token_digest
from app.services import notifications

LinkRow = EmailConfirmation | PasswordResetToken


async def email_link(
    session: AsyncSession,
    user: User,
    row_type: type[LinkRow],
    *,
    lifetime: timedelta,
    template: str,
    path: str,
    now: datetime,
) -> LinkRow:
    """Stores the link's digest (``row_type``), then queues the email that carries it."""
    token = new_token()
    row = row_type(
        user_id=user.id,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    await session.flush()
    await notifications.enqueue(
        session,
        read_back=False,
        recipient_user_id=user.id,
        template=template,
        payload={"deadline": row.expires_at, "url": f"{path}?token={token}"},
        language=user.language,
        dedup_key=f"{template}:{row.id}",
        channels=[notifications.EMAIL],
    )
    return row
