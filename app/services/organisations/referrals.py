"""The ways out of ``awaiting_employer`` when the employer named by credit code has not
registered: the applicant invites the employer to register (email and/or SMS, rate limited),
and staff record the employer's signed letter instead (``paper_confirmation``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.config import get_settings
from app.domain.identity import mask_mobile
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, RateLimited, ValidationFailed
from app.i18n import N_
from app.models import EmployerReferral
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import organisations as org_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.organisations import EmployerInvite
from app.services import audit, notifications
from app.services.cases.context import waits_for_registration

# At most this many invitations per case a day: enough to reach the right person, too few to
# turn the portal into a way of sending messages to strangers.
REFERRALS_PER_DAY = 3
ERR_NO_ADDRESS = N_("Enter your employer's email address or mobile number, or both.")
ERR_NOT_WAITING = N_("This application is not waiting for an employer to register.")


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


async def invite_employer(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    data: EmployerInvite,
    *,
    now: datetime | None = None,
) -> int:
    """Sends the invitation; returns how many more may be sent today."""
    now = now or utcnow()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None or case.applicant_id != principal.applicant_id:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None
    if not waits_for_registration(case, service):
        raise Conflict(ERR_NOT_WAITING)
    if data.email is None and data.mobile is None:
        raise ValidationFailed(field_errors=[FieldError("email", "required", ERR_NO_ADDRESS)])
    sent = await org_repo.referrals_since(session, case.id, now - timedelta(days=1))
    if sent >= REFERRALS_PER_DAY:
        raise RateLimited(headers={"Retry-After": str(24 * 3600)})
    assert case.employer_uscc is not None
    row = EmployerReferral(
        case_id=case.id,
        uscc=case.employer_uscc,
        email_masked=_mask_email(data.email) if data.email else None,
        mobile_masked=mask_mobile(data.mobile) if data.mobile else None,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    channels = [
        c
        for c, address in ((notifications.EMAIL, data.email), (notifications.SMS, data.mobile))
        if address
    ]
    await notifications.enqueue(
        session,
        read_back=False,
        recipient_user_id=principal.user_id,
        template="organisation.register_invitation",
        payload={
            "service_name": {"zh": service.name_zh, "en": service.name_en},
            "case_number": case.number,
            "uscc": case.employer_uscc,
            "url": f"{get_settings().base_url.rstrip('/')}/organisations/register",
        },
        language="zh",
        dedup_key=f"employer_referral:{row.id}",
        channels=channels,
        case_id=case.id,
        to=notifications.Contact("invitee", data.email, data.mobile),
    )
    await audit.record(
        session,
        "case.employer_invited",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"email": row.email_masked, "mobile": row.mobile_masked},
    )
    return REFERRALS_PER_DAY - sent - 1
