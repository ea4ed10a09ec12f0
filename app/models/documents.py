"""The applicant's document wallet: files stored once, reused across applications."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class Document(UUIDPrimaryKey, Base):
    __tablename__ = "document"

    owner_applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    sha256: Mapped[str] = mapped_column(String(64))
    # Generated name under the upload folder; never derived from the uploaded file name.
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    verified_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    verified_at: Mapped[datetime | None]
    # None for a document the portal issued itself (a written decision).
    uploaded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
