"""Transactional outbox and the in-app message centre."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class OutboxMessage(UUIDPrimaryKey, Base):
    """Written in the same transaction as the change it announces; a worker delivers it.

    ``dedup_key`` is unique, so a retried transaction cannot enqueue a message twice, and the
    channel adapters pass it on so a redelivered message is recognised downstream.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    recipient_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # inapp | email | sms
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class InAppMessage(UUIDPrimaryKey, Base):
    __tablename__ = "inapp_message"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    outbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_message.id"), unique=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_case.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
