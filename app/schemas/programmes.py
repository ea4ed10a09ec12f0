"""Shapes of programme rounds, nominations, reviews, the committee's ranking and the public
notice with its objections. One input schema serves each form and its API route."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.text import CleanInput
from app.workflow.programmes import NominationStatus

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CriterionIn(CleanInput):
    model_config = _STRICT

    code: str = Field(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=100)
    weight: int = Field(ge=1, le=100)
    max: int = Field(ge=1, le=100)


class RoundCreate(CleanInput):
    model_config = _STRICT

    programme: str = Field(min_length=1, max_length=40)  # the programme's code
    title: str = Field(min_length=1, max_length=200)
    quota: int = Field(ge=1, le=1000)
    opens_on: date
    closes_on: date
    criteria: list[CriterionIn] = Field(min_length=1, max_length=10)
    reviewers_per_nomination: int = Field(default=2, ge=1, le=9)
    # Whole yuan above zero, checked with the other fields when the round is opened; empty or
    # absent: the round carries no grant.
    grant_amount: Decimal | None = Field(default=None, le=10_000_000)
    award_title_zh: str = Field(min_length=1, max_length=100)
    award_title_en: str = Field(min_length=1, max_length=200)
    valid_years: int | None = Field(default=None, ge=1, le=10)
    notice_days: int = Field(default=7, ge=5, le=30)

    @field_validator("grant_amount", mode="before")
    @classmethod
    def _no_grant(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class ProgrammeRead(BaseModel):
    id: uuid.UUID
    district: str
    code: str
    name: str
    register_code: str
    plan_quota: int | None
    quota_status: str
    quota_basis: str | None
    policy_id: str
    self_nomination: bool


class RoundRead(BaseModel):
    id: uuid.UUID
    district: str
    district_name: str
    programme: ProgrammeRead
    title: str
    quota: int
    quota_assumed: bool
    opens_on: date
    closes_on: date
    policy_id: str
    criteria: list[dict[str, Any]]
    reviewers_per_nomination: int
    grant_amount: Decimal | None
    grant_assumed: bool
    award_title: str
    valid_years: int | None
    notice_days: int
    notice_from: date | None
    notice_until: date | None
    status: str
    status_name: str
    accepting: bool
    # What the round's stage allows (the pages ask these, not the status).
    scoring: bool
    may_publish: bool
    may_award: bool


class NominationCreate(CleanInput):
    """Filed by an organisation (naming the person by ID) or by the person themselves."""

    model_config = _STRICT

    round_id: uuid.UUID
    id_kind: str | None = Field(default=None, pattern=r"^(resident_id|passport)$")
    id_number: str | None = Field(default=None, max_length=40)
    statement: str = Field(min_length=1, max_length=2000)
    professional_title: str | None = Field(default=None, max_length=30)
    highest_degree: str | None = Field(default=None, max_length=30)
    annual_salary_cny: float | None = Field(default=None, ge=0, le=100_000_000)
    birth_date: date | None = None
    # A person nominating themselves says where they work; an organisation's is its own.
    employer_district: str | None = Field(default=None, max_length=20)


class ReasonRead(BaseModel):
    id: str
    result: str
    zh: str
    en: str


class TimelineRead(BaseModel):
    at: datetime
    action: str
    action_name: str
    detail: dict[str, Any]


class ReviewRead(BaseModel):
    reviewer_id: uuid.UUID
    reviewer_name: str | None
    scores: dict[str, Any]
    comment: str | None
    total: Decimal | None
    submitted: bool


class NominationRead(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    round_title: str
    programme_name: str
    district: str
    person_name: str
    id_number_masked: str
    organisation_name: str | None
    self_nominated: bool
    statement: str
    facts: dict[str, Any]
    eligibility: list[ReasonRead]
    status: str
    status_name: str
    total_score: Decimal | None
    rank: int | None
    decision_note: str | None
    awarded_on: date | None
    register_entry_id: uuid.UUID | None
    reviewers: int
    timeline: list[TimelineRead] = Field(default_factory=list)

    @property
    def not_selected(self) -> bool:
        return self.status == NominationStatus.NOT_SELECTED

    @property
    def ended_against_the_person(self) -> bool:
        """Not selected, or withdrawn after an objection: the page says how to seek review."""
        return self.status in (
            NominationStatus.NOT_SELECTED,
            NominationStatus.WITHDRAWN_BY_OBJECTION,
        )


class DeclarationIn(CleanInput):
    model_config = _STRICT

    organisation_codes: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=500)


class AssignIn(CleanInput):
    model_config = _STRICT

    reviewer_id: uuid.UUID


class ScoreIn(CleanInput):
    model_config = _STRICT

    scores: dict[str, Any] = Field(default_factory=dict)
    comment: str | None = Field(default=None, max_length=1000)
    submit: bool = False


class RankedRead(BaseModel):
    nomination_id: uuid.UUID
    rank: int
    total: Decimal
    tie_rule: str | None
    tie_rule_name: str | None
    person_name: str
    organisation_name: str | None
    reviews_submitted: int
    reviews_needed: int
    status: str
    status_name: str


class DecisionIn(CleanInput):
    model_config = _STRICT

    proposed: list[uuid.UUID] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, max_length=500)


class NoticeEntry(BaseModel):
    nomination_id: uuid.UUID
    masked_name: str
    organisation_name: str | None
    withdrawn: bool


class NoticeRead(BaseModel):
    round_id: uuid.UUID
    district_name: str
    programme_name: str
    title: str
    notice_from: date
    notice_until: date
    open: bool
    entries: list[NoticeEntry]


class ObjectionCreate(CleanInput):
    model_config = _STRICT

    nomination_id: uuid.UUID
    objector_name: str = Field(min_length=1, max_length=100)
    contact: str = Field(min_length=5, max_length=200)
    grounds: str = Field(min_length=10, max_length=2000)


class ObjectionDecision(CleanInput):
    model_config = _STRICT

    uphold: bool
    reason: str = Field(min_length=1, max_length=1000)


class ObjectionRead(BaseModel):
    id: uuid.UUID
    nomination_id: uuid.UUID
    objector_name: str
    contact: str
    grounds: str
    status: str
    status_name: str
    open: bool
    decision_reason: str | None
    created_at: datetime
