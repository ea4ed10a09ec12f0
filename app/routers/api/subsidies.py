"""Rent subsidy payments: applicants' enrolments; finance makers' and checkers' monthly cycles."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, status
from fastapi.responses import Response
from pydantic import ConfigDict

from app.db import SessionDep
from app.routers.access import CurrentApplicant, PaymentChecker, PaymentMaker, PaymentStaff
from app.schemas.forms import CycleCreate, SubsidyEnrolment
from app.schemas.text import CleanInput
from app.services import payments as subsidies_service
from app.services.payments import CycleRead, EnrolmentRead

router = APIRouter(prefix="/api/v1", tags=["subsidies"])


@router.get("/my/subsidies")
async def my_subsidies(principal: CurrentApplicant, session: SessionDep) -> list[EnrolmentRead]:
    """Schedules, each payment and its status."""
    return await subsidies_service.my_subsidies(session, principal)


@router.post("/my/subsidies", status_code=status.HTTP_201_CREATED)
async def start_payments(
    data: SubsidyEnrolment, principal: CurrentApplicant, session: SessionDep
) -> EnrolmentRead:
    return await subsidies_service.start_payments(session, principal, data)


@router.post("/finance/cycles", status_code=status.HTTP_201_CREATED)
async def generate_cycle(
    data: CycleCreate, principal: PaymentMaker, session: SessionDep
) -> CycleRead:
    """Compute a month's entitlements (finance maker). Again for the same month: the same cycle."""
    return await subsidies_service.generate_cycle(session, principal, data.month)


@router.post("/finance/cycles/{cycle_id}/review")
async def review(cycle_id: uuid.UUID, principal: PaymentMaker, session: SessionDep) -> CycleRead:
    return await subsidies_service.review(session, principal, cycle_id)


@router.post("/finance/cycles/{cycle_id}/approve")
async def approve(cycle_id: uuid.UUID, principal: PaymentChecker, session: SessionDep) -> CycleRead:
    """Finance checker; never the maker of the cycle."""
    return await subsidies_service.approve(session, principal, cycle_id)


@router.get("/finance/cycles/{cycle_id}/batch.csv", response_class=Response)
async def batch_file(cycle_id: uuid.UUID, principal: PaymentStaff, session: SessionDep) -> Response:
    body = await subsidies_service.batch_file(session, principal, cycle_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payments-{cycle_id}.csv"'},
    )


@router.post(
    "/finance/cycles/{cycle_id}/reconciliation",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def reconcile(
    cycle_id: uuid.UUID,
    principal: PaymentMaker,
    session: SessionDep,
    csv_text: Annotated[str, Body(media_type="text/csv", max_length=5_000_000)],
) -> CycleRead:
    """The bank's result file: entitlement_id,status(paid|failed),reference,reason."""
    return await subsidies_service.reconcile(session, principal, cycle_id, csv_text)


class StatusChange(CleanInput):
    model_config = ConfigDict(extra="forbid")
    reason: str


@router.post("/finance/enrolments/{enrolment_id}/{action}")
async def change_status(
    enrolment_id: uuid.UUID,
    action: Literal["suspend", "resume", "terminate"],
    data: StatusChange,
    principal: PaymentMaker,
    session: SessionDep,
) -> EnrolmentRead:
    """Suspend, resume or terminate payments, with a reason sent to the beneficiary."""
    return await subsidies_service.change_status(
        session, principal, enrolment_id, action, data.reason
    )
