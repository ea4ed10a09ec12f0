"""Shapes of organisations' claims and the employer workspace: one input schema for the CSV
page and the JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.messages import MessageRead

LineValue = str | int | float | bool | None


class ClaimFiling(BaseModel):
    """An organisation's application. Batch claims carry ``lines`` (one object per line, the
    CSV's columns); the monthly subsidy its ``month`` (YYYY-MM); studios and workstations their
    ``plan``. With ``save_valid_only`` the valid lines are filed and the others left out;
    without it nothing is filed unless every line is valid."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(min_length=1, max_length=60)
    lines: list[dict[str, LineValue]] = Field(default_factory=list, max_length=500)
    month: str | None = Field(default=None, max_length=7)
    plan: str | None = Field(default=None, max_length=4000)
    save_valid_only: bool = False
    idempotency_key: str | None = Field(default=None, max_length=100)


class LineReport(BaseModel):
    line: int
    name: str
    id_masked: str | None
    amount_cny: int | None
    errors: list[str]

    @property
    def valid(self) -> bool:
        return not self.errors


class ClaimCheck(BaseModel):
    """The line-by-line report of a batch, before anything is saved."""

    service_code: str
    lines: list[LineReport]
    valid: int
    invalid: int
    amount_cny: int


class OrganisationService(BaseModel):
    code: str
    name: str
    description: str
    batch: bool
    columns: list[str]


class OwnCase(BaseModel):
    id: uuid.UUID
    number: str
    service_name: str
    status: str
    status_label: str
    submitted_at: datetime
    decided_amount_cny: int | None
    lines: int


class EmployeeCase(BaseModel):
    """A person's case naming the organisation: status and service, and the name the person
    shared by naming their employer; nothing else of theirs."""

    id: uuid.UUID
    number: str
    person_name: str
    service_name: str
    status: str
    status_label: str
    awaiting_confirmation: bool
    version: int


class PaymentRow(BaseModel):
    """A grant to the organisation (a one-off payment of an approved claim) and where its
    payment stands."""

    case_id: uuid.UUID
    number: str
    service_name: str
    amount_cny: int
    status: str
    status_label: str


class Workspace(BaseModel):
    organisation_name: str
    district: str
    services: list[OrganisationService]
    confirmations: list[EmployeeCase]
    employee_cases: list[EmployeeCase]
    own_cases: list[OwnCase]
    payments: list[PaymentRow]
    messages: list[MessageRead]
