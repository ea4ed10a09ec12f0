"""一窗通办 for counter and mobile apps: find or register a walk-in, file a service for them with
scanned documents (accepted at once), and read the acceptance receipt. The same service calls as
the window pages (``app/services/window.py``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.core.forms import validate_form
from app.core.templates import language
from app.core.uploads import ACCEPTS_FILES, refuse_oversize
from app.db import SessionDep
from app.domain.enums import IdKind, Permission
from app.domain.principal import Principal
from app.i18n import N_, gettext
from app.routers.access import require_permission
from app.routers.scans import scanned_files
from app.schemas.accounts import ApplicantRead, Registration
from app.schemas.cases import DeadlineView
from app.schemas.forms import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_KEY_MIN_LENGTH,
    WindowFiling,
)
from app.schemas.text import CleanInput
from app.services.accounts import staff as staff_service
from app.services.applications import window as window_service

router = APIRouter(prefix="/api/v1/staff/window", tags=["one window"])
Clerk = Annotated[Principal, Depends(require_permission(Permission.HANDLE_WINDOW))]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=IDEMPOTENCY_KEY_MIN_LENGTH,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
    ),
]


class WalkInLookup(CleanInput):
    model_config = ConfigDict(extra="forbid")
    id_kind: IdKind = IdKind.RESIDENT_ID
    id_number: str = Field(min_length=1, max_length=30)


class WalkInRequest(CleanInput):
    """Either ``find`` (by 居民身份证 or passport number, through the blind index) or
    ``registration`` (a new applicant whose consent is given at the window)."""

    model_config = ConfigDict(extra="forbid")
    find: WalkInLookup | None = None
    registration: Registration | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> WalkInRequest:
        if (self.find is None) == (self.registration is None):
            raise PydanticCustomError(
                "find_or_register", N_("Give either find or registration, not both.")
            )
        return self


@router.post("/applicants")
async def walk_in(
    data: WalkInRequest, response: Response, principal: Clerk, session: SessionDep
) -> ApplicantRead:
    """Finds the walk-in (200; 404 when nobody has the number, and the attempt is audited) or
    registers them (201)."""
    if data.find is not None:
        return await window_service.find(
            session, principal, data.find.id_kind.value, data.find.id_number
        )
    assert data.registration is not None
    applicant_id = await window_service.register_walk_in(session, principal, data.registration)
    response.status_code = status.HTTP_201_CREATED
    return await staff_service.get_applicant(session, principal, applicant_id)


class FilingRead(BaseModel):
    case_id: uuid.UUID
    receipt_url: str


FILING_OPENAPI: dict[str, Any] = {
    ACCEPTS_FILES: True,
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["service_id"],
                    "properties": {
                        "service_id": {"type": "string", "format": "uuid"},
                        "answers": {
                            "type": "string",
                            "description": "JSON object of talent facts by name",
                        },
                        "original_seen": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "material codes whose originals the clerk saw",
                        },
                        "pending_due_on": {"type": "string", "format": "date"},
                        "file_{material_code}": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    },
}


@router.post(
    "/applicants/{applicant_id}/filings",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=FILING_OPENAPI,
)
async def file_for_walk_in(
    applicant_id: uuid.UUID,
    request: Request,
    principal: Clerk,
    session: SessionDep,
    idempotency_key: IdempotencyKey,
) -> FilingRead:
    """Files a service of the clerk's district for the walk-in with scanned documents
    (``file_<material code>``), marks originals seen and accepts; the clerk is first
    responsible. Retrying with the same Idempotency-Key returns the same case."""
    lang = language(request)
    refuse_oversize(request)
    form = await request.form(max_files=30, max_fields=200)
    # The window page's schema; the answers come as one JSON field, the key as a header.
    data = validate_form(
        WindowFiling,
        {
            "service_id": form.get("service_id"),
            "answers": form.get("answers"),
            "original_seen": [str(v) for v in form.getlist("original_seen")],
            "pending_due_on": form.get("pending_due_on"),
            "idempotency_key": idempotency_key,
        },
    )
    filing = await window_service.filing_form(
        session, principal, applicant_id, data.service_id, lang
    )
    case_id = await window_service.file_and_accept(
        session, principal, applicant_id, data, scanned_files(form, filing.materials), lang
    )
    return FilingRead(case_id=case_id, receipt_url=f"/api/v1/staff/window/cases/{case_id}/receipt")


class ReceiptRead(BaseModel):
    """受理回执: what the walk-in takes home (a QR code of ``status_url`` opens the status page)."""

    number: str
    service_name: str
    applicant_name: str
    applicant_id_masked: str
    submitted_at: datetime | None
    accepted_on: date | None
    deadline: DeadlineView | None
    lookup_code: str
    status_url: str
    clerk_name: str
    district: str
    # 受理回执 when accepted; otherwise a receipt of documents (收件回执) saying what happens
    # instead (``instead``, in the request's language).
    accepted: bool = True
    instead: str | None = None
    documents: list[str] = []


@router.get("/cases/{case_id}/receipt")
async def receipt(
    case_id: uuid.UUID, request: Request, principal: Clerk, session: SessionDep
) -> ReceiptRead:
    data = await window_service.receipt(session, principal, case_id, language(request))
    return ReceiptRead(
        number=data.number,
        service_name=data.service_name,
        applicant_name=data.applicant_name,
        applicant_id_masked=data.applicant_id_masked,
        submitted_at=data.submitted_at,
        accepted_on=data.accepted_on,
        deadline=data.deadline,
        lookup_code=data.lookup_code,
        status_url=data.status_url,
        clerk_name=data.clerk_name,
        district=data.district,
        accepted=data.accepted,
        instead=gettext(language(request), data.instead) if data.instead else None,
        documents=data.documents,
    )
