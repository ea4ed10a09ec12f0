"""Immutable values that go into and come out of ``transitions.apply``.

The database layer builds a ``CaseSnapshot`` from the case row, calls ``apply`` and then, in one
transaction, stores the new snapshot fields with a version check, appends the ``CaseEvent`` and
carries out the side effects. Identifiers are strings so that the workflow stays independent of
how the database keys its rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import ClassVar

from app.workflow.states import (
    ActorRole,
    CaseAction,
    CaseStatus,
    ResultDelivery,
    ServiceCapability,
)

# China has kept UTC+8 without daylight saving since 1991; a fixed offset avoids depending on the
# system tz database, which slim container images leave out.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_date(now: datetime) -> date:
    """The calendar day in Shanghai: due dates and working days are counted in local days."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given; pass a timezone-aware datetime")
    return now.astimezone(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class ServiceCapabilities:
    """Options a service offers, snapshotted onto the case when it is submitted."""

    allows_missing_materials: bool = False  # 容缺受理
    allows_commitment: bool = False  # 告知承诺
    needs_employer_confirmation: bool = False
    # 四眼原则 relaxed by an admin setting: the reviewer may also approve or reject.
    reviewer_may_decide: bool = False

    def offers(self, capability: ServiceCapability) -> bool:
        match capability:
            case ServiceCapability.MISSING_MATERIALS:
                return self.allows_missing_materials
            case ServiceCapability.COMMITMENT:
                return self.allows_commitment
            case ServiceCapability.EMPLOYER_CONFIRMATION:
                return self.needs_employer_confirmation


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: ActorRole


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """What the workflow needs to know about a case; ``version`` is the optimistic-lock counter."""

    id: str
    status: CaseStatus
    version: int
    applicant_id: str
    employer_id: str | None = None
    # The credit code the applicant named, kept when no registered organisation has it yet.
    employer_uscc: str | None = None
    # None: not asked (or asked and not yet answered); True/False: the employer's answer.
    employer_confirmed: bool | None = None
    # 容缺受理: the items still to be delivered and the day by which they must arrive.
    pending_materials: tuple[str, ...] = ()
    pending_due_on: date | None = None
    approved_on_commitment: bool = False  # 告知承诺: a verification task follows
    reviewed_by: str | None = None  # the staff actor who reviewed the case (四眼原则)


@dataclass(frozen=True, slots=True)
class ActionPayload:
    """What the person acting typed in; which fields an action needs is in ``ACTION_RULES``."""

    reason: str | None = None
    clause: str | None = None  # the legal or policy clause a decision rests on
    items: tuple[str, ...] = ()  # missing, pending or received materials
    due_on: date | None = None  # last day allowed (inclusive)
    delivery: ResultDelivery | None = None
    tracking_number: str | None = None


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One append-only row of the case history; ``version`` is the version it produced."""

    case_id: str
    version: int
    action: CaseAction
    from_status: CaseStatus
    to_status: CaseStatus
    actor_id: str
    actor_role: ActorRole
    at: datetime
    reason: str | None = None
    clause: str | None = None
    items: tuple[str, ...] = ()
    due_on: date | None = None
    delivery: ResultDelivery | None = None
    tracking_number: str | None = None


class FollowUp(StrEnum):
    """Something a party owes the case; reminders and timeouts are grouped by it."""

    EMPLOYER_CONFIRMATION = "employer_confirmation"
    SUPPLEMENT = "supplement"
    PENDING_MATERIALS = "pending_materials"
    # 告知承诺: the office owes the check of the commitment; it outlives the case's handling.
    COMMITMENT_VERIFICATION = "commitment_verification"


@dataclass(frozen=True, slots=True)
class _Effect:
    kind: ClassVar[str]

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True, slots=True)
class StartClock(_Effect):
    """The working-day clock starts; the acceptance day itself does not count."""

    kind: ClassVar[str] = "start_clock"
    on: date


@dataclass(frozen=True, slots=True)
class PauseClock(_Effect):
    """Open a pause interval starting ``on`` (the day of the supplement request)."""

    kind: ClassVar[str] = "pause_clock"
    on: date


@dataclass(frozen=True, slots=True)
class ResumeClock(_Effect):
    """Close the open pause interval ``on`` the day the supplement is received."""

    kind: ClassVar[str] = "resume_clock"
    on: date


@dataclass(frozen=True, slots=True)
class StopClock(_Effect):
    """The case left the clock for good (decision, withdrawal, termination); close any pause."""

    kind: ClassVar[str] = "stop_clock"
    on: date


@dataclass(frozen=True, slots=True)
class NotifyApplicant(_Effect):
    kind: ClassVar[str] = "notify_applicant"
    message_key: str


@dataclass(frozen=True, slots=True)
class NotifyEmployer(_Effect):
    kind: ClassVar[str] = "notify_employer"
    message_key: str


@dataclass(frozen=True, slots=True)
class ScheduleReminder(_Effect):
    """Remind whoever owes something before ``due_on``; the scheduler picks the days."""

    kind: ClassVar[str] = "schedule_reminder"
    follow_up: FollowUp
    due_on: date


@dataclass(frozen=True, slots=True)
class ScheduleAction(_Effect):
    """Apply ``action`` as the system actor on or after ``on`` unless cancelled first."""

    kind: ClassVar[str] = "schedule_action"
    action: CaseAction
    on: date
    follow_up: FollowUp  # the group it is cancelled with


@dataclass(frozen=True, slots=True)
class CancelScheduled(_Effect):
    """Drop reminders and scheduled actions of one group, or of every group when None.

    None leaves 告知承诺 verification tasks alone: the check of a commitment stays due after the
    result is issued and the case is closed; only ``COMMITMENT_VERIFICATION`` drops it.
    """

    kind: ClassVar[str] = "cancel_scheduled"
    follow_up: FollowUp | None = None


@dataclass(frozen=True, slots=True)
class CreateVerificationTask(_Effect):
    """告知承诺: check the applicant's commitment later, by ``due_on``."""

    kind: ClassVar[str] = "create_verification_task"
    due_on: date


SideEffect = (
    StartClock
    | PauseClock
    | ResumeClock
    | StopClock
    | NotifyApplicant
    | NotifyEmployer
    | ScheduleReminder
    | ScheduleAction
    | CancelScheduled
    | CreateVerificationTask
)


@dataclass(frozen=True, slots=True)
class TransitionResult:
    case: CaseSnapshot  # the case as it is after the action, with the new version
    event: CaseEvent
    effects: tuple[SideEffect, ...] = field(default=())

    @property
    def status(self) -> CaseStatus:
        return self.case.status

    @property
    def version(self) -> int:
        return self.case.version
