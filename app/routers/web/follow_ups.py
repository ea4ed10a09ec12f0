"""Work that follows decided cases: call-backs on low ratings (好差评) and the checks of
commitments (告知承诺), recorded as checked or revoked with a reason the applicant is told."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import (
    FormPage,
    PageContext,
    shown_on,
    validate_form,
)
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError
from app.i18n import N_
from app.routers.access import (
    require_permission,
)
from app.schemas.tasks import FollowUpResolve, VerificationConfirm, VerificationRevoke
from app.services.cases import follow_ups as tasks_service

router = APIRouter(prefix="/staff", tags=["staff pages"])
Csrf = Depends(csrf_protect)
Approver = Annotated[Principal, Depends(require_permission(Permission.APPROVE_CASES))]
Supervisor = Annotated[Principal, Depends(require_permission(Permission.FOLLOW_UP_RATINGS))]


@router.get("/follow-ups", response_class=HTMLResponse)
async def follow_ups(request: Request, principal: Supervisor, session: SessionDep) -> HTMLResponse:
    """好差评: poor ratings to call back about, and the ratings per service, department, window."""
    data = await tasks_service.follow_ups_page(session, principal, language(request))
    return render(
        request,
        "staff/follow_ups.html",
        {**data, "notice": request.query_params.get("done"), "values": {}},
    )


@router.post("/follow-ups/{task_id}/resolve", dependencies=[Csrf])
async def resolve_follow_up(
    task_id: uuid.UUID,
    request: Request,
    principal: Supervisor,
    session: SessionDep,
    resolution: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Records what came of the call-back (回访) to the applicant."""
    lang = language(request)

    async def follow_ups_page() -> PageContext:
        data = await tasks_service.follow_ups_page(session, principal, lang)
        return {**data, "failed_task": str(task_id), "values": {"resolution": resolution}}

    # Each task on the page has its own form: errors point at that task's fields.
    page = FormPage("staff/follow_ups.html", follow_ups_page, field_id=lambda f: f"{f}-{task_id}")
    with shown_on(page):
        outcome = validate_form(FollowUpResolve, {"resolution": resolution})
        await tasks_service.resolve_follow_up(session, principal, task_id, outcome)
    return redirect(request, "/staff/follow-ups?done=resolved")


@router.get("/verifications", response_class=HTMLResponse)
async def verifications(request: Request, principal: Approver, session: SessionDep) -> HTMLResponse:
    """告知承诺: approvals on commitment the approver's department still has to check."""
    tasks = await tasks_service.verification_tasks(session, principal, language(request))
    return render(
        request,
        "staff/verifications.html",
        {"tasks": tasks, "notice": request.query_params.get("done"), "values": {}},
    )


def _verification_form(
    request: Request,
    principal: Principal,
    session: SessionDep,
    task_id: uuid.UUID,
    form: str,
    values: dict[str, str],
) -> FormPage:
    """The list again with the failed form open; field errors point at that task's fields."""

    async def tasks_page() -> PageContext:
        return {
            "tasks": await tasks_service.verification_tasks(session, principal, language(request)),
            "failed_task": str(task_id),
            "failed_form": form,
            "values": values,
        }

    return FormPage("staff/verifications.html", tasks_page, field_id=lambda f: f"{f}-{task_id}")


@router.post("/verifications/{task_id}/verified", dependencies=[Csrf])
async def commitment_verified(
    task_id: uuid.UUID,
    request: Request,
    principal: Approver,
    session: SessionDep,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    page = _verification_form(request, principal, session, task_id, "verified", {"note": note})
    with shown_on(page):
        checked = validate_form(VerificationConfirm, {"note": note})
        await tasks_service.confirm(session, principal, task_id, checked)
    return redirect(request, "/staff/verifications?done=verified")


@router.post("/verifications/{task_id}/revoke", dependencies=[Csrf])
async def revoke_on_verification(
    task_id: uuid.UUID,
    request: Request,
    principal: Approver,
    session: SessionDep,
    expected_version: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    clause: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    values = {"reason": reason, "clause": clause}
    unconfirmed: list[FieldError] = []
    if not confirm:
        unconfirmed.append(
            FieldError("confirm", "required", N_("Confirm that the approval is to be revoked."))
        )
    with shown_on(_verification_form(request, principal, session, task_id, "revoke", values)):
        revocation = validate_form(
            VerificationRevoke, {"expected_version": expected_version, **values}, also=unconfirmed
        )
        await tasks_service.revoke(session, principal, task_id, revocation, language(request))
    return redirect(request, "/staff/verifications?done=revoked")
