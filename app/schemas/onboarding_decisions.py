"""The onboarding bundle's further decisions as the person, their employer and staff see them
(issue 18, points 2 and 3), and what staff and the employer send."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.issued_documents import IssuedDocumentRead
from app.schemas.outcomes import Remedy


class LetterView(BaseModel):
    kind: str  # r_visa_invitation | pr_recommendation
    label: str
    state: str | None  # None: not asked for yet; reviewed; issued
    state_label: str
    reviewed_at: datetime | None = None
    decided_at: datetime | None = None
    # Why it cannot be issued now, each in the reader's language (class not A, not eligible).
    refusals: list[str] = Field(default_factory=list)
    # The recommendation's criteria as the rule worded them (met or not).
    criteria: list[str] = Field(default_factory=list)
    needs_months: bool = False  # the recommendation asks for the months worked in the district
    assumed: bool = False  # the rule rests on assumed parameters
    can_review: bool = False
    can_issue: bool = False
    reviewed_by_viewer: bool = False  # the viewer reviewed it, so another approver decides
    # The letter must be recommended by a reviewer before an approver issues it, and is not yet.
    awaits_review: bool = False
    document: IssuedDocumentRead | None = None


class FastTrackView(BaseModel):
    offered: bool  # the district has the measure (Changning)
    status: str | None = None  # nominated | endorsed | declined
    status_label: str | None = None
    shortage_field: str | None = None
    shortage_field_label: str | None = None
    reason: str | None = None
    nominated_at: datetime | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    # A declined nomination: the rights to challenge it (行政复议 / 行政诉讼).
    remedies: list[Remedy] = Field(default_factory=list)
    can_nominate: bool = False
    can_decide: bool = False


class FurtherView(BaseModel):
    case_id: uuid.UUID
    case_number: str
    person_name: str
    letters: list[LetterView] = Field(default_factory=list)
    fast_track: FastTrackView


class LetterReview(BaseModel):
    """A talent-office reviewer recommends issuing a letter (审核意见); another officer decides."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field(default="", max_length=2000)
    months_in_district: int | None = Field(default=None, ge=0, le=1200)


class LetterDecision(BaseModel):
    """A talent-office approver issues the letter; the recommendation names the months of
    work in the district, checked against the social-insurance record."""

    model_config = ConfigDict(extra="forbid")
    months_in_district: int | None = Field(default=None, ge=0, le=1200)


class FastTrackNomination(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    shortage_field: Literal[
        "artificial_intelligence",
        "integrated_circuits",
        "biomedicine",
        "digital_economy",
        "aviation",
        "fashion_consumer",
        "finance",
        "other",
    ]
    reason: str = Field(min_length=10, max_length=2000)


class FastTrackDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: Literal["endorsed", "declined"]
    reason: str = Field(min_length=5, max_length=2000)
