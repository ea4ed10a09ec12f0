"""The paper route out of ``awaiting_employer``: the case's department reviewer or a window
clerk records the employer's signed letter (scanned) with a reason, in place of the employer's
answer in the portal. The letter is kept on the case; the step is audited."""

from __future__ import annotations

import uuid

from app.domain.documents import DocumentKind
from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.models import CaseDocument
from app.repositories import cases as cases_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseActionRequest, CaseRead
from app.services import audit, documents
from app.services.cases import actions
from app.services.organisations.registration import Upload
from app.workflow.states import CaseAction

LETTER = "employer_letter"  # the requirement the letter is kept under on the case


async def record_paper_confirmation(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    *,
    expected_version: int,
    reason: str,
    letter: Upload | None,
    lang: str,
) -> CaseRead:
    if principal.staff_id is None:
        raise PermissionDenied()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None:
        raise NotFound()
    request = CaseActionRequest(
        action=CaseAction.RECORD_PAPER_CONFIRMATION,
        expected_version=expected_version,
        reason=reason,
    )
    if letter is None:
        # The action refuses without its letter, naming the field.
        return await actions.act(session, principal, case_id, request, lang)
    doc = await documents.upload(
        session,
        principal,
        owner_applicant_id=case.applicant_id,
        kind=DocumentKind.OTHER.value,
        filename=letter.filename,
        chunks=letter.chunks,
    )
    session.add(CaseDocument(case_id=case.id, document_id=doc.id, requirement=LETTER))
    await session.flush()
    view = await actions.act(session, principal, case_id, request, lang, letter_id=doc.id)
    await audit.record(
        session,
        "case.paper_confirmation",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"letter": str(doc.id), "reason": reason[:500]},
    )
    return view
