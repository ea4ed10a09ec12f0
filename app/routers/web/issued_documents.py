"""Issued documents as pages: the public verification page a document's QR code opens (with a
form that compares an uploaded copy), the written decision's download from the case page for
the applicant and the case's staff, and the video appointments the responsible staff schedule
and record on the staff case page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.ratelimit import RateLimit
from app.core.templates import language, redirect, render
from app.core.uploads import FILES, read_upload
from app.db import SessionDep
from app.routers.access import CaseStaff, CurrentApplicant, PublicPage
from app.routers.web.backoffice import case_form
from app.schemas.issued_documents import VideoCheckCreate, VideoCheckRecord
from app.services.issued_documents import on_case, verification

router = APIRouter(tags=["issued documents pages"])
Csrf = Depends(csrf_protect)
Limited = Depends(RateLimit("verify", "rate_limit_public"))
RESULTS = {"match", "mismatch"}


@router.get("/verify/{token}", response_class=HTMLResponse, dependencies=[Limited])
async def verify_page(
    token: str, request: Request, principal: PublicPage, session: SessionDep
) -> HTMLResponse:
    document = await verification.verification_view(session, token, language(request))
    result = request.query_params.get("result")
    return render(
        request,
        "public/verify.html",
        {"document": document, "result": result if result in RESULTS else None},
    )


@router.post(
    "/verify/{token}", dependencies=[Csrf, Limited], openapi_extra=FILES, response_model=None
)
async def verify_copy(
    token: str, request: Request, principal: PublicPage, session: SessionDep
) -> Response:
    """Compares an uploaded copy with the document issued; the copy is not kept."""
    lang = language(request)

    async def page() -> PageContext:
        return {"document": await verification.verification_view(session, token, lang)}

    with shown_on(FormPage("public/verify.html", page)):
        upload = await read_upload(request)
        checked = await verification.check_copy(session, token, upload.chunks())
    outcome = "match" if checked.matches else "mismatch"
    return redirect(request, f"/verify/{token}?result={outcome}#result")


@router.get("/cases/{case_id}/issued/{doc_id}.pdf")
async def applicant_download(
    case_id: uuid.UUID, doc_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> Response:
    found = await on_case.download(session, principal, case_id, doc_id)
    return file_response(found.source, found.filename, found.content_type)


@router.get("/staff/cases/{case_id}/issued/{doc_id}.pdf")
async def staff_download(
    case_id: uuid.UUID, doc_id: uuid.UUID, principal: CaseStaff, session: SessionDep
) -> Response:
    found = await on_case.download(session, principal, case_id, doc_id)
    return file_response(found.source, found.filename, found.content_type)


@router.post("/staff/cases/{case_id}/video-checks", dependencies=[Csrf])
async def schedule_video_check(
    case_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
    scheduled_at: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    lang = language(request)
    page: FormPage = case_form(session, principal, case_id, lang, failed_action="video_check")
    with shown_on(page):
        data = validate_form(
            VideoCheckCreate, {"scheduled_at": scheduled_at or None, "note": note or None}
        )
        await on_case.schedule_video_check(session, principal, case_id, data)
    return redirect(request, f"/staff/cases/{case_id}?done=video_check_scheduled#video-checks")


@router.post("/staff/cases/{case_id}/video-checks/{check_id}", dependencies=[Csrf])
async def record_video_check(
    case_id: uuid.UUID,
    check_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
    outcome: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    lang = language(request)
    page: FormPage = case_form(session, principal, case_id, lang, failed_action="video_check")
    with shown_on(page):
        data = validate_form(VideoCheckRecord, {"outcome": outcome or None, "note": note or None})
        await on_case.record_video_check(session, principal, case_id, check_id, data)
    return redirect(request, f"/staff/cases/{case_id}?done=video_check_recorded#video-checks")
