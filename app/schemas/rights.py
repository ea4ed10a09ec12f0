"""Shapes of a person's rights over their data: copies, staff reads, corrections, consents,
deletion. One input schema per form, shared by the pages and the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ExportRead(BaseModel):
    id: uuid.UUID
    status: str
    status_text: str  # msgid, with {percent}
    in_progress: bool
    progress: int
    requested_at: datetime
    requested_local: str  # Asia/Shanghai, for people
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    expires_local: str | None = None
    size_bytes: int | None = None
    # Signed, for the owner only, until ``expires_at``.
    download_url: str | None = None
    api_download_url: str | None = None


class StaffReadEntry(BaseModel):
    """One staff access to the person's records: never the officer's name."""

    at: datetime
    at_local: str  # Asia/Shanghai, for people
    what: str
    roles: list[str]
    department: str
    district: str
    case_number: str | None = None


class CorrectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verification_id: uuid.UUID
    fact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    requested_value: Text200
    explanation: Text1000


class CorrectionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Annotated[str, Field(pattern="^(approve|reject)$")]
    reason: Text1000


class CorrectionRead(BaseModel):
    id: uuid.UUID
    fact: str
    current_value: object | None = None
    requested_value: str
    explanation: str
    status: str
    status_text: str  # msgid
    is_open: bool
    district: str
    created_at: datetime
    created_local: str
    decided_at: datetime | None = None
    decision_reason: str | None = None


class VerifiedFact(BaseModel):
    verification_id: uuid.UUID
    system: str
    fact: str
    value: object | None = None


class ProfileUpdate(BaseModel):
    """What the person declared themselves: edited directly."""

    model_config = ConfigDict(extra="forbid")

    full_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    # A mainland mobile (11 digits) for a resident ID holder; an international number for a
    # passport holder: checked against the person's registration by the service.
    mobile: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    chinese_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""


class ConsentRead(BaseModel):
    purpose: str
    optional: bool
    given: bool
    given_at: datetime | None = None
    given_local: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_local: str | None = None


class ConsentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given: bool


class AccountDeletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class DeletionCheck(BaseModel):
    allowed: bool
    reasons: list[str]  # translated, one per open matter
    open_cases: list[str]
    open_payments: list[str]
    records_kept: int


class DeletionResult(BaseModel):
    deleted: bool
    records_kept: int
