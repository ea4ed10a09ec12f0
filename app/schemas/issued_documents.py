"""Shapes of issued documents (a case's written decision), their public verification, and the
video checks on a case: one input schema per form, shared by the pages and the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from app.i18n import N_
from app.schemas.text import CleanInput
from app.workflow.values import SHANGHAI

ERR_TIME_REQUIRED = N_("Enter the date and time of the video appointment.")
ERR_TIME_RANGE = N_("Enter a real date and time for the video appointment.")


class VideoOutcome(StrEnum):
    VERIFIED = "verified"  # the originals were seen and match
    FAILED = "failed"  # seen, and they do not match or are not acceptable
    NO_SHOW = "no_show"  # the applicant did not join


class IssuedDocumentRead(BaseModel):
    id: uuid.UUID
    kind: str
    kind_label: str
    ready: bool = Field(description="False while the PDF is still being prepared")
    issued_at: datetime
    languages: list[str]
    sha256: str | None = None
    wallet_document_id: uuid.UUID | None = None
    download_url: str
    verify_url: str = Field(description="The public check, absolute (what the QR code holds)")
    verify_path: str


class VerificationRead(BaseModel):
    """What anyone holding the document may see: no personal data beyond the masked name."""

    kind: str
    kind_label: str
    case_number: str
    decision: str
    decision_label: str
    service_name: str
    issued_at: datetime
    issued_at_text: str = Field(description="The issue time in Shanghai, with the zone")
    masked_name: str = Field(description="The person's name masked; empty for an organisation")
    organisation_name: str | None = Field(
        default=None,
        description="An organisation's registered name, in full (not personal data); "
        "None for a person's document",
    )
    sha256: str | None = Field(description="SHA-256 of the PDF as issued; None until prepared")


class VerificationCheck(BaseModel):
    matches: bool
    uploaded_sha256: str
    stored_sha256: str | None


class VideoCheckCreate(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scheduled_at: datetime | None = Field(default=None, validate_default=True)
    # The staff member who holds the call; the one scheduling it when left out.
    staff_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("scheduled_at", mode="after")
    @classmethod
    def _shanghai_when_naive(cls, value: datetime | None) -> datetime:
        if value is None:
            raise PydanticCustomError("time_required", ERR_TIME_REQUIRED)
        if not 2000 <= value.year <= 2100:
            raise PydanticCustomError("time_range", ERR_TIME_RANGE)
        # A page's datetime-local field has no zone: it is the reader's, Shanghai time.
        return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


class VideoCheckRecord(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: VideoOutcome
    note: str | None = Field(default=None, max_length=1000)


class VideoCheckRead(BaseModel):
    id: uuid.UUID
    scheduled_at: datetime
    staff_name: str
    outcome: VideoOutcome | None
    outcome_label: str
    note: str | None
    recorded_at: datetime | None
    can_record: bool = False
