"""Shapes of one-off grants paid through finance: a grant as its beneficiary and staff see it,
the bank account given for it, and a payment run's lines as finance staff see them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.schemas.text import CleanInput, Line
from app.workflow.grants import GrantStatus


class GrantRead(BaseModel):
    """A decision's grant, or one instalment of a programme award's grant (no case: the
    programme and the instalment, in the reader's language, stand as ``case_number`` and the
    programme as ``service_name``; the award's internal reference is never shown)."""

    id: uuid.UUID
    case_id: uuid.UUID | None
    case_number: str
    service_name: str
    beneficiary_name: str
    amount_cny: int
    status: str
    status_label: str
    bank_account_masked: str | None
    returned_reason: str | None
    paid_at: datetime | None
    register_entry_id: uuid.UUID | None = None
    instalment: int | None = None
    payable_on: date | None = None
    amount_assumed: bool = False

    @property
    def takes_account(self) -> bool:
        """The beneficiary may give (or change) the account it is paid into."""
        return self.status in GrantStatus.ACCOUNT_OPEN


class GrantAccount(CleanInput):
    """The account a person's one-off grant is paid into; an organisation's is its own."""

    account_name: Line = Field(max_length=100)
    bank_account: str = Field(max_length=40)


ONE_OFF_LINE = "one_off"


class CycleLine(BaseModel):
    """One line of a payment run: a month of a rent subsidy or a one-off grant."""

    id: uuid.UUID
    kind: str  # monthly | one_off
    beneficiary_name: str
    service_name: str
    case_number: str
    amount_cny: int
    status: str
    carried: bool

    @property
    def is_one_off(self) -> bool:
        return self.kind == ONE_OFF_LINE


class CycleLines(BaseModel):
    lines: list[CycleLine]
    total: int
    one_off: int
    offset: int
    limit: int


class OneOffView(BaseModel):
    """On a case of a service paid once through finance: the rules' amount (the approver's
    default), the amount decided, and the grant once approved."""

    rules_amount_cny: int | None
    decided_amount_cny: int | None
    grant: GrantRead | None
