"""Units, waiting-list entries, offers and leases of the talent apartments."""

from __future__ import annotations

import pytest

from app.workflow.errors import InvalidOfferChange, InvalidUnitChange
from app.workflow.housing import (
    LEASES,
    OFFERS,
    UNITS,
    WAITLIST,
    LeaseEvent,
    LeaseStatus,
    OfferEvent,
    OfferStatus,
    UnitEvent,
    UnitStatus,
    WaitlistEvent,
    WaitlistStatus,
    after_decline,
    staff_unit_event,
)

U, W, OF, L = UnitStatus, WaitlistStatus, OfferStatus, LeaseStatus


def test_the_stored_values_stay_the_same() -> None:
    # apartment_unit's check constraint: status IN ('available','offered','leased','maintenance')
    assert [s.value for s in UnitStatus] == ["available", "offered", "leased", "maintenance"]
    assert [s.value for s in WaitlistStatus] == ["waiting", "offered", "housed", "removed"]
    assert [s.value for s in OfferStatus] == ["open", "accepted", "declined", "expired"]
    assert [s.value for s in LeaseStatus] == ["active", "ended"]


def test_the_named_groups() -> None:
    assert frozenset() == U.FINAL
    assert {U.AVAILABLE, U.MAINTENANCE} == U.STAFF_SETTABLE
    assert {W.HOUSED, W.REMOVED} == W.FINAL
    assert {W.WAITING, W.OFFERED} == W.ON_LIST
    assert {OF.ACCEPTED, OF.DECLINED, OF.EXPIRED} == OF.FINAL
    assert {L.ENDED} == L.FINAL


def test_an_allocation_accepted_moves_unit_entry_and_offer_together() -> None:
    unit = UNITS.advance(U.AVAILABLE, UnitEvent.OFFER)
    entry = WAITLIST.advance(W.WAITING, WaitlistEvent.OFFER)
    assert (unit, entry) == (U.OFFERED, W.OFFERED)
    assert UNITS.advance(unit, UnitEvent.LET) is U.LEASED
    assert WAITLIST.advance(entry, WaitlistEvent.HOUSE) is W.HOUSED
    assert OFFERS.advance(OF.OPEN, OfferEvent.ACCEPT) is OF.ACCEPTED
    assert UNITS.advance(U.LEASED, UnitEvent.VACATE) is U.AVAILABLE
    assert LEASES.advance(L.ACTIVE, LeaseEvent.END) is L.ENDED


def test_a_decline_counts_and_the_last_one_allowed_removes_the_household() -> None:
    assert after_decline(1, 3) is WaitlistEvent.DECLINE
    assert after_decline(3, 3) is WaitlistEvent.REMOVE
    assert WAITLIST.advance(W.OFFERED, after_decline(1, 3)) is W.WAITING
    assert WAITLIST.advance(W.OFFERED, after_decline(3, 3)) is W.REMOVED
    assert UNITS.advance(U.OFFERED, UnitEvent.RELEASE) is U.AVAILABLE


def test_a_revocation_takes_a_household_off_the_list_whether_offered_or_not() -> None:
    for status in W.ON_LIST:
        assert WAITLIST.advance(status, WaitlistEvent.REMOVE) is W.REMOVED
    assert not WAITLIST.allows(W.HOUSED, WaitlistEvent.REMOVE)


def test_an_offer_is_answered_once() -> None:
    for event in OfferEvent:
        with pytest.raises(InvalidOfferChange):
            OFFERS.advance(OF.EXPIRED, event)


@pytest.mark.parametrize(
    ("current", "wanted", "event"),
    [
        (U.AVAILABLE, U.MAINTENANCE, UnitEvent.START_MAINTENANCE),
        (U.MAINTENANCE, U.AVAILABLE, UnitEvent.END_MAINTENANCE),
        (U.AVAILABLE, U.AVAILABLE, None),
        (U.MAINTENANCE, U.MAINTENANCE, None),
    ],
)
def test_staff_put_a_free_unit_into_maintenance_and_back(
    current: UnitStatus, wanted: UnitStatus, event: UnitEvent | None
) -> None:
    assert staff_unit_event(current.value, wanted.value) is event


@pytest.mark.parametrize("current", [U.OFFERED, U.LEASED])
@pytest.mark.parametrize("wanted", [U.AVAILABLE, U.MAINTENANCE])
def test_staff_cannot_move_a_unit_on_offer_or_let(current: UnitStatus, wanted: UnitStatus) -> None:
    with pytest.raises(InvalidUnitChange):
        staff_unit_event(current, wanted)


def test_staff_cannot_choose_the_statuses_of_offers_and_leases() -> None:
    with pytest.raises(ValueError):
        staff_unit_event(U.AVAILABLE, U.LEASED)
