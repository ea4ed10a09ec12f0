"""Shapes of the Yangpu talent service card, its public verification and its holder's
service requests: one input schema per form, shared by the pages and the API."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from app.i18n import N_
from app.schemas.cases import DeadlineView
from app.schemas.text import CleanInput, Text
from app.workflow.service_cards import RequestKind

ERR_CONSENT = N_(
    "You must agree to the processing of sensitive personal information for this request."
)


class CardRequestCreate(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: RequestKind
    details: Text = Field(min_length=5, max_length=2000)
    # A medical or schooling need is sensitive personal information (PIPL art. 28-29).
    consent: bool

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise PydanticCustomError("consent_required", ERR_CONSENT)
        return value


class CardRevoke(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = Field(min_length=5, max_length=1000)


class CardRequestRead(BaseModel):
    case_id: uuid.UUID
    number: str
    kind: str
    kind_label: str
    service_name: str
    department_label: str
    status: str
    status_label: str
    submitted_at: datetime
    deadline: DeadlineView | None
    details: str
    # The department's answer once it has decided (the decision's reason).
    answer: str | None
    answered: bool


class CardToReview(BaseModel):
    """An active card whose programme membership ended: the talent office decides whether it
    continues (renewed on another basis) or is revoked."""

    id: uuid.UUID
    number: str
    holder_name: str
    level_label: str
    basis_ended_on: date
    valid_until: date


class ServiceCardRead(BaseModel):
    id: uuid.UUID
    number: str
    holder_name: str
    level: str
    level_label: str
    status: str
    status_label: str
    valid: bool
    issued_on: date
    valid_until: date
    renewal_due: bool
    revoked_reason: str | None
    # The register membership a programme-class card rested on ended (its last valid day):
    # the talent office reviews the card (app/services/talent_register/expiry.py).
    basis_ended_on: date | None = None
    case_id: uuid.UUID
    # The public verification page: an unguessable token, never the card number.
    verify_url: str
    requests: list[CardRequestRead] = Field(default_factory=list)
    # Staff: whether the caller may renew or revoke it now (an active card).
    manageable: bool = False


class CardVerification(BaseModel):
    """All the public page tells: whether the card is valid today, and whose (masked)."""

    valid: bool
    masked_name: str
