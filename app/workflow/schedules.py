"""Reminders, automatic actions and verification tasks the case workflow asks for.

``ScheduleKind`` is ``case_schedule.kind`` and ``ScheduleStatus`` its ``status``. Reminders and
automatic actions follow ``SCHEDULES``: the worker runs them when due, or the case moves on and
cancels them first. Verification tasks (告知承诺) share the row and its statuses but are worked
by staff; their moves are ``app.workflow.tasks.COMMITMENT_CHECKS``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidScheduleChange
from app.workflow.lifecycle import Lifecycle


class ScheduleKind(StrEnum):
    REMINDER = "reminder"
    ACTION = "action"  # a case action the system takes, e.g. terminating for overdue 容缺
    VERIFICATION = "verification"  # 告知承诺: an approver checks the commitment

    # The kinds the worker carries out when due; verification tasks wait for staff.
    RUN_BY_WORKER: ClassVar[frozenset[ScheduleKind]]


ScheduleKind.RUN_BY_WORKER = frozenset({ScheduleKind.REMINDER, ScheduleKind.ACTION})


class ScheduleStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"

    FINAL: ClassVar[frozenset[ScheduleStatus]]


ScheduleStatus.FINAL = frozenset({ScheduleStatus.DONE, ScheduleStatus.CANCELLED})


class ScheduleEvent(StrEnum):
    RUN = "run"  # the reminder went out, or the action was applied
    # The case moved on (its follow-up was answered, or it ended), the case is gone, or the
    # action no longer applies when its day comes.
    CANCEL = "cancel"


SCHEDULES: Lifecycle[ScheduleStatus, ScheduleEvent] = Lifecycle(
    ScheduleStatus,
    ScheduleEvent,
    {
        (ScheduleStatus.PENDING, ScheduleEvent.RUN): ScheduleStatus.DONE,
        (ScheduleStatus.PENDING, ScheduleEvent.CANCEL): ScheduleStatus.CANCELLED,
    },
    ScheduleStatus.FINAL,
    InvalidScheduleChange,
)
