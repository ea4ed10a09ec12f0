"""Issued documents for mobile apps and integrations: the public verification of a document by
its token (and of an uploaded copy), a case's written decisions and their PDFs, and the video
checks on a case (read by its applicant and staff, scheduled and recorded by its staff)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import FileResponse, Response

from app.core.downloads import file_response
from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.core.uploads import UPLOAD_OPENAPI, read_upload
from app.db import SessionDep
from app.routers.access import CaseStaff, CurrentUser, PublicPage
from app.schemas.issued_documents import (
    IssuedDocumentRead,
    VerificationCheck,
    VerificationRead,
    VideoCheckCreate,
    VideoCheckRead,
    VideoCheckRecord,
)
from app.services.issued_documents import on_case, verification

router = APIRouter(prefix="/api/v1", tags=["issued documents"])
Limited = Depends(RateLimit("verify", "rate_limit_public"))


@router.get("/verify/{token}", dependencies=[Limited])
async def verify(
    token: str, request: Request, principal: PublicPage, session: SessionDep
) -> VerificationRead:
    """What was issued under ``token`` (the document's QR code): kind, case number, decision,
    issue time, the masked name and the SHA-256 of the PDF. 404 for an unknown token."""
    return await verification.verification_view(session, token, language(request))


@router.post("/verify/{token}", dependencies=[Limited], openapi_extra=UPLOAD_OPENAPI)
async def verify_copy(
    token: str, request: Request, principal: PublicPage, session: SessionDep
) -> VerificationCheck:
    """Whether the uploaded ``file`` is exactly the document issued (SHA-256); not kept."""
    form = await read_upload(request)
    return await verification.check_copy(session, token, form.chunks())


@router.get("/cases/{case_id}/issued-documents")
async def case_documents(
    case_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> list[IssuedDocumentRead]:
    return await on_case.list_for_case(session, principal, case_id, language(request))


@router.get(
    "/cases/{case_id}/issued-documents/{doc_id}/pdf",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def case_document_pdf(
    case_id: uuid.UUID, doc_id: uuid.UUID, principal: CurrentUser, session: SessionDep
) -> Response:
    found = await on_case.download(session, principal, case_id, doc_id)
    return file_response(found.source, found.filename, found.content_type)


@router.get("/cases/{case_id}/video-checks")
async def video_checks(
    case_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> list[VideoCheckRead]:
    return await on_case.video_checks_of(session, principal, case_id, language(request))


@router.post("/cases/{case_id}/video-checks", status_code=status.HTTP_201_CREATED)
async def schedule_video_check(
    case_id: uuid.UUID, data: VideoCheckCreate, principal: CaseStaff, session: SessionDep
) -> VideoCheckRead:
    """By the case's responsible staff member; ``staff_id`` names a colleague of the case's
    department who holds the call (the caller when left out)."""
    return await on_case.schedule_video_check(session, principal, case_id, data)


@router.post("/cases/{case_id}/video-checks/{check_id}/outcome")
async def record_video_check(
    case_id: uuid.UUID,
    check_id: uuid.UUID,
    data: VideoCheckRecord,
    principal: CaseStaff,
    session: SessionDep,
) -> VideoCheckRead:
    """Once: verified, failed or no_show, by the staff member who held it or the responsible."""
    return await on_case.record_video_check(session, principal, case_id, check_id, data)
