"""Consent for optional processing (notices of newly qualifying, service updates): given and
withdrawn by the person at any time, effective at once, each change recorded with its time
(PIPL Art. 15). A sender of such a notice asks ``may_notify`` first."""

from __future__ import annotations

import uuid

from app.config import get_settings
from app.domain.enums import ConsentPurpose
from app.domain.principal import Principal
from app.errors import NotFound
from app.i18n import N_
from app.models import Consent
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import rights as rights_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.rights import ConsentRead
from app.services import audit
from app.services.rights.access_log import shanghai_time

OPTIONAL = (ConsentPurpose.QUALIFYING_NOTICES, ConsentPurpose.SERVICE_UPDATES)
PURPOSE_NAMES = {
    ConsentPurpose.PERSONAL_INFO.value: N_(
        "Processing of personal information for talent services"
    ),
    ConsentPurpose.SENSITIVE_INFO.value: N_("Processing of sensitive personal information"),
    ConsentPurpose.QUALIFYING_NOTICES.value: N_(
        "Tell me when a policy change means I may qualify for a service"
    ),
    ConsentPurpose.SERVICE_UPDATES.value: N_("News about the portal's services (no advertising)"),
}


async def consents(session: AsyncSession, principal: Principal) -> list[ConsentRead]:
    rows = await accounts_repo.consents_for(session, principal.user_id)
    shown = []
    for purpose in ConsentPurpose:
        mine = [r for r in rows if r.purpose == purpose.value]
        latest = max(mine, key=lambda r: r.given_at) if mine else None
        if latest is None and purpose not in OPTIONAL:
            continue
        shown.append(
            ConsentRead(
                purpose=purpose.value,
                optional=purpose in OPTIONAL,
                given=latest is not None and latest.withdrawn_at is None,
                given_at=latest.given_at if latest else None,
                given_local=shanghai_time(latest.given_at) if latest else None,
                withdrawn_at=latest.withdrawn_at if latest else None,
                withdrawn_local=(
                    shanghai_time(latest.withdrawn_at) if latest and latest.withdrawn_at else None
                ),
            )
        )
    return shown


async def change(
    session: AsyncSession, principal: Principal, purpose: str, given: bool, channel: str
) -> list[ConsentRead]:
    """Gives or withdraws an optional consent; doing what is already so changes nothing."""
    try:
        chosen = ConsentPurpose(purpose)
    except ValueError:
        raise NotFound() from None
    if chosen not in OPTIONAL:
        raise NotFound()
    active = await rights_repo.active_consent(session, principal.user_id, chosen.value)
    now = utcnow()
    if given and active is None:
        session.add(
            Consent(
                user_id=principal.user_id,
                purpose=chosen.value,
                notice_version=get_settings().privacy_notice_version,
                channel=channel,
                given_at=now,
            )
        )
        await audit.record(
            session,
            "consent.given",
            actor=principal,
            object_type="user",
            object_id=principal.user_id,
            detail={"purpose": chosen.value},
        )
    elif not given and active is not None:
        active.withdrawn_at = now
        await audit.record(
            session,
            "consent.withdrawn",
            actor=principal,
            object_type="user",
            object_id=principal.user_id,
            detail={"purpose": chosen.value},
        )
    await session.flush()
    return await consents(session, principal)


async def may_notify(
    session: AsyncSession, user_ids: set[uuid.UUID], purpose: ConsentPurpose
) -> set[uuid.UUID]:
    """Of these users, those who consent to ``purpose`` now."""
    return await rights_repo.consenting_users(session, user_ids, purpose.value)
