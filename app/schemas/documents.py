from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


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
    created_at: datetime
