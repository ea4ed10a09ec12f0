"""Rent subsidies paid month by month: payment cycles, enrolments and entitlements.

``PaymentCycleStatus`` is ``payment_cycle.status`` (maker reviews, a different checker
approves, the bank's result file reconciles); ``EnrolmentStatus`` is
``subsidy_enrolment.status``; ``EntitlementStatus`` is ``subsidy_entitlement.status``, one
month's payment to one beneficiary.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import (
    InvalidCycleChange,
    InvalidEnrolmentChange,
    InvalidEntitlementChange,
)
from app.workflow.lifecycle import Lifecycle


class PaymentCycleStatus(StrEnum):
    COMPUTED = "computed"  # entitlements generated for the month
    REVIEWED = "reviewed"  # the finance maker checked them
    APPROVED = "approved"  # a different finance checker approved (four eyes)
    RECONCILED = "reconciled"  # the bank's result settled every entitlement

    FINAL: ClassVar[frozenset[PaymentCycleStatus]]
    # The bank file may be exported and the bank's result file reconciled.
    EXPORTABLE: ClassVar[frozenset[PaymentCycleStatus]]


PaymentCycleStatus.FINAL = frozenset({PaymentCycleStatus.RECONCILED})
PaymentCycleStatus.EXPORTABLE = frozenset(
    {PaymentCycleStatus.APPROVED, PaymentCycleStatus.RECONCILED}
)


class CycleEvent(StrEnum):
    REVIEW = "review"
    APPROVE = "approve"
    RECONCILE = "reconcile"  # the last unsettled entitlement was settled by a result file


CYCLES: Lifecycle[PaymentCycleStatus, CycleEvent] = Lifecycle(
    PaymentCycleStatus,
    CycleEvent,
    {
        (PaymentCycleStatus.COMPUTED, CycleEvent.REVIEW): PaymentCycleStatus.REVIEWED,
        (PaymentCycleStatus.REVIEWED, CycleEvent.APPROVE): PaymentCycleStatus.APPROVED,
        (PaymentCycleStatus.APPROVED, CycleEvent.RECONCILE): PaymentCycleStatus.RECONCILED,
    },
    PaymentCycleStatus.FINAL,
    InvalidCycleChange,
)


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"  # paid each month while the conditions hold
    SUSPENDED = "suspended"  # by staff, or a condition could not be checked; no payment
    ENDED = "ended"  # terminated, lapsed, or the schedule or cap was reached

    FINAL: ClassVar[frozenset[EnrolmentStatus]]


EnrolmentStatus.FINAL = frozenset({EnrolmentStatus.ENDED})


class EnrolmentEvent(StrEnum):
    # The first three are the finance staff's actions, named as the pages and audit log name
    # them (``subsidy.suspend``...); the cycle's re-check uses them too: a condition that cannot
    # be checked suspends, one no longer met terminates.
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    COMPLETE = "complete"  # every month of the schedule paid, or the total cap reached


# What finance staff may do to an enrolment by hand (the API's ``{action}``); completing is
# the cycle's to find.
STAFF_ENROLMENT_EVENTS: frozenset[EnrolmentEvent] = frozenset(
    {EnrolmentEvent.SUSPEND, EnrolmentEvent.RESUME, EnrolmentEvent.TERMINATE}
)

ENROLMENTS: Lifecycle[EnrolmentStatus, EnrolmentEvent] = Lifecycle(
    EnrolmentStatus,
    EnrolmentEvent,
    {
        (EnrolmentStatus.ACTIVE, EnrolmentEvent.SUSPEND): EnrolmentStatus.SUSPENDED,
        (EnrolmentStatus.SUSPENDED, EnrolmentEvent.RESUME): EnrolmentStatus.ACTIVE,
        (EnrolmentStatus.ACTIVE, EnrolmentEvent.TERMINATE): EnrolmentStatus.ENDED,
        (EnrolmentStatus.SUSPENDED, EnrolmentEvent.TERMINATE): EnrolmentStatus.ENDED,
        # Only active enrolments are paid, so only they can complete their schedule.
        (EnrolmentStatus.ACTIVE, EnrolmentEvent.COMPLETE): EnrolmentStatus.ENDED,
    },
    EnrolmentStatus.FINAL,
    InvalidEnrolmentChange,
)


class EntitlementStatus(StrEnum):
    DUE = "due"  # computed, awaiting the bank's result
    PAID = "paid"
    FAILED = "failed"  # the bank could not pay; carried to the next cycle
    CARRIED = "carried"  # a new entitlement of a later cycle pays it

    FINAL: ClassVar[frozenset[EntitlementStatus]]
    # Computed but not settled: counts against the enrolment's cap until the bank pays it.
    UNSETTLED: ClassVar[frozenset[EntitlementStatus]]


EntitlementStatus.FINAL = frozenset({EntitlementStatus.PAID, EntitlementStatus.CARRIED})
EntitlementStatus.UNSETTLED = frozenset({EntitlementStatus.DUE, EntitlementStatus.FAILED})


class EntitlementEvent(StrEnum):
    # The bank's result file says "paid" or "failed" in its status column: these two values
    # are its vocabulary, so a row's status parses straight into the event.
    PAID = "paid"
    FAILED = "failed"
    CARRY = "carry"  # the next cycle takes the failed payment over


# What the bank's result file may say (``CARRY`` is ours, never the bank's).
BANK_RESULTS: frozenset[EntitlementEvent] = frozenset(
    {EntitlementEvent.PAID, EntitlementEvent.FAILED}
)

# A result for an entitlement already settled is refused: the same file twice, or a row for a
# payment an earlier file settled, changes nothing.
ENTITLEMENTS: Lifecycle[EntitlementStatus, EntitlementEvent] = Lifecycle(
    EntitlementStatus,
    EntitlementEvent,
    {
        (EntitlementStatus.DUE, EntitlementEvent.PAID): EntitlementStatus.PAID,
        (EntitlementStatus.DUE, EntitlementEvent.FAILED): EntitlementStatus.FAILED,
        (EntitlementStatus.FAILED, EntitlementEvent.CARRY): EntitlementStatus.CARRIED,
    },
    EntitlementStatus.FINAL,
    InvalidEntitlementChange,
)
