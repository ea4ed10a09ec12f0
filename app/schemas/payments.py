"""Shapes of monthly subsidy payments: the enrolment request, the recipient's enrolments with
their payments, and a cycle as finance staff see it (what it waits for is asked of the view)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel

from app.workflow.payments import PaymentCycleStatus


class EntitlementRead(BaseModel):
    id: uuid.UUID
    month: date
    month_index: int
    amount_cny: int
    status: str
    carried: bool


class EnrolmentRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    policy_id: str
    schedule: list[int]
    cap_total_cny: int
    starts_on: date
    months_paid: int
    total_paid_cny: int
    status: str
    status_reason: str | None
    bank_account_masked: str
    payments: list[EntitlementRead]


class CycleRead(BaseModel):
    id: uuid.UUID
    district: str
    month: date
    status: str
    entitlements: int  # lines: months of subsidies and one-off grants
    total_cny: int
    one_off: int = 0  # of which one-off grants
    maker_user_id: uuid.UUID | None
    checker_user_id: uuid.UUID | None

    @property
    def awaiting_review(self) -> bool:
        """Computed and waiting for a finance maker's review."""
        return self.status == PaymentCycleStatus.COMPUTED

    @property
    def awaiting_checker(self) -> bool:
        """Reviewed and waiting for a different finance checker's approval."""
        return self.status == PaymentCycleStatus.REVIEWED

    @property
    def bank_file_ready(self) -> bool:
        return self.status in PaymentCycleStatus.EXPORTABLE
