"""Records retention: how long a decided case is kept, and the destruction list that ends it.

Every service carries a rule per result (``CaseResult``): which parts of the record it keeps,
for how many years, counted from which date, and whether the record is then destroyed or
archived permanently (after the archival rules of the Dutch ZGW case types: 'vernietigen'
after N years from a named date, or 'blijvend bewaren'). ``retention_until`` is pure: the
caller finds the anchor date (the decision, the end of payments, the end of the lease).

A destruction list (``DestructionListStatus``) is drafted by the worker, submitted by one
records officer and approved by another (four eyes): approval destroys the listed cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from app.i18n import N_
from app.workflow.errors import InvalidStatusChange
from app.workflow.lifecycle import Lifecycle
from app.workflow.states import CaseStatus


class CaseResult(StrEnum):
    """What a decided case came to; the key of its service's retention rules."""

    APPROVED = "approved"
    REJECTED = "rejected"
    NOT_ACCEPTED = "not_accepted"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


# The status a decided case is in, read as its result; undecided statuses have none.
RESULT_OF_STATUS: dict[CaseStatus, CaseResult] = {
    CaseStatus.APPROVED: CaseResult.APPROVED,
    CaseStatus.RESULT_ISSUED: CaseResult.APPROVED,
    CaseStatus.CLOSED: CaseResult.APPROVED,
    CaseStatus.REJECTED: CaseResult.REJECTED,
    CaseStatus.NOT_ACCEPTED: CaseResult.NOT_ACCEPTED,
    CaseStatus.WITHDRAWN: CaseResult.WITHDRAWN,
    CaseStatus.TERMINATED: CaseResult.TERMINATED,
    CaseStatus.REVOKED: CaseResult.REVOKED,
    CaseStatus.CANCELLED: CaseResult.CANCELLED,
}

# The statuses whose entry is the decision (its date starts a ``DECISION_DATE`` period).
DECISION_STATUSES: frozenset[CaseStatus] = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.REJECTED,
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.WITHDRAWN,
        CaseStatus.TERMINATED,
        CaseStatus.REVOKED,
        CaseStatus.CANCELLED,
    }
)

RESULT_LABELS: dict[CaseResult, str] = {
    CaseResult.APPROVED: N_("Approved"),
    CaseResult.REJECTED: N_("Not approved"),
    CaseResult.NOT_ACCEPTED: N_("Application not accepted"),
    CaseResult.WITHDRAWN: N_("Withdrawn"),
    CaseResult.TERMINATED: N_("Stopped: missing documents not received in time"),
    CaseResult.REVOKED: N_("Approval revoked"),
    CaseResult.CANCELLED: N_("Cancelled"),
}


def result_of(status: CaseStatus | str) -> CaseResult | None:
    return RESULT_OF_STATUS.get(CaseStatus(status))


class RetentionAnchor(StrEnum):
    """The date a retention period runs from."""

    DECISION_DATE = "decision_date"
    PAYMENTS_END = "payments_end"  # the subsidy enrolment ended
    LEASE_END = "lease_end"  # the talent-apartment lease ended


ANCHOR_LABELS: dict[RetentionAnchor, str] = {
    RetentionAnchor.DECISION_DATE: N_("the decision date"),
    RetentionAnchor.PAYMENTS_END: N_("the end of payments"),
    RetentionAnchor.LEASE_END: N_("the end of the lease"),
}


class Disposal(StrEnum):
    DESTROY = "destroy"
    ARCHIVE = "archive"  # kept permanently (transferred to the archives)


DISPOSAL_LABELS: dict[Disposal, str] = {
    Disposal.DESTROY: N_("Destroy"),
    Disposal.ARCHIVE: N_("Archive permanently"),
}


class RecordPart(StrEnum):
    """The parts of a case's record a rule keeps."""

    CASE = "case"  # the application, its answers and the case history
    DECISION = "decision"  # the decision and its reasons
    DOCUMENTS = "documents"  # the uploaded files
    AUDIT = "audit"  # the audit entries (hash-chained: they hold no personal values)


PART_LABELS: dict[RecordPart, str] = {
    RecordPart.CASE: N_("Case file"),
    RecordPart.DECISION: N_("Decision"),
    RecordPart.DOCUMENTS: N_("Documents"),
    RecordPart.AUDIT: N_("Audit trail"),
}


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """``years`` is None exactly when the record is archived permanently. ``assumed``: no
    regulation was found for the figure (shown beside it); ``source`` cites one when found."""

    keeps: tuple[RecordPart, ...]
    years: int | None
    anchor: RetentionAnchor
    disposal: Disposal
    assumed: bool
    source: str | None = None

    def __post_init__(self) -> None:
        if (self.years is None) != (self.disposal is Disposal.ARCHIVE):
            raise ValueError("a destroyed record needs its years; an archived one has none")
        if self.years is not None and not 1 <= self.years <= 100:
            raise ValueError("retention years must be between 1 and 100")


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_until(rule: RetentionRule, anchor_date: date | None) -> date | None:
    """The last day the record is kept: None while the anchor date is not known yet (payments
    still running, a lease not ended) and for a record archived permanently."""
    if rule.years is None or anchor_date is None:
        return None
    return add_years(anchor_date, rule.years)


def due_for_destruction(rule: RetentionRule, anchor_date: date | None, today: date) -> bool:
    until = retention_until(rule, anchor_date)
    return rule.disposal is Disposal.DESTROY and until is not None and until < today


# --- The destruction list --------------------------------------------------------------------


class DestructionListStatus(StrEnum):
    DRAFT = "draft"  # proposed by the worker; officers remove what must stay
    SUBMITTED = "submitted"  # an officer has reviewed it and asks for approval
    DESTROYED = "destroyed"  # another officer approved: the listed cases were destroyed

    FINAL: ClassVar[frozenset[DestructionListStatus]]
    # Items can still be removed, and a hold takes its case off.
    OPEN: ClassVar[frozenset[DestructionListStatus]]


DestructionListStatus.FINAL = frozenset({DestructionListStatus.DESTROYED})
DestructionListStatus.OPEN = frozenset(
    {DestructionListStatus.DRAFT, DestructionListStatus.SUBMITTED}
)


class DestructionListEvent(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"


class InvalidDestructionListChange(InvalidStatusChange):
    code = "destruction_list_step"
    message = N_("This step is not possible in the destruction list's current status.")
    lifecycle = "destruction_list"


DESTRUCTION_LISTS: Lifecycle[DestructionListStatus, DestructionListEvent] = Lifecycle(
    DestructionListStatus,
    DestructionListEvent,
    {
        (DestructionListStatus.DRAFT, DestructionListEvent.SUBMIT): DestructionListStatus.SUBMITTED,
        (
            DestructionListStatus.SUBMITTED,
            DestructionListEvent.APPROVE,
        ): DestructionListStatus.DESTROYED,
    },
    DestructionListStatus.FINAL,
    InvalidDestructionListChange,
)


class DestructionItemStatus(StrEnum):
    LISTED = "listed"
    REMOVED = "removed"  # taken off with a reason (or by a legal hold); the case stays
    DESTROYED = "destroyed"  # the minimal record of a destroyed case


LIST_STATUS_LABELS: dict[DestructionListStatus, str] = {
    DestructionListStatus.DRAFT: N_("Proposed, to be reviewed"),
    DestructionListStatus.SUBMITTED: N_("Reviewed, waiting for approval"),
    DestructionListStatus.DESTROYED: N_("Approved and destroyed"),
}
