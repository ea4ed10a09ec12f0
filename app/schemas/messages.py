"""API shapes of the in-app message centre."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class MessageRead(BaseModel):
    id: uuid.UUID
    subject: str
    body: str
    case_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next (older) page; null on the last page"
    )
    unread: int
