"""Shapes of the talent register: the staff's entry and search forms (shared by the pages and
the API) and an entry as read. Names are in the reader's language; codes travel beside them."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.domain.enums import IdKind
from app.i18n import N_
from app.schemas.text import CleanInput

ERR_VALID_SPAN = N_("The end of validity must be on or after the date granted.")
ERR_SEARCH_SPAN = N_("The first date must be on or before the last.")


class EntryCreate(CleanInput):
    """An outside source's programme membership, recorded by staff with its evidence (the
    file travels beside the fields)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_kind: IdKind
    id_number: str = Field(min_length=5, max_length=40)
    programme: str = Field(min_length=1, max_length=40)
    level: str | None = Field(default=None, max_length=40)
    granted_on: date
    valid_until: date | None = None
    issuer: str = Field(min_length=2, max_length=200)
    organisation_name: str | None = Field(default=None, max_length=200)
    organisation_code: str | None = Field(default=None, max_length=18)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _span(self) -> EntryCreate:
        if self.valid_until is not None and self.valid_until < self.granted_on:
            raise PydanticCustomError("valid_span", ERR_VALID_SPAN)
        return self


class RegisterSearch(CleanInput):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    programme: str | None = Field(default=None, max_length=40)
    organisation: str | None = Field(default=None, max_length=200)
    granted_from: date | None = None
    granted_to: date | None = None

    @model_validator(mode="after")
    def _span(self) -> RegisterSearch:
        if self.granted_from and self.granted_to and self.granted_to < self.granted_from:
            raise PydanticCustomError("search_span", ERR_SEARCH_SPAN)
        return self


class InstalmentRead(BaseModel):
    """One instalment of an award's grant, as the person sees it on their recognitions."""

    instalment: int
    amount_cny: int
    # Not a published figure of the programme: the page says so.
    amount_assumed: bool
    payable_on: date | None
    status: str
    status_label: str


class EntryRead(BaseModel):
    id: uuid.UUID
    applicant_id: uuid.UUID
    person_name: str | None = None
    id_number_masked: str | None = None
    district: str
    district_name: str
    programme: str
    programme_name: str
    level: str | None
    level_name: str | None
    granted_on: date
    valid_until: date | None
    # valid | expired | not_yet_valid, on the day read.
    validity: str
    validity_name: str
    source: str
    source_name: str
    issuer: str | None
    organisation_name: str | None
    organisation_code: str | None
    case_id: uuid.UUID | None
    has_evidence: bool
    reference: str | None = None
    # An award's grant instalments (the person's own view only).
    grants: list[InstalmentRead] = Field(default_factory=list)


class StaffCertificationRequest(CleanInput):
    """An organisation applies for its staff member's high-level talent classification: the
    facts the district's criteria read, as the organisation vouches for them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    professional_title: str = Field(min_length=1, max_length=40)
    highest_degree: str = Field(min_length=1, max_length=40)
    annual_salary_cny: int = Field(ge=0, le=100_000_000)
    statement: str | None = Field(default=None, max_length=2000)


class ConfirmedStaffRead(BaseModel):
    """A person the organisation has confirmed as its employee on one of their cases."""

    applicant_id: uuid.UUID
    name: str
    id_number_masked: str
    # The classification case the organisation (or the person) has open, if any.
    open_case_number: str | None = None
