"""What a schooling consultation case shows besides the engine's view: where its sessions can
be booked and the sessions booked for it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas.service_points import AppointmentRead


class SessionPoint(BaseModel):
    code: str
    name: str
    address: str


class ConsultationSessions(BaseModel):
    # Points of the case's district that offer the consultation (booking links for the family).
    points: list[SessionPoint] = Field(default_factory=list)
    appointments: list[AppointmentRead] = Field(default_factory=list)
    # The family may book another session now (the case is still open).
    can_book: bool = False
