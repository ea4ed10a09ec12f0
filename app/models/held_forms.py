"""Answers posted to a question page after the sign-in had expired, kept until the applicant
signs in again (then merged into their draft, or dropped)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class HeldForm(UUIDPrimaryKey, Base):
    """Only the SHA-256 digest of the browser's token is stored; the posted fields may hold
    personal data and are stored encrypted (AES-256-GCM, bound to the row's token digest)."""

    __tablename__ = "held_form"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"))
    page: Mapped[int]
    fields_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
