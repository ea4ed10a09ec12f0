"""The onboarding bundle as the person, their employer and staff see it (one view for all,
so they see the same progress), and the two things done on it outside the case table."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.schooling import ConsultationSessions, SessionPoint
from app.schemas.service_points import AppointmentRead


class ChecklistItem(BaseModel):
    code: str
    label: str
    ticked: bool


class StepAppointments(BaseModel):
    """A step by appointment: the points of the district offering its service (booking links,
    the booking linked to the step's sub-case) and the appointments booked for it."""

    service_code: str
    points: list[SessionPoint] = Field(default_factory=list)
    appointments: list[AppointmentRead] = Field(default_factory=list)
    can_book: bool = False


class HousingOffer(BaseModel):
    """The talent apartment the housing office offered on the housing step (the housing room's
    offer: accepting it lets the unit to the person, as from the waiting list)."""

    id: uuid.UUID
    project_name: str
    address: str
    building: str
    number: str
    layout: str
    area_sqm: float
    floor: int
    talent_rent_cny: int
    market_rent_cny: int
    respond_by: date
    status: str
    status_label: str
    # The person may accept or decline it now.
    can_answer: bool = False
    # Declines the district's rules still allow before no further unit is offered (a lapsed
    # offer counts as one); at 0 after a decline the step is over (``declined_out``).
    declines_left: int = 0
    declined_out: bool = False


class InternationalSchool(BaseModel):
    """One school of the district's list shown on the schooling step (data file
    ``app/catalog/international_schools.yaml``; its source, or that it is demo data)."""

    name: str
    curriculum: str
    ages: str
    address: str
    source: str | None = None
    assumed: bool = False


class LinkedConsultation(BaseModel):
    """The schooling consultation requested from the step: a case of its own, answered by the
    district's education bureau, with its sessions booked through the service points."""

    application_id: uuid.UUID
    # The viewer is the person (the links to the form and the case page are theirs).
    mine: bool = False
    submitted: bool = False
    case_id: uuid.UUID | None = None
    case_number: str | None = None
    status_label: str | None = None
    sessions: ConsultationSessions | None = None


class OnboardingStepView(BaseModel):
    code: str
    title: str
    owner: str
    owner_label: str
    kind: str
    status: str
    status_label: str
    bring: list[str] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    # The district's steps: the sub-case (its number links to its page for those who may see it).
    case_id: uuid.UUID | None = None
    case_number: str | None = None
    # The employer's hand-off: the national system's application number and its outcome.
    handoff_number: str | None = None
    handoff_outcome: str | None = None
    handoff_outcome_label: str | None = None
    # A step by appointment (the entry-exit office): the points to book at and the bookings.
    appointments: StepAppointments | None = None
    # The housing step: the office's route, and the apartment offered on it.
    housing_route: str | None = None
    housing_route_label: str | None = None
    # The person applies for the rent subsidy from the step (its service), on that route only.
    rent_subsidy_service_id: uuid.UUID | None = None
    offer: HousingOffer | None = None
    # The housing officer viewing may offer (another) apartment now.
    can_offer: bool = False
    # The schooling step: the linked consultation, and the district's international schools.
    consultation: LinkedConsultation | None = None
    can_request_consultation: bool = False
    schools: list[InternationalSchool] = Field(default_factory=list)
    # The hand-off: the district's endorsement of the fast track for urgently needed talent.
    fast_track_note: str | None = None
    # What the viewer may do on this step now.
    can_tick: bool = False
    can_record: bool = False


class OnboardingView(BaseModel):
    case_id: uuid.UUID
    case_number: str
    case_status_label: str
    person_name: str
    person_language: str | None = None
    permit_class: str | None
    points: int | None
    class_meaning: str | None
    reasons: list[str] = Field(default_factory=list)
    to_reach_b: list[str] = Field(default_factory=list)
    changes_for_b: list[str] = Field(default_factory=list)
    steps: list[OnboardingStepView] = Field(default_factory=list)
    complete: bool = False
    # The talent confirmation letter: issued already; the staff member viewing may issue it.
    letter_issued: bool = False
    can_issue_letter: bool = False
    # For the person and the employer once it is issued: the PDF and its public check.
    letter_download_url: str | None = None
    letter_verify_path: str | None = None


class HandoffRecord(BaseModel):
    """The employer records its application in the national work-permit system."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    application_number: str = Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    outcome: Literal["filed", "granted", "refused"]


class ChecklistTick(BaseModel):
    """The person ticks (or unticks) one item of a check-list step."""

    model_config = ConfigDict(extra="forbid")
    item: str = Field(min_length=1, max_length=40)
    ticked: bool = True


class HireStart(BaseModel):
    """The verified employer starts its new hire's onboarding, naming them by passport."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    passport_number: str = Field(min_length=5, max_length=20, pattern=r"^[A-Za-z0-9]+$")


class HireStarted(BaseModel):
    application_id: uuid.UUID


class HousingAnswer(BaseModel):
    """The person's answer to the apartment offered on the housing step."""

    model_config = ConfigDict(extra="forbid")
    offer_id: uuid.UUID


class ConsultationStarted(BaseModel):
    application_id: uuid.UUID
