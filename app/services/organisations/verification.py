"""District staff verify the organisations registered in their district: the queue, the
licence, approve or reject with a reason (a notice to the organisation's admins in their
language), every step audited and kept in the organisation's history.

Verifying an organisation is also how a case naming its credit code before it registered
leaves ``awaiting_employer``: open cases naming the code attach to it and appear in its list
of confirmations to give.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from app.config import get_settings
from app.domain.principal import Principal
from app.errors import FieldError, NotFound, ValidationFailed
from app.i18n import N_, gettext
from app.models import Employer
from app.models.base import utcnow
from app.repositories import organisations as org_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.organisations import OrganisationRead, ReviewEntry, VerificationDecision
from app.services import audit, documents, notifications
from app.services.organisations.registration import record_step
from app.workflow.organisations import ORGANISATIONS, OrganisationEvent, OrganisationStatus

ERR_REASON = N_("Give the reason, so the organisation knows what to correct.")

STATUS_LABELS: dict[OrganisationStatus, str] = {
    OrganisationStatus.UNCONFIRMED: N_("Email address not confirmed yet"),
    OrganisationStatus.PENDING: N_("Waiting for verification by the district"),
    OrganisationStatus.VERIFIED: N_("Verified"),
    OrganisationStatus.REJECTED: N_("Not verified"),
}


async def organisation_view(
    session: AsyncSession, employer: Employer, lang: str, *, history: bool = True
) -> OrganisationRead:
    steps = await org_repo.reviews(session, employer.id) if history else []
    return OrganisationRead(
        id=employer.id,
        name=employer.name,
        uscc=employer.uscc,
        district=employer.district,
        org_type=employer.org_type,
        status=employer.status,
        status_label=gettext(lang, STATUS_LABELS[OrganisationStatus(employer.status)]),
        registered_capital_cny=employer.registered_capital_cny,
        industry=employer.industry,
        licence_name=employer.licence_name,
        awaits_decision=ORGANISATIONS.allows(employer.status, OrganisationEvent.APPROVE),
        history=[
            ReviewEntry(
                at=s.occurred_at,
                event=s.event,
                from_status=s.from_status,
                to_status=s.to_status,
                status_label=gettext(lang, STATUS_LABELS[OrganisationStatus(s.to_status)]),
                reason=s.reason,
                name=s.name,
            )
            for s in steps
        ],
    )


async def queue(session: AsyncSession, principal: Principal, lang: str) -> list[OrganisationRead]:
    """Organisations of the caller's district waiting for verification, oldest first."""
    rows = await org_repo.queue(session, principal, OrganisationStatus.PENDING.value)
    return [await organisation_view(session, e, lang, history=False) for e in rows]


async def _reviewable(
    session: AsyncSession, principal: Principal, employer_id: uuid.UUID, *, for_update: bool = False
) -> Employer:
    employer = await org_repo.get_reviewable(session, principal, employer_id, for_update=for_update)
    if employer is None:
        raise NotFound()
    return employer


async def detail(
    session: AsyncSession, principal: Principal, employer_id: uuid.UUID, lang: str
) -> OrganisationRead:
    employer = await _reviewable(session, principal, employer_id)
    await audit.record(
        session,
        "organisation.viewed",
        actor=principal,
        object_type="employer",
        object_id=employer.id,
    )
    return await organisation_view(session, employer, lang)


async def licence(
    session: AsyncSession, principal: Principal, employer_id: uuid.UUID
) -> documents.Download:
    employer = await _reviewable(session, principal, employer_id)
    if employer.licence_storage_key is None:
        raise NotFound()
    await audit.record(
        session,
        "organisation.licence_viewed",
        actor=principal,
        object_type="employer",
        object_id=employer.id,
    )
    return documents.Download(
        documents.storage().source(employer.licence_storage_key),
        employer.licence_name or "licence",
        employer.licence_content_type or "application/octet-stream",
    )


async def decide(
    session: AsyncSession,
    principal: Principal,
    employer_id: uuid.UUID,
    data: VerificationDecision,
    lang: str,
    *,
    now: datetime | None = None,
) -> OrganisationRead:
    now = now or utcnow()
    employer = await _reviewable(session, principal, employer_id, for_update=True)
    approve = data.decision == "approve"
    reason = data.reason.strip() or None
    if not approve and reason is None:
        raise ValidationFailed(field_errors=[FieldError("reason", "required", ERR_REASON)])
    event = OrganisationEvent.APPROVE if approve else OrganisationEvent.REJECT
    await record_step(session, employer, event, principal.user_id, reason, now)
    attached = await attach_cases(session, employer, now) if approve else []
    for user_id, language in await org_repo.admin_recipients(session, employer.id):
        await notifications.enqueue(
            session,
            read_back=False,
            recipient_user_id=user_id,
            template="organisation.approved" if approve else "organisation.rejected",
            payload={"organisation_name": employer.name, "reason": reason or ""},
            language=language,
            dedup_key=f"organisation:{employer.id.hex}:{now.timestamp():.0f}:{event}:{user_id.hex[:8]}",
        )
    await audit.record(
        session,
        "organisation.approved" if approve else "organisation.rejected",
        actor=principal,
        object_type="employer",
        object_id=employer.id,
        detail={"reason": reason, "cases_attached": len(attached)},
    )
    return await organisation_view(session, employer, lang)


async def attach_cases(session: AsyncSession, employer: Employer, now: datetime) -> list[uuid.UUID]:
    """Open cases naming the organisation's code attach to it; its confirmers hear of them."""
    ids = await org_repo.attach_named_cases(session, employer.id, employer.uscc, now)
    for case_id in ids:
        await audit.record(
            session,
            "case.employer_attached",
            object_type="case",
            object_id=case_id,
            detail={"employer": str(employer.id)},
        )
    if ids:
        url = f"{get_settings().base_url.rstrip('/')}/employer/cases"
        for user_id, language in await org_repo.admin_recipients(session, employer.id):
            await notifications.enqueue(
                session,
                read_back=False,
                recipient_user_id=user_id,
                template="organisation.cases_waiting",
                payload={"organisation_name": employer.name, "count": len(ids), "url": url},
                language=language,
                dedup_key=f"organisation:{employer.id.hex}:cases:{now.timestamp():.0f}:{user_id.hex[:8]}",
            )
    return ids
