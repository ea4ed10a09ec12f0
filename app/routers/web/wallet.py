"""The document wallet: upload once, reuse on every application; downloads of one's own files."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on
from app.core.templates import redirect, render
from app.core.uploads import FILES, UploadForm, read_upload
from app.db import SessionDep
from app.domain.documents import DOCUMENT_KIND_LABELS, WALLET_KIND_LABELS
from app.routers.access import CurrentApplicant
from app.schemas.documents import DocumentRead
from app.services import documents as documents_service

router = APIRouter(tags=["applicant pages"])
Csrf = Depends(csrf_protect)


def chosen_document(raw: str) -> uuid.UUID | None:
    """A chosen wallet document; anything that is not an id counts as no choice."""
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@router.get("/wallet", response_class=HTMLResponse)
async def wallet(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return render(request, "applicant/wallet.html", await _wallet_context(session, principal))


async def _wallet_context(session: SessionDep, principal: CurrentApplicant) -> PageContext:
    docs = await documents_service.list_documents(session, principal)
    return {"documents": docs, "kinds": DOCUMENT_KIND_LABELS, "kind_names": WALLET_KIND_LABELS}


@router.post("/wallet", dependencies=[Csrf], openapi_extra=FILES)
async def wallet_upload(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    with shown_on(FormPage("applicant/wallet.html", lambda: _wallet_context(session, principal))):
        upload = await read_upload(request)
        await store_in_wallet(session, principal, upload, default_kind="")
    return redirect(request, "/wallet?uploaded=1")


@router.get("/wallet/{document_id}")
async def wallet_download(
    document_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> Response:
    found = await documents_service.download(session, principal, document_id)
    return file_response(found.source, found.filename, found.content_type)


async def store_in_wallet(
    session: SessionDep, principal: CurrentApplicant, upload: UploadForm, *, default_kind: str
) -> DocumentRead:
    """One uploaded file into the applicant's wallet, with the kind and dates the form gave."""
    return await documents_service.upload(
        session,
        principal,
        owner_applicant_id=None,
        kind=upload.fields.get("kind", default_kind),
        filename=upload.file.filename or "",
        chunks=upload.chunks(),
        valid_from=upload.date_field("valid_from"),
        valid_to=upload.date_field("valid_to"),
    )
