"""An application before it becomes a case, and the outside systems' answers for it (免提交).

``ApplicationStatus`` is ``application.status``; ``FactCheckStatus`` is
``fact_verification.status``, one row per outside system asked for an application's facts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidApplicationChange, InvalidFactCheckChange
from app.workflow.lifecycle import Lifecycle


class ApplicationStatus(StrEnum):
    DRAFT = "draft"  # saved at every step, changed freely
    SUBMITTED = "submitted"  # a case was opened from it; the answers are frozen

    FINAL: ClassVar[frozenset[ApplicationStatus]]


ApplicationStatus.FINAL = frozenset({ApplicationStatus.SUBMITTED})


class ApplicationEvent(StrEnum):
    SUBMIT = "submit"


APPLICATIONS: Lifecycle[ApplicationStatus, ApplicationEvent] = Lifecycle(
    ApplicationStatus,
    ApplicationEvent,
    {(ApplicationStatus.DRAFT, ApplicationEvent.SUBMIT): ApplicationStatus.SUBMITTED},
    ApplicationStatus.FINAL,
    InvalidApplicationChange,
)


class FactCheckStatus(StrEnum):
    PENDING = "pending"  # queued; the worker asks the system
    UNAVAILABLE = "unavailable"  # the system was down; asked again from ``next_attempt_at``
    VERIFIED = "verified"  # the system vouched for the facts
    MANUAL = "manual"  # entered by staff during an outage, with a note
    NO_RECORD = "no_record"  # a final "no": the applicant answers and uploads as usual
    REJECTED = "rejected"  # the system refused to answer: likewise final

    FINAL: ClassVar[frozenset[FactCheckStatus]]
    # The facts stand in place of the applicant's answers and uploads.
    CONFIRMED: ClassVar[frozenset[FactCheckStatus]]
    # The facts are still to come: hidden from the form, and a bundle waits for them.
    OUTSTANDING: ClassVar[frozenset[FactCheckStatus]]
    # The system said no after all: what it was to give is the applicant's to give.
    REFUSED: ClassVar[frozenset[FactCheckStatus]]


_F = FactCheckStatus
FactCheckStatus.CONFIRMED = frozenset({_F.VERIFIED, _F.MANUAL})
FactCheckStatus.OUTSTANDING = frozenset({_F.PENDING, _F.UNAVAILABLE})
FactCheckStatus.REFUSED = frozenset({_F.NO_RECORD, _F.REJECTED})
FactCheckStatus.FINAL = _F.CONFIRMED | _F.REFUSED


class FactCheckEvent(StrEnum):
    SYSTEM_VERIFIED = "system_verified"
    SYSTEM_UNAVAILABLE = "system_unavailable"
    SYSTEM_NO_RECORD = "system_no_record"
    SYSTEM_REJECTED = "system_rejected"
    ENTERED_MANUALLY = "entered_manually"


_ANSWERS: dict[FactCheckEvent, FactCheckStatus] = {
    FactCheckEvent.SYSTEM_VERIFIED: _F.VERIFIED,
    # Still down: the row stays unavailable, with one more attempt counted.
    FactCheckEvent.SYSTEM_UNAVAILABLE: _F.UNAVAILABLE,
    FactCheckEvent.SYSTEM_NO_RECORD: _F.NO_RECORD,
    FactCheckEvent.SYSTEM_REJECTED: _F.REJECTED,
    FactCheckEvent.ENTERED_MANUALLY: _F.MANUAL,
}

# Whoever answers first (the worker or staff by hand) settles the row; a later answer is refused.
FACT_CHECKS: Lifecycle[FactCheckStatus, FactCheckEvent] = Lifecycle(
    FactCheckStatus,
    FactCheckEvent,
    {(s, e): t for s in _F.OUTSTANDING for e, t in _ANSWERS.items()},
    FactCheckStatus.FINAL,
    InvalidFactCheckChange,
)
