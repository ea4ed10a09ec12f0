"""Shapes of youth stations, their free beds by night and the stays booked there: one input
schema for the booking form and the API. Days are Shanghai dates; a stay of N days is N
nights from ``first_night`` (see app/workflow/stays.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import CleanInput


class NightRead(BaseModel):
    day: date
    weekday: str
    # Free beds that night for a guest of each kind (a room for anyone counts for both).
    free_female: int
    free_male: int
    free_any: int


class StationRead(BaseModel):
    code: str
    district: str
    district_name: str
    name: str
    address: str
    beds: int
    rooms: list[str]  # "201 (Women's room): 2 beds"
    gendered: bool  # some rooms take one gender: the booking asks whom the bed is for
    is_demo: bool
    nights: list[NightRead] = Field(default_factory=list)


class StayCreate(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    point_code: str = Field(min_length=1, max_length=60)
    first_night: date
    days: int = Field(ge=1, le=31)
    # For a station with women's and men's rooms: which the guest may be put in.
    guest_gender: str | None = Field(default=None, pattern=r"^(female|male)$")


class StayRead(BaseModel):
    id: uuid.UUID
    point_code: str
    point_name: str
    point_address: str
    district: str
    bed: str
    room: str
    first_night: date
    days: int
    leave_on: date  # the morning the guest leaves
    status: str
    status_name: str
    case_id: uuid.UUID | None
    case_number: str | None
    counted_days: int  # nights the portal counts as used (checked in or out)
    can_cancel: bool
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    # Station staff only (the day list): who is coming.
    applicant_name: str | None = None
    id_number_masked: str | None = None
    can_check_in: bool = False
    can_check_out: bool = False
    can_mark_no_show: bool = False


class DaysThisYear(BaseModel):
    """Where the number the rules use comes from: stays the portal recorded, stays booked and
    not yet taken, and what the applicant declared for stations elsewhere."""

    year: int
    counted: int  # recorded stays (checked in or out) through the portal
    booked: int  # booked and not yet checked in
    declared: int  # the applicant's own declaration, stays elsewhere only
    limit: int
    left: int
    per_stay: int
