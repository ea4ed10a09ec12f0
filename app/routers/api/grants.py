"""One-off grants paid through finance: the beneficiary's grants and the account each is paid
into (a person's own, an organisation's one account), and a payment run's lines for finance."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentApplicant, CurrentEmployer, CurrentUser, PaymentStaff
from app.schemas.grants import CycleLines, GrantAccount, GrantRead
from app.services.payments import grants as grants_service
from app.services.payments import run_lines

router = APIRouter(prefix="/api/v1", tags=["grants"])


@router.get("/my/grants")
async def my_grants(
    request: Request, principal: CurrentUser, session: SessionDep
) -> list[GrantRead]:
    """A person's grants, or an organisation's (its users)."""
    return await grants_service.my_grants(session, principal, language(request))


@router.put("/my/grants/{case_id}/account")
async def give_account(
    case_id: uuid.UUID,
    data: GrantAccount,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> GrantRead:
    """The account a grant of the person's own case is paid into; giving it again (before the
    run takes the grant) replaces it."""
    return await grants_service.give_account(session, principal, case_id, data, language(request))


@router.put("/my/grants/awards/{register_entry_id}/account")
async def give_award_account(
    register_entry_id: uuid.UUID,
    data: GrantAccount,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> list[GrantRead]:
    """The account a programme award's instalments are paid into (every instalment that may
    still take one); answers the award's instalments."""
    return await grants_service.give_award_account(
        session, principal, register_entry_id, data, language(request)
    )


@router.put("/employer/bank-account")
async def organisation_account(
    data: GrantAccount, request: Request, principal: CurrentEmployer, session: SessionDep
) -> list[GrantRead]:
    """The organisation's account for its grants; those waiting for one become ready."""
    return await grants_service.set_organisation_account(
        session, principal, data, language(request)
    )


@router.get("/finance/cycles/{cycle_id}/lines")
async def cycle_lines(
    cycle_id: uuid.UUID,
    request: Request,
    principal: PaymentStaff,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> CycleLines:
    """The run's lines: one-off grants first, then the months of subsidies."""
    return await run_lines.cycle_lines(
        session, principal, cycle_id, language(request), offset=offset, limit=limit
    )
