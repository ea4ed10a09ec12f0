"""Shapes of records retention: a case's retention, the rules admins edit, destruction lists
and legal holds (pages and the API share them)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.i18n import N_
from app.schemas.text import CleanInput, Text
from app.workflow.retention import Disposal, RecordPart, RetentionAnchor


class RetentionView(BaseModel):
    """A decided case's retention: until when it is kept (None: archived permanently, or the
    period has not started: payments still running, lease not ended), and under which rule."""

    result: str
    result_label: str
    keeps: list[str]
    years: int | None
    runs_from: str
    runs_from_label: str
    runs_from_date: date | None
    until: date | None
    disposal: str
    summary: str
    assumed: bool
    source: str | None = None
    on_hold: bool = False


ERR_YEARS = N_("Give the number of years the record is kept before it is destroyed.")


class RetentionRuleEdit(CleanInput):
    """One result's rule as a district admin sets it."""

    model_config = ConfigDict(extra="forbid")
    keeps: list[RecordPart] = Field(min_length=1, max_length=4)
    years: int | None = Field(default=None, ge=1, le=100)
    runs_from: RetentionAnchor = RetentionAnchor.DECISION_DATE
    disposal: Disposal
    assumed: bool = False
    source: Text | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _years_match_disposal(self) -> RetentionRuleEdit:
        if self.disposal is Disposal.DESTROY and self.years is None:
            raise PydanticCustomError("years_required", ERR_YEARS)
        if self.disposal is Disposal.ARCHIVE:
            self.years = None
        return self


class RetentionRuleRead(BaseModel):
    result: str  # a CaseResult value or "default"
    keeps: list[str]
    years: int | None
    runs_from: str
    disposal: str
    assumed: bool
    source: str | None


class ItemRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    service_code: str
    service_name: str
    result: str
    result_label: str
    submitted_on: date
    decided_on: date
    retention_from: date
    retention_until: date
    status: str
    removed_reason: str | None
    removed_at: datetime | None
    destroyed_at: datetime | None


class ListSummary(BaseModel):
    id: uuid.UUID
    number: str
    district: str
    status: str
    status_label: str
    proposed_at: datetime
    listed: int
    removed: int
    destroyed: int


class ListRead(ListSummary):
    submitted_at: datetime | None
    approved_at: datetime | None
    destroyed_at: datetime | None
    certificate_sha256: str | None
    # The caller's own part: who handled the list may not approve it (four eyes).
    handled_by_me: bool
    can_submit: bool
    can_approve: bool
    can_remove: bool
    items: list[ItemRead]


class ItemRemoval(CleanInput):
    reason: Text = Field(min_length=3, max_length=1000)


class HoldCreate(CleanInput):
    case_number: str = Field(min_length=3, max_length=30)
    reason: Text = Field(min_length=3, max_length=1000)


class HoldRelease(CleanInput):
    reason: Text = Field(min_length=3, max_length=1000)


class HoldRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    reason: str
    placed_at: datetime
    released_at: datetime | None
