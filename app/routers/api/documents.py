from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse, Response

from app.core.downloads import file_response
from app.core.uploads import UPLOAD_OPENAPI, read_upload
from app.db import SessionDep
from app.routers.access import CurrentApplicant
from app.schemas.documents import DocumentRead
from app.services import documents as documents_service

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=UPLOAD_OPENAPI)
async def upload_document(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> DocumentRead:
    """Upload a PDF, JPEG or PNG (checked by content) into the wallet. 413 if too large,
    415 if the type is wrong; nothing is stored in either case."""
    form = await read_upload(request)
    return await documents_service.upload(
        session,
        principal,
        owner_applicant_id=None,
        kind=form.fields.get("kind", ""),
        filename=form.file.filename or "",
        chunks=form.chunks(),
        valid_from=form.date_field("valid_from"),
        valid_to=form.date_field("valid_to"),
    )


@router.get("")
async def list_documents(principal: CurrentApplicant, session: SessionDep) -> list[DocumentRead]:
    return await documents_service.list_documents(session, principal)


@router.get("/{document_id}/content", response_class=FileResponse)
async def download_document(
    document_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> Response:
    found = await documents_service.download(session, principal, document_id)
    return file_response(found.source, found.filename, found.content_type)
