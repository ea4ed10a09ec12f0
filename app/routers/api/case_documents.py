"""Staff checks of case documents for counter and mobile apps: the mark and validity dates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.routers.access import require_permission
from app.schemas.documents import DocumentMark, DocumentVerify
from app.services import documents as documents_service

router = APIRouter(prefix="/api/v1/staff/cases", tags=["back office"])
CaseHandler = Annotated[Principal, Depends(require_permission(Permission.HANDLE_CASES))]


@router.get("/{case_id}/documents")
async def case_documents(
    case_id: uuid.UUID, principal: CaseHandler, session: SessionDep
) -> list[DocumentMark]:
    """The case's documents with their staff check and validity dates."""
    marks = await documents_service.marks_for_case(session, principal, case_id)
    return list(marks.values())


@router.post("/{case_id}/documents/{document_id}/verification")
async def verify_case_document(
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    data: DocumentVerify,
    principal: CaseHandler,
    session: SessionDep,
) -> DocumentMark:
    """A reviewer or window clerk marks a document of the case as checked against the
    original, optionally recording its validity dates. Repeating it changes nothing."""
    return await documents_service.verify_for_case(session, principal, case_id, document_id, data)
