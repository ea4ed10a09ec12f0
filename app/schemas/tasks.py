"""Shapes of the office's own follow-up work: 告知承诺 verification tasks and 好差评 回访."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import CleanInput

# TODO(vocab): the verification task's statuses and outcomes get StrEnums in app/workflow; swap
# them in here. The case page asks the view below instead of comparing these strings itself.
_CHECK_PENDING: Final = "pending"
_OUTCOME_VERIFIED: Final = "verified"
_OUTCOME_REVOKED: Final = "revoked"


class _In(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VerificationTaskRead(BaseModel):
    """An approval on commitment whose commitment the department still has to check."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    case_version: int = Field(description="Send as expected_version when revoking")
    case_status: str
    case_status_label: str
    service_name: str
    applicant_name: str | None
    due_on: date
    due: bool = Field(description="The check is due today or overdue")
    overdue: bool


class CommitmentCheck(BaseModel):
    """A 告知承诺 verification task as the case page shows it."""

    due_on: date
    status: str  # pending | done | cancelled
    outcome: str | None  # verified | revoked
    note: str | None
    done_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == _CHECK_PENDING

    @property
    def checked_out(self) -> bool:
        """The commitment was found true and the approval stands."""
        return self.outcome == _OUTCOME_VERIFIED

    @property
    def found_untrue(self) -> bool:
        """The commitment was found untrue and the approval revoked."""
        return self.outcome == _OUTCOME_REVOKED


class VerificationConfirm(_In):
    """The commitment checked out: the approval stands and the task is closed."""

    note: str = Field(min_length=1, max_length=2000, description="What was checked, and how")


class VerificationRevoke(_In):
    """The commitment was untrue: the approval is revoked and the applicant told why."""

    expected_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)
    clause: str = Field(min_length=1, max_length=500)


class FollowUpRead(BaseModel):
    """A poor rating (1–2) the department's supervisor calls back about (回访)."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    department: str
    score: int
    comment: str | None
    due_on: date
    overdue: bool
    status: str
    resolved_at: datetime | None = None
    resolution: str | None = None


class FollowUpResolve(_In):
    """The outcome of the call-back, recorded once."""

    resolution: str = Field(min_length=1, max_length=4000)
