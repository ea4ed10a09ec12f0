"""Payment cycles, enrolments and entitlements of the rent subsidy."""

from __future__ import annotations

import pytest

from app.workflow.errors import InvalidCycleChange, InvalidEnrolmentChange
from app.workflow.payments import (
    BANK_RESULTS,
    CYCLES,
    ENROLMENTS,
    ENTITLEMENTS,
    STAFF_ENROLMENT_EVENTS,
    CycleEvent,
    EnrolmentEvent,
    EnrolmentStatus,
    EntitlementEvent,
    EntitlementStatus,
    PaymentCycleStatus,
)

C, E, N = PaymentCycleStatus, EnrolmentStatus, EntitlementStatus


def test_the_stored_values_stay_the_same() -> None:
    assert [s.value for s in PaymentCycleStatus] == [
        "computed",
        "reviewed",
        "approved",
        "reconciled",
    ]
    assert [s.value for s in EnrolmentStatus] == ["active", "suspended", "ended"]
    assert [s.value for s in EntitlementStatus] == ["due", "paid", "failed", "carried"]


def test_the_named_groups() -> None:
    assert {C.RECONCILED} == C.FINAL
    assert {C.APPROVED, C.RECONCILED} == C.EXPORTABLE
    assert {E.ENDED} == E.FINAL
    assert {N.PAID, N.CARRIED} == N.FINAL
    assert {N.DUE, N.FAILED} == N.UNSETTLED


def test_a_cycle_goes_maker_checker_bank_in_that_order() -> None:
    status = C.COMPUTED
    for event in (CycleEvent.REVIEW, CycleEvent.APPROVE, CycleEvent.RECONCILE):
        status = CYCLES.advance(status, event)
    assert status is C.RECONCILED
    with pytest.raises(InvalidCycleChange):
        CYCLES.advance(C.COMPUTED, CycleEvent.APPROVE)  # the checker cannot skip the maker
    assert not CYCLES.allows(C.REVIEWED, CycleEvent.RECONCILE)


def test_the_staff_actions_parse_from_their_names() -> None:
    """The finance API posts suspend, resume or terminate; completing is not theirs."""
    assert {e.value for e in STAFF_ENROLMENT_EVENTS} == {"suspend", "resume", "terminate"}
    assert [EnrolmentEvent(a) for a in ("suspend", "resume", "terminate")] == [
        EnrolmentEvent.SUSPEND,
        EnrolmentEvent.RESUME,
        EnrolmentEvent.TERMINATE,
    ]
    assert EnrolmentEvent.COMPLETE not in STAFF_ENROLMENT_EVENTS


def test_an_ended_enrolment_stays_ended_and_resume_needs_a_suspension() -> None:
    assert ENROLMENTS.advance(E.SUSPENDED, EnrolmentEvent.TERMINATE) is E.ENDED
    assert ENROLMENTS.advance(E.ACTIVE, EnrolmentEvent.COMPLETE) is E.ENDED
    with pytest.raises(InvalidEnrolmentChange):
        ENROLMENTS.advance(E.ACTIVE, EnrolmentEvent.RESUME)
    with pytest.raises(InvalidEnrolmentChange):
        ENROLMENTS.advance(E.SUSPENDED, EnrolmentEvent.SUSPEND)
    for event in EnrolmentEvent:
        assert not ENROLMENTS.allows(E.ENDED, event)


def test_the_bank_result_settles_a_due_payment_once() -> None:
    assert {r.value for r in BANK_RESULTS} == {"paid", "failed"}
    assert "carry" not in BANK_RESULTS
    assert ENTITLEMENTS.advance(N.DUE, EntitlementEvent("paid")) is N.PAID
    assert ENTITLEMENTS.advance(N.DUE, EntitlementEvent("failed")) is N.FAILED
    # A second file, or a row for a payment settled earlier, changes nothing.
    assert not ENTITLEMENTS.allows(N.PAID, EntitlementEvent.PAID)
    assert not ENTITLEMENTS.allows(N.FAILED, EntitlementEvent.PAID)


def test_a_failed_payment_is_carried_exactly_once() -> None:
    assert ENTITLEMENTS.advance(N.FAILED, EntitlementEvent.CARRY) is N.CARRIED
    assert not ENTITLEMENTS.allows(N.CARRIED, EntitlementEvent.CARRY)
    assert not ENTITLEMENTS.allows(N.DUE, EntitlementEvent.CARRY)
