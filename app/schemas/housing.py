from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.i18n import N_
from app.schemas.text import CleanInput, Line

Layout = Literal["studio", "one_bed", "two_bed", "three_bed"]
LAYOUT_LABELS = {
    "studio": N_("Studio"),
    "one_bed": N_("One bedroom"),
    "two_bed": N_("Two bedrooms"),
    "three_bed": N_("Three bedrooms"),
}
# What staff may set a unit to by hand; offered and leased follow the unit's offer and lease.
HandSetUnitStatus = Literal["available", "maintenance"]

# TODO(vocab): the unit, offer and lease statuses get StrEnums in app/workflow; swap them in
# here. The pages ask the views below instead of comparing these strings themselves.
_HAND_SET_UNIT_STATUSES: frozenset[str] = frozenset(get_args(HandSetUnitStatus))
_UNIT_ON_OFFER: Final = "offered"
_OFFER_OPEN: Final = "open"
_LEASE_ACTIVE: Final = "active"
_LEASE_ENDED: Final = "ended"


class _In(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProjectCreate(_In):
    name_zh: Line = Field(min_length=1, max_length=200)
    name_en: Line = Field(min_length=1, max_length=200)
    address: Line = Field(min_length=1, max_length=300)
    operator: Line = Field(min_length=1, max_length=200)


class ProjectRead(BaseModel):
    id: uuid.UUID
    district: str
    name_zh: str
    name_en: str
    address: str
    operator: str


class UnitRow(_In):
    """One row of the unit import (CSV columns of the same names)."""

    building: str = Field(min_length=1, max_length=20)
    number: str = Field(min_length=1, max_length=20)
    layout: Layout
    area_sqm: float = Field(gt=5, le=300)
    floor: int = Field(ge=-3, le=120)
    market_rent_cny: int = Field(gt=0, le=100_000)
    talent_rent_cny: int = Field(gt=0, le=100_000)

    @model_validator(mode="after")
    def _rent_cap(self) -> UnitRow:
        if self.talent_rent_cny * 10 > self.market_rent_cny * 9:
            raise ValueError("talent rent above 90% of market rent")
        return self


class UnitUpdate(_In):
    """What staff may change on a unit; omitted fields stay as they are."""

    layout: Layout | None = None
    market_rent_cny: int | None = Field(default=None, gt=0, le=100_000)
    talent_rent_cny: int | None = Field(default=None, gt=0, le=100_000)
    status: HandSetUnitStatus | None = None


class UnitRead(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    building: str
    number: str
    layout: str
    area_sqm: float
    floor: int
    market_rent_cny: int
    talent_rent_cny: int
    status: str

    @property
    def is_on_offer(self) -> bool:
        return self.status == _UNIT_ON_OFFER

    @property
    def status_set_by_hand(self) -> bool:
        """Staff may change the status themselves (not while the unit is on offer or let)."""
        return self.status in _HAND_SET_UNIT_STATUSES


class ImportReport(BaseModel):
    imported: int


class ScoreComponent(BaseModel):
    """One part of the priority score: the policy formula, its points and where it comes from."""

    component: str
    label_zh: str
    label_en: str
    points: float | None
    clause_zh: str
    clause_en: str


class WaitlistRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    rank: int
    score: float
    score_reasons: dict[str, object]
    joined_at: datetime
    declines: int
    status: str
    duplicate_household_cases: list[str] = Field(default_factory=list)
    score_breakdown: list[ScoreComponent] = Field(default_factory=list)


class AllocationRequest(_In):
    respond_within_days: int = Field(default=5, ge=1, le=20)


class OfferRead(BaseModel):
    id: uuid.UUID
    unit: UnitRead
    status: str
    respond_by: date
    offered_at: datetime

    @property
    def awaiting_answer(self) -> bool:
        """The applicant can still accept or decline the offer."""
        return self.status == _OFFER_OPEN


class LeaseRead(BaseModel):
    id: uuid.UUID
    unit: UnitRead
    starts_on: date
    ends_on: date
    monthly_rent_cny: int
    deposit_cny: int
    status: str
    # Renewal terms staff proposed, for the tenant to accept.
    renewal_rent_cny: int | None = None
    move_out_requested_on: date | None = None
    ended_on: date | None = None
    inspection_condition: str | None = None
    deposit_deduction_cny: int | None = None
    inspection_note: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == _LEASE_ACTIVE

    @property
    def has_ended(self) -> bool:
        return self.status == _LEASE_ENDED


class RenewalTerms(_In):
    monthly_rent_cny: int = Field(gt=0, le=100_000)


class MoveOutRequest(_In):
    move_out_on: date


class MoveOutRecord(_In):
    """The move-out inspection staff record on the lease."""

    condition: Literal["good", "minor_damage", "major_damage"]
    deposit_deduction_cny: int = Field(default=0, ge=0, le=1_000_000)
    note: str = Field(min_length=2, max_length=500)


class MyHousing(BaseModel):
    offers: list[OfferRead]
    leases: list[LeaseRead]


class MyPreferences(BaseModel):
    projects: list[ProjectRead]
    chosen_projects: list[str]
    chosen_layouts: list[str]
