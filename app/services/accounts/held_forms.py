"""Answers posted to a question page when the sign-in had expired (issue 4: nothing is lost
when a session expires).

The posted fields are kept server-side for a short while under a random token that only the
browser holds (in a cookie); the row stores the token's digest and the fields encrypted, bound
to that digest. After the applicant signs in again the fields are merged into the draft, but
only if the draft is the signed-in applicant's own: a token carried into someone else's
browser, or a draft of another account, merges nothing. Each token is used once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from app.domain.principal import Principal
from app.models import HeldForm
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import held_forms as repo
from app.repositories.unit_of_work import AsyncSession
from app.security.crypto import new_token, token_digest
from app.services import protection
from app.workflow.applications import ApplicationStatus

HOLD_FOR = timedelta(hours=2)
MAX_FIELDS = 100
MAX_VALUE_CHARS = 2000
_CONTEXT = "held_form.fields"


@dataclass(frozen=True)
class Held:
    page: int
    fields: list[tuple[str, str]]


async def can_hold(session: AsyncSession, application_id: uuid.UUID) -> bool:
    """Whether there is a draft to hold answers for (the same answer either way to the browser,
    which learns nothing from it)."""
    app = await cases_repo.get_application_by_id(session, application_id)
    return app is not None and app.status == ApplicationStatus.DRAFT


async def hold(
    session: AsyncSession, application_id: uuid.UUID, page: int, fields: list[tuple[str, str]]
) -> str:
    """Keeps the posted text fields; returns the token for the browser."""
    now = utcnow()
    await repo.remove_expired(session, now)
    token = new_token()
    digest = token_digest(token)
    kept = [(k[:100], v[:MAX_VALUE_CHARS]) for k, v in fields[:MAX_FIELDS]]
    session.add(
        HeldForm(
            token_hash=digest,
            application_id=application_id,
            page=page,
            fields_enc=protection.cipher().encrypt(
                json.dumps(kept, ensure_ascii=False), f"{_CONTEXT}:{digest}"
            ),
            created_at=now,
            expires_at=now + HOLD_FOR,
        )
    )
    await session.flush()
    return token


async def release(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, token: str
) -> Held | None:
    """The held fields for this draft of the signed-in applicant, used up; None when there are
    none, they expired, or the draft is not theirs."""
    digest = token_digest(token)
    row = await repo.by_token_hash(session, digest)
    if row is None or row.application_id != application_id:
        return None
    await repo.remove(session, digest)
    if row.expires_at <= utcnow():
        return None
    if await cases_repo.get_application(session, principal, application_id) is None:
        return None
    raw = protection.cipher().decrypt(row.fields_enc, f"{_CONTEXT}:{digest}")
    return Held(row.page, [(str(k), str(v)) for k, v in json.loads(raw)])


async def discard(session: AsyncSession, token: str) -> None:
    await repo.remove(session, token_digest(token))
