"""Delivery of the transactional outbox: ``outbox_message.status``.

A failed attempt with attempts left keeps the row pending (with a later ``next_attempt_at``);
only delivery or giving up moves it, and either is for good.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidOutboxChange
from app.workflow.lifecycle import Lifecycle


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # out of attempts, or a channel refused it for good

    FINAL: ClassVar[frozenset[OutboxStatus]]


OutboxStatus.FINAL = frozenset({OutboxStatus.SENT, OutboxStatus.FAILED})


class OutboxEvent(StrEnum):
    DELIVER = "deliver"
    GIVE_UP = "give_up"


OUTBOX: Lifecycle[OutboxStatus, OutboxEvent] = Lifecycle(
    OutboxStatus,
    OutboxEvent,
    {
        (OutboxStatus.PENDING, OutboxEvent.DELIVER): OutboxStatus.SENT,
        (OutboxStatus.PENDING, OutboxEvent.GIVE_UP): OutboxStatus.FAILED,
    },
    OutboxStatus.FINAL,
    InvalidOutboxChange,
)
