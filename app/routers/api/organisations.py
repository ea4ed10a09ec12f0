"""Organisation accounts over JSON (multipart where a licence or letter is sent): registration
and enrolment, the organisation's users and invitations, verification by district staff, and
the ways out of ``awaiting_employer`` for an employer that has not registered."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import FileResponse, Response

from app.core.access import public_api
from app.core.downloads import file_response
from app.core.forms import validate_form
from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.core.uploads import FILES, read_chunks, read_form_with_file
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.routers.access import CaseStaff, CurrentApplicant, CurrentEmployer, require_permission
from app.schemas.cases import CaseRead
from app.schemas.organisations import (
    EmployerInvite,
    Enrolment,
    EnrolmentRead,
    InvitationAccept,
    InvitationCreate,
    InvitationRead,
    OrganisationChange,
    OrganisationHome,
    OrganisationRead,
    OrganisationRegistration,
    Registered,
    RoleChange,
    VerificationDecision,
)
from app.services.organisations import members, paper, referrals, registration, verification
from app.services.organisations.registration import Upload

router = APIRouter(prefix="/api/v1", tags=["organisations"])
_limit = Depends(RateLimit("login", "rate_limit_login"))
OrganisationVerifier = Annotated[
    Principal, Depends(require_permission(Permission.VERIFY_ORGANISATIONS))
]
REGISTERED = N_(
    "We have sent a message to the email address. Open its link to confirm the address and set "
    "up the authenticator; the district then verifies your organisation."
)
ERR_VERSION = N_("Reload the case and try again.")


def _multipart(required: list[str], fields: dict[str, dict[str, str]]) -> dict[str, object]:
    """``openapi_extra`` of a route that takes a form with one file (``file``)."""
    properties = {"file": {"type": "string", "format": "binary"}, **fields}
    schema = {"type": "object", "required": required, "properties": properties}
    return {**FILES, "requestBody": {"content": {"multipart/form-data": {"schema": schema}}}}


_TEXT = {"type": "string"}
REGISTRATION_BODY = _multipart(
    ["file", *(n for n in OrganisationRegistration.model_fields if n != "language")],
    {
        **dict.fromkeys(OrganisationRegistration.model_fields, _TEXT),
        "registered_capital_cny": {"type": "integer"},
    },
)
CHANGE_BODY = _multipart(["name"], {"name": _TEXT})
LETTER_BODY = _multipart(
    ["file", "reason", "expected_version"],
    {"reason": _TEXT, "expected_version": {"type": "integer"}},
)


async def posted_upload(request: Request) -> tuple[Upload | None, dict[str, str]]:
    """The form's fields and its file (``file``), if one was sent."""
    file, fields = await read_form_with_file(request)
    upload = Upload(file.filename or "", read_chunks(file)) if file is not None else None
    return upload, fields


@router.post(
    "/organisations",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(public_api), _limit],
    openapi_extra=REGISTRATION_BODY,
)
async def register(request: Request, session: SessionDep) -> Registered:
    """Registers an organisation with its business licence (multipart: the fields of
    ``OrganisationRegistration`` and ``file``). A credit code with a bad check character or
    already registered, or a missing licence, is refused (422); otherwise the same answer
    whether or not the email address has an account."""
    licence, fields = await posted_upload(request)
    data = validate_form(OrganisationRegistration, fields)
    await registration.register(session, data, licence, channel="api")
    return Registered(detail=REGISTERED)


@router.get("/organisations/enrolment", dependencies=[Depends(public_api), _limit])
async def enrolment(token: str, session: SessionDep) -> EnrolmentRead:
    """The authenticator secret for the emailed link's token (until it is used)."""
    return await registration.enrolment_view(session, token)


@router.post(
    "/organisations/enrolment",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(public_api), _limit],
)
async def enrol(data: Enrolment, session: SessionDep) -> None:
    """Confirms the admin's email address and authenticator with a current code."""
    await registration.enrol(session, data.token, data.totp_code)


@router.get("/organisations/invitations", dependencies=[Depends(public_api), _limit])
async def invitation(token: str, session: SessionDep) -> EnrolmentRead:
    return await members.invitation_view(session, token)


@router.post(
    "/organisations/invitations/accept",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(public_api), _limit],
)
async def accept_invitation(data: InvitationAccept, session: SessionDep) -> None:
    """Joins the organisation: password, name and a code from the authenticator."""
    await members.accept(session, data)


@router.get("/organisations/me")
async def my_organisation(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> OrganisationHome:
    return await members.home(session, principal, language(request))


@router.post("/organisations/me/changes", status_code=204, openapi_extra=CHANGE_BODY)
async def change_organisation(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> None:
    """A new name and/or licence (multipart: ``name``, ``file``): verified again."""
    licence, fields = await posted_upload(request)
    data = validate_form(OrganisationChange, fields)
    await members.change(session, principal, data, licence)


@router.post("/organisations/me/invitations", status_code=status.HTTP_201_CREATED)
async def invite(
    data: InvitationCreate, principal: CurrentEmployer, session: SessionDep
) -> InvitationRead:
    return await members.invite(session, principal, data)


@router.put("/organisations/me/users/{user_id}/role", status_code=204)
async def set_role(
    user_id: uuid.UUID, data: RoleChange, principal: CurrentEmployer, session: SessionDep
) -> None:
    await members.set_role(session, principal, user_id, data.role)


@router.delete("/organisations/me/users/{user_id}", status_code=204)
async def remove_user(user_id: uuid.UUID, principal: CurrentEmployer, session: SessionDep) -> None:
    await members.remove(session, principal, user_id)


@router.get("/staff/organisations")
async def verification_queue(
    request: Request, principal: OrganisationVerifier, session: SessionDep
) -> list[OrganisationRead]:
    """Organisations of the caller's district waiting for verification."""
    return await verification.queue(session, principal, language(request))


@router.get("/staff/organisations/{employer_id}")
async def organisation(
    employer_id: uuid.UUID, request: Request, principal: OrganisationVerifier, session: SessionDep
) -> OrganisationRead:
    return await verification.detail(session, principal, employer_id, language(request))


@router.get("/staff/organisations/{employer_id}/licence", response_class=FileResponse)
async def licence(
    employer_id: uuid.UUID, principal: OrganisationVerifier, session: SessionDep
) -> Response:
    found = await verification.licence(session, principal, employer_id)
    return file_response(found.source, found.filename, found.content_type)


@router.post("/staff/organisations/{employer_id}/decision")
async def decide(
    employer_id: uuid.UUID,
    data: VerificationDecision,
    request: Request,
    principal: OrganisationVerifier,
    session: SessionDep,
) -> OrganisationRead:
    """Approve, or reject with a reason; the organisation's admins are told."""
    return await verification.decide(session, principal, employer_id, data, language(request))


@router.post("/cases/{case_id}/employer-invitations", status_code=status.HTTP_202_ACCEPTED)
async def invite_employer(
    case_id: uuid.UUID, data: EmployerInvite, principal: CurrentApplicant, session: SessionDep
) -> dict[str, int]:
    """The applicant asks the employer named on the case, not registered yet, to register."""
    remaining = await referrals.invite_employer(session, principal, case_id, data)
    return {"remaining_today": remaining}


@router.post("/staff/cases/{case_id}/paper-confirmation", openapi_extra=LETTER_BODY)
async def paper_confirmation(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> CaseRead:
    """Records the employer's signed letter (multipart: ``file``, ``reason``,
    ``expected_version``) in place of its answer in the portal."""
    letter, fields = await posted_upload(request)
    version = fields.get("expected_version", "")
    if not version.isdigit():
        raise ValidationFailed(
            field_errors=[FieldError("expected_version", "required", ERR_VERSION)]
        )
    return await paper.record_paper_confirmation(
        session,
        principal,
        case_id,
        expected_version=int(version),
        reason=fields.get("reason", ""),
        letter=letter,
        lang=language(request),
    )
