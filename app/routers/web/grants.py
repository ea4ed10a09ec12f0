"""Pages of one-off grants paid through finance: the beneficiary's payments with the account
each is paid into (a person per grant, an organisation once for all), and a payment run's
lines for finance staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, sent_fields, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.routers.access import CurrentApplicant, CurrentEmployer, CurrentUser, PaymentStaff
from app.schemas.grants import GrantAccount
from app.services.payments import grants as grants_service
from app.services.payments import run_lines

router = APIRouter(tags=["grant pages"])
Csrf = Depends(csrf_protect)


async def _payments_context(
    request: Request, principal: Principal, session: SessionDep
) -> PageContext:
    return {
        "grants": await grants_service.my_grants(session, principal, language(request)),
        "organisation": principal.employer_id is not None,
        "notice": request.query_params.get("done"),
    }


def _payments_page(request: Request, principal: Principal, session: SessionDep) -> FormPage:
    return FormPage("applicant/grants.html", lambda: _payments_context(request, principal, session))


@router.get("/payments", response_class=HTMLResponse)
async def payments(request: Request, principal: CurrentUser, session: SessionDep) -> HTMLResponse:
    return render(
        request, "applicant/grants.html", await _payments_context(request, principal, session)
    )


@router.post("/payments/{case_id}/account", dependencies=[Csrf])
async def give_account(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    form = await request.form()
    with shown_on(_payments_page(request, principal, session)):
        data = validate_form(GrantAccount, sent_fields(form, "account_name", "bank_account"))
        await grants_service.give_account(session, principal, case_id, data, language(request))
    return redirect(request, "/payments?done=account")


@router.post("/payments/awards/{register_entry_id}/account", dependencies=[Csrf])
async def give_award_account(
    register_entry_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    form = await request.form()
    with shown_on(_payments_page(request, principal, session)):
        data = validate_form(GrantAccount, sent_fields(form, "account_name", "bank_account"))
        await grants_service.give_award_account(
            session, principal, register_entry_id, data, language(request)
        )
    return redirect(request, "/payments?done=account")


@router.post("/payments/organisation-account", dependencies=[Csrf])
async def organisation_account(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    form = await request.form()
    with shown_on(_payments_page(request, principal, session)):
        data = validate_form(GrantAccount, sent_fields(form, "account_name", "bank_account"))
        await grants_service.set_organisation_account(session, principal, data, language(request))
    return redirect(request, "/payments?done=account")


@router.get("/staff/finance/cycles/{cycle_id}", response_class=HTMLResponse)
async def cycle_lines(
    cycle_id: uuid.UUID,
    request: Request,
    principal: PaymentStaff,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page = await run_lines.cycle_lines(
        session, principal, cycle_id, language(request), offset=offset, limit=100
    )
    return render(request, "staff/finance_cycle.html", {"page": page, "cycle_id": cycle_id})
