"""Queries for a person's rights over their data: staff reads of their records, their data
copies, correction requests, and what stands in the way of deleting their account. Every query
names the person (or, for officers, their district)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AccountDeletion,
    Application,
    AuditEntry,
    Case,
    CaseDocument,
    Consent,
    CorrectionRequest,
    DataExport,
    Document,
    Enrolment,
    Entitlement,
    FactVerification,
    InAppMessage,
    OutboxMessage,
    Service,
    StaffMember,
    User,
)
from app.models.cases import FINAL_CASE_STATUSES

# --- Who viewed my data --------------------------------------------------------------------


async def my_case_ids(session: AsyncSession, applicant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    stmt = select(Case.id, Case.number).where(Case.applicant_id == applicant_id)
    return {row.id: row.number for row in await session.execute(stmt)}


async def document_cases(
    session: AsyncSession, applicant_id: uuid.UUID
) -> dict[uuid.UUID, uuid.UUID | None]:
    """The person's documents, each with a case it is attached to (None: only in the wallet)."""
    stmt = (
        select(Document.id, CaseDocument.case_id)
        .outerjoin(CaseDocument, CaseDocument.document_id == Document.id)
        .where(Document.owner_applicant_id == applicant_id)
        .order_by(Document.id, CaseDocument.attached_at)
    )
    found: dict[uuid.UUID, uuid.UUID | None] = {}
    for document_id, case_id in await session.execute(stmt):
        if found.get(document_id) is None:
            found[document_id] = case_id
    return found


async def staff_reads(
    session: AsyncSession,
    *,
    applicant_id: uuid.UUID,
    case_ids: set[uuid.UUID],
    document_ids: set[uuid.UUID],
    limit: int,
) -> list[tuple[AuditEntry, StaffMember]]:
    """Audit entries written by staff about the person, their cases or their documents, newest
    first, each with the staff record of who wrote it (read for role and department only)."""
    about = [and_(AuditEntry.object_type == "applicant", AuditEntry.object_id == str(applicant_id))]
    if case_ids:
        about.append(
            and_(
                AuditEntry.object_type == "case",
                AuditEntry.object_id.in_([str(i) for i in case_ids]),
            )
        )
    if document_ids:
        about.append(
            and_(
                AuditEntry.object_type == "document",
                AuditEntry.object_id.in_([str(i) for i in document_ids]),
            )
        )
    stmt = (
        select(AuditEntry, StaffMember)
        .join(StaffMember, StaffMember.user_id == AuditEntry.actor_user_id)
        .where(or_(*about))
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


# --- Data copies ---------------------------------------------------------------------------


async def exports_of(
    session: AsyncSession, user_id: uuid.UUID, limit: int = 10
) -> list[DataExport]:
    stmt = (
        select(DataExport)
        .where(DataExport.user_id == user_id)
        .order_by(DataExport.requested_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def export_of(
    session: AsyncSession, user_id: uuid.UUID, export_id: uuid.UUID, *, for_update: bool = False
) -> DataExport | None:
    stmt = select(DataExport).where(DataExport.id == export_id, DataExport.user_id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def _due(queued: str, preparing: str, stale_before: datetime) -> Any:
    # A copy left preparing by a worker that died is taken up again once it is stale.
    return or_(
        DataExport.status == queued,
        and_(DataExport.status == preparing, DataExport.started_at < stale_before),
    )


async def exports_due(
    session: AsyncSession, queued: str, preparing: str, stale_before: datetime, limit: int
) -> list[uuid.UUID]:
    """Background work: every person's copies waiting to be prepared, oldest first."""
    stmt = (
        select(DataExport.id)
        .where(_due(queued, preparing, stale_before))
        .order_by(DataExport.requested_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def claim_export(
    session: AsyncSession,
    export_id: uuid.UUID,
    *,
    queued: str,
    preparing: str,
    stale_before: datetime,
    values: dict[str, Any],
) -> DataExport | None:
    """Takes a due copy for preparing (two workers, one winner), or None."""
    stmt = (
        update(DataExport)
        .where(DataExport.id == export_id, _due(queued, preparing, stale_before))
        .values(**values)
    )
    result = await session.execute(stmt)
    if not getattr(result, "rowcount", 0):
        return None
    return await session.get(DataExport, export_id, populate_existing=True)


async def exports_expired(session: AsyncSession, ready: str, now: datetime) -> list[DataExport]:
    stmt = select(DataExport).where(DataExport.status == ready, DataExport.expires_at <= now)
    return list((await session.execute(stmt)).scalars())


async def set_export(session: AsyncSession, export_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(DataExport).where(DataExport.id == export_id).values(**values))


async def documents_of(session: AsyncSession, applicant_id: uuid.UUID) -> list[Document]:
    stmt = select(Document).where(
        Document.owner_applicant_id == applicant_id, Document.deleted_at.is_(None)
    )
    return list((await session.execute(stmt)).scalars())


# --- Corrections ---------------------------------------------------------------------------


async def verifications_of(
    session: AsyncSession, applicant_id: uuid.UUID
) -> list[FactVerification]:
    stmt = (
        select(FactVerification)
        .where(FactVerification.applicant_id == applicant_id)
        .order_by(FactVerification.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def verification_of(
    session: AsyncSession, applicant_id: uuid.UUID, verification_id: uuid.UUID
) -> tuple[FactVerification, str] | None:
    """One of the person's verified-fact records with the district of the service that asked."""
    stmt = (
        select(FactVerification, Service.district)
        .join(Application, Application.id == FactVerification.application_id)
        .join(Service, Service.id == Application.service_id)
        .where(
            FactVerification.id == verification_id,
            FactVerification.applicant_id == applicant_id,
        )
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def corrections_of(session: AsyncSession, applicant_id: uuid.UUID) -> list[CorrectionRequest]:
    stmt = (
        select(CorrectionRequest)
        .where(CorrectionRequest.applicant_id == applicant_id)
        .order_by(CorrectionRequest.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def corrections_in(
    session: AsyncSession, district: str, statuses: list[str], limit: int = 200
) -> list[CorrectionRequest]:
    stmt = (
        select(CorrectionRequest)
        .where(CorrectionRequest.district == district, CorrectionRequest.status.in_(statuses))
        .order_by(CorrectionRequest.created_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def correction_in(
    session: AsyncSession, district: str, correction_id: uuid.UUID
) -> CorrectionRequest | None:
    stmt = (
        select(CorrectionRequest)
        .where(CorrectionRequest.id == correction_id, CorrectionRequest.district == district)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_verification(
    session: AsyncSession, verification_id: uuid.UUID
) -> FactVerification | None:
    stmt = select(FactVerification).where(FactVerification.id == verification_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


# --- Account deletion ----------------------------------------------------------------------


async def open_case_numbers(session: AsyncSession, applicant_id: uuid.UUID) -> list[str]:
    stmt = (
        select(Case.number)
        .where(Case.applicant_id == applicant_id, Case.status.not_in(FINAL_CASE_STATUSES))
        .order_by(Case.number)
    )
    return list((await session.execute(stmt)).scalars())


async def open_payment_cases(
    session: AsyncSession, applicant_id: uuid.UUID, ended: str, due: str
) -> list[str]:
    """Numbers of the cases whose subsidy enrolment has not ended or still has money due."""
    still_due = select(Entitlement.enrolment_id).where(Entitlement.status == due)
    stmt = (
        select(Case.number)
        .join(Enrolment, Enrolment.case_id == Case.id)
        .where(
            Enrolment.applicant_id == applicant_id,
            or_(Enrolment.status != ended, Enrolment.id.in_(still_due)),
        )
        .order_by(Case.number)
    )
    return list((await session.execute(stmt)).scalars())


async def decided_cases(session: AsyncSession, applicant_id: uuid.UUID) -> list[Case]:
    """The person's cases that reached a final status (decided, closed, withdrawn...)."""
    stmt = select(Case).where(
        Case.applicant_id == applicant_id, Case.status.in_(FINAL_CASE_STATUSES)
    )
    return list((await session.execute(stmt)).scalars())


async def documents_outside_cases(
    session: AsyncSession, applicant_id: uuid.UUID, kept_case_ids: set[uuid.UUID]
) -> list[Document]:
    """The person's documents not attached to a case the law keeps."""
    attached = select(CaseDocument.document_id).where(CaseDocument.case_id.in_(kept_case_ids))
    stmt = select(Document).where(
        Document.owner_applicant_id == applicant_id,
        Document.deleted_at.is_(None),
        Document.id.not_in(attached),
    )
    return list((await session.execute(stmt)).scalars())


async def drop_messages(session: AsyncSession, user_id: uuid.UUID, sent: list[str]) -> None:
    """Deletes the in-app messages and empties the delivered outbox rows of one user."""
    await session.execute(delete(InAppMessage).where(InAppMessage.user_id == user_id))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_user_id == user_id, OutboxMessage.status.in_(sent))
        .values(payload={})
    )


async def drafts_of(
    session: AsyncSession, applicant_id: uuid.UUID, draft: str
) -> list[Application]:
    stmt = select(Application).where(
        Application.applicant_id == applicant_id, Application.status == draft
    )
    return list((await session.execute(stmt)).scalars())


async def withdraw_all_consents(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(Consent)
        .where(Consent.user_id == user_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=at)
    )


async def active_consent(session: AsyncSession, user_id: uuid.UUID, purpose: str) -> Consent | None:
    stmt = (
        select(Consent)
        .where(
            Consent.user_id == user_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.given_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def consenting_users(
    session: AsyncSession, user_ids: set[uuid.UUID], purpose: str
) -> set[uuid.UUID]:
    """Which of these users consent to ``purpose`` now (for senders of optional notices)."""
    if not user_ids:
        return set()
    stmt = select(Consent.user_id).where(
        Consent.user_id.in_(user_ids), Consent.purpose == purpose, Consent.withdrawn_at.is_(None)
    )
    return set((await session.execute(stmt)).scalars())


async def deletion_of(session: AsyncSession, user_id: uuid.UUID) -> AccountDeletion | None:
    stmt = select(AccountDeletion).where(AccountDeletion.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def deletions_keeping_email(session: AsyncSession, limit: int = 200) -> list[AccountDeletion]:
    stmt = (
        select(AccountDeletion)
        .where(AccountDeletion.email_erased_at.is_(None))
        .order_by(AccountDeletion.deleted_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def get_user_for_update(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    stmt = select(User).where(User.id == user_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def pending_confirmations(session: AsyncSession, keys: list[str], pending: str) -> set[str]:
    """Which of these confirmation dedup keys still have a message waiting to go out."""
    if not keys:
        return set()
    patterns = [OutboxMessage.dedup_key.startswith(k + ":") for k in keys]
    stmt = select(OutboxMessage.dedup_key).where(OutboxMessage.status == pending, or_(*patterns))
    return {str(k).rsplit(":", 1)[0] for k in (await session.execute(stmt)).scalars()}
