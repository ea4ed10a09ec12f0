"""Shapes of service points, their slots and appointments: one input schema per form, shared
by the pages and the API. Names are in the reader's language; codes travel beside them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.i18n import N_
from app.schemas.text import CleanInput

ERR_COORDINATES = N_("Enter both latitude and longitude, or neither.")
ERR_PURPOSE = N_("Choose the service or the case the appointment is for.")


class NamedItem(BaseModel):
    code: str
    name: str


class OpeningDayRead(BaseModel):
    day: date
    weekday: str
    open: bool
    hours: str  # "09:00–12:00, 13:30–17:00" or "" when closed


class PointRead(BaseModel):
    code: str
    district: str
    district_name: str
    kind: str
    kind_name: str
    name: str
    address: str
    latitude: float
    longitude: float
    distance_km: float | None = None
    opening_hours: list[str]
    week: list[OpeningDayRead]
    slot_minutes: int
    counters: int
    services: list[NamedItem]
    languages: list[NamedItem]
    accessibility: list[NamedItem]
    bookable: bool
    is_demo: bool


class SlotRead(BaseModel):
    start: datetime
    end: datetime
    free: int
    day: date
    time: str  # local "09:30"


class SlotDay(BaseModel):
    day: date
    weekday: str
    slots: list[SlotRead]


class PointFilter(CleanInput):
    """The directory's search form: a district, or coordinates the user shares (decimal degrees)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    district: str | None = Field(default=None, pattern=r"^(yangpu|changning)?$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180, validate_default=True)

    @field_validator("lon")
    @classmethod
    def _both_coordinates(cls, lon: float | None, info: ValidationInfo) -> float | None:
        if "lat" in info.data and (info.data["lat"] is None) != (lon is None):
            raise PydanticCustomError("coordinates_pair", ERR_COORDINATES)
        return lon


class AppointmentCreate(CleanInput):
    """What the booking is for: one of the applicant's cases, or a service of the point."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    point_code: str = Field(min_length=1, max_length=60)
    slot_start: AwareDatetime
    service_code: str | None = Field(default=None, max_length=60)
    case_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_purpose(self) -> AppointmentCreate:
        if not self.service_code and self.case_id is None:
            raise PydanticCustomError("purpose_required", ERR_PURPOSE)
        return self


class AppointmentReschedule(CleanInput):
    model_config = ConfigDict(extra="forbid")

    slot_start: AwareDatetime


class AppointmentRead(BaseModel):
    id: uuid.UUID
    point_code: str
    point_name: str
    point_address: str
    district: str
    slot_start: datetime
    slot_end: datetime
    seat_no: int
    status: str
    status_name: str
    service_code: str | None
    service_name: str | None
    case_id: uuid.UUID | None
    case_number: str | None
    can_change: bool
    checked_in_at: datetime | None = None
    # Staff only (the clerk's day list): who is coming.
    applicant_id: uuid.UUID | None = None
    applicant_name: str | None = None
    id_number_masked: str | None = None
    can_check_in: bool = False
    can_mark_no_show: bool = False
    # 高层次人才服务专窗 (Changning): certified high-level talent, served first.
    priority: bool = False
