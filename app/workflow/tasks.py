"""The office's own follow-up work on decided cases.

告知承诺 commitment checks are ``case_schedule`` rows of kind ``verification``: the statuses
are ``ScheduleStatus``, the moves ``COMMITMENT_CHECKS``, and ``outcome`` records what the
approver found. 好差评 call-backs are ``follow_up_task`` rows (``FollowUpStatus``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidCommitmentCheckChange, InvalidFollowUpChange
from app.workflow.lifecycle import Lifecycle
from app.workflow.schedules import ScheduleStatus


class CommitmentOutcome(StrEnum):
    """``case_schedule.outcome`` of a closed commitment check."""

    VERIFIED = "verified"  # the commitment checked out; the approval stands
    REVOKED = "revoked"  # it was untrue; the approval was revoked


class CommitmentEvent(StrEnum):
    CONFIRM = "confirm"
    REVOKE = "revoke"
    # The case left its approval otherwise (e.g. terminated for overdue 容缺 materials).
    CANCEL = "cancel"


OUTCOMES: dict[CommitmentEvent, CommitmentOutcome] = {
    CommitmentEvent.CONFIRM: CommitmentOutcome.VERIFIED,
    CommitmentEvent.REVOKE: CommitmentOutcome.REVOKED,
}

_P, _D, _C = ScheduleStatus.PENDING, ScheduleStatus.DONE, ScheduleStatus.CANCELLED
COMMITMENT_CHECKS: Lifecycle[ScheduleStatus, CommitmentEvent] = Lifecycle(
    ScheduleStatus,
    CommitmentEvent,
    {
        (_P, CommitmentEvent.CONFIRM): _D,
        (_P, CommitmentEvent.REVOKE): _D,
        (_P, CommitmentEvent.CANCEL): _C,
        # Revoking through the case workflow cancels the open check (the approval no longer
        # stands) a moment before the approver's finding is recorded on it, in the same
        # transaction; the finding then closes the cancelled check as done.
        (_C, CommitmentEvent.REVOKE): _D,
    },
    # Hence only DONE is final here: CANCELLED still takes the revocation that caused it.
    frozenset({_D}),
    InvalidCommitmentCheckChange,
)


class FollowUpStatus(StrEnum):
    OPEN = "open"  # a rating of 1–2 asks the department's supervisor to call back (回访)
    RESOLVED = "resolved"  # what came of the call is recorded

    FINAL: ClassVar[frozenset[FollowUpStatus]]


FollowUpStatus.FINAL = frozenset({FollowUpStatus.RESOLVED})


class FollowUpEvent(StrEnum):
    RESOLVE = "resolve"


FOLLOW_UPS: Lifecycle[FollowUpStatus, FollowUpEvent] = Lifecycle(
    FollowUpStatus,
    FollowUpEvent,
    {(FollowUpStatus.OPEN, FollowUpEvent.RESOLVE): FollowUpStatus.RESOLVED},
    FollowUpStatus.FINAL,
    InvalidFollowUpChange,
)
