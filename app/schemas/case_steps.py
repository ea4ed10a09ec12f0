"""Shapes of two steps inside a case: the reviewer's opinion (审核意见) the approver reads, and
the supplement (补正) the applicant answers item by item."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field

from app.workflow.values import SHANGHAI


class ReviewOpinion(BaseModel):
    """The latest opinion a reviewer recorded: ``recommendation`` is ``approve`` or ``reject``."""

    recommendation: str
    label: str
    reason: str | None
    clause: str | None
    at: datetime
    by: str | None = None

    @property
    def at_shanghai(self) -> str:
        """When it was recorded, as a person in Shanghai reads a clock."""
        return shanghai_time(self.at)


def shanghai_time(at: datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


class SupplementFile(BaseModel):
    id: uuid.UUID
    name: str


class SupplementItem(BaseModel):
    """One requested item: the files sent for it, or why it cannot be sent."""

    index: int
    name: str
    files: list[SupplementFile] = Field(default_factory=list)
    explanation: str | None = None

    @property
    def arrived(self) -> bool:
        return bool(self.files)


class SupplementView(BaseModel):
    """The open (or last) supplement request: what was asked, by when, and what has come."""

    requested_at: datetime
    due_on: date | None
    reason: str | None
    items: list[SupplementItem]
    sent: bool = False
    sent_at: datetime | None = None

    @property
    def ready(self) -> bool:
        return all(i.files or i.explanation for i in self.items)


class SupplementSend(BaseModel):
    """Sending the supplement: why an item without files cannot be sent (by item number)."""

    explanations: dict[int, str] = Field(default_factory=dict)
    expected_version: int = Field(ge=1)
