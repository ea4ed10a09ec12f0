from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from app.schemas.text import CleanInput


class DocumentRead(BaseModel):
    id: uuid.UUID
    kind: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str
    valid_from: date | None
    valid_to: date | None
    verified: bool
    verified_at: datetime | None = None
    verified_on: date | None = None  # the Shanghai day of ``verified_at``
    created_at: datetime


class DocumentVerify(CleanInput):
    """Staff confirm a document against the original; they may record its validity dates."""

    model_config = ConfigDict(extra="forbid")
    valid_from: date | None = None
    valid_to: date | None = None


class DocumentMark(BaseModel):
    """A case document as the staff handling the case see it: the staff check and validity."""

    id: uuid.UUID
    kind: str
    valid_from: date | None
    valid_to: date | None
    verified_at: datetime | None
    verified_by: str | None
