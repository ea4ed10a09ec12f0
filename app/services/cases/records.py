"""What is kept on a case besides its status: notes (internal or to the applicant) and the
documents staff attach or read."""

from __future__ import annotations

import uuid

from app.domain.principal import Principal
from app.errors import (
    NotFound,
    PermissionDenied,
)
from app.models import (
    CaseDocument,
    CaseNote,
    Document,
)
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import documents as documents_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import (
    CaseRead,
    NoteCreate,
)
from app.services import audit, notifications
from app.services.cases.context import load_case, message_payload
from app.services.cases.views import case_view


async def add_note(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: NoteCreate, lang: str
) -> CaseRead:
    if principal.staff_id is None:
        raise PermissionDenied()
    case, service = await load_case(session, principal, case_id)
    note = CaseNote(
        case_id=case.id,
        author_user_id=principal.user_id,
        body=data.body,
        to_applicant=data.to_applicant,
    )
    session.add(note)
    await session.flush()
    if data.to_applicant:
        applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
        if applicant is not None:
            await notifications.enqueue(
                session,
                recipient_user_id=applicant.user_id,
                template="case.message",
                payload={
                    **message_payload(case, service, applicant.user.language),
                    "reason": data.body,
                },
                language=applicant.user.language,
                dedup_key=f"note:{note.id}",
                case_id=case.id,
                read_back=False,
            )
    await audit.record(
        session,
        "case.note_added",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"to_applicant": data.to_applicant},
    )
    return await case_view(session, principal, case.id, lang)


async def attach_document(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    requirement: str,
) -> None:
    """The applicant adds a wallet document to their case (answering a supplement request)."""
    case, _service = await load_case(session, principal, case_id)
    if principal.applicant_id != case.applicant_id:
        raise NotFound()
    session.add(
        CaseDocument(case_id=case.id, document_id=document_id, requirement=requirement[:60])
    )
    await session.flush()


async def case_document_for_staff(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, document_id: uuid.UUID
) -> Document:
    """A document of a case in the caller's district; every staff view is audited."""
    case, _service = await load_case(session, principal, case_id)
    linked = {cd.document_id for cd in await cases_repo.case_documents(session, case.id)}
    if document_id not in linked:
        raise NotFound()
    doc = await documents_repo.get(session, document_id)
    if doc is None:
        raise NotFound()
    await audit.record(
        session,
        "document.viewed",
        actor=principal,
        object_type="document",
        object_id=doc.id,
        detail={"case": str(case.id)},
    )
    return doc
