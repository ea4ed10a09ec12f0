"""Talent apartments: units, places on the waiting list, offers and leases.

``UnitStatus`` is ``apartment_unit.status`` (the database's check constraint lists the same
four values), ``WaitlistStatus`` is ``waitlist_entry.status``, ``OfferStatus`` is
``apartment_offer.status`` and ``LeaseStatus`` is ``lease.status``. One allocation moves
three of them together: offering a unit puts the unit and the entry on offer; accepting lets
the unit, houses the entry and accepts the offer; a decline or a lapse gives the unit back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import (
    InvalidLeaseChange,
    InvalidOfferChange,
    InvalidUnitChange,
    InvalidWaitlistChange,
)
from app.workflow.lifecycle import Lifecycle


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    OFFERED = "offered"  # one open offer stands on it
    LEASED = "leased"  # one active lease stands on it
    MAINTENANCE = "maintenance"  # taken out of allocation by staff

    # A unit is never retired: every status leads on.
    FINAL: ClassVar[frozenset[UnitStatus]]
    # What staff may choose on the unit form; the other two belong to offers and leases.
    STAFF_SETTABLE: ClassVar[frozenset[UnitStatus]]


UnitStatus.FINAL = frozenset()
UnitStatus.STAFF_SETTABLE = frozenset({UnitStatus.AVAILABLE, UnitStatus.MAINTENANCE})


class UnitEvent(StrEnum):
    OFFER = "offer"  # an allocation round offers it
    LET = "let"  # the offer was accepted
    RELEASE = "release"  # the offer was declined, lapsed, or withdrawn with the approval
    VACATE = "vacate"  # the move-out was recorded
    START_MAINTENANCE = "start_maintenance"
    END_MAINTENANCE = "end_maintenance"


_U = UnitStatus
UNITS: Lifecycle[UnitStatus, UnitEvent] = Lifecycle(
    UnitStatus,
    UnitEvent,
    {
        (_U.AVAILABLE, UnitEvent.OFFER): _U.OFFERED,
        (_U.OFFERED, UnitEvent.LET): _U.LEASED,
        (_U.OFFERED, UnitEvent.RELEASE): _U.AVAILABLE,
        (_U.LEASED, UnitEvent.VACATE): _U.AVAILABLE,
        (_U.AVAILABLE, UnitEvent.START_MAINTENANCE): _U.MAINTENANCE,
        (_U.MAINTENANCE, UnitEvent.END_MAINTENANCE): _U.AVAILABLE,
    },
    UnitStatus.FINAL,
    InvalidUnitChange,
)


def staff_unit_event(current: UnitStatus | str, wanted: UnitStatus | str) -> UnitEvent | None:
    """What a status chosen on the unit form means: None when it changes nothing, else the
    maintenance event. A unit on offer or let is moved only by its offer or lease, so choosing
    another status for it is refused (``InvalidUnitChange``). ``wanted`` outside
    ``STAFF_SETTABLE`` is a ValueError: the form's schema never lets one through."""
    now, target = UNITS.status(current), UNITS.status(wanted)
    if target not in UnitStatus.STAFF_SETTABLE:
        raise ValueError(f"staff cannot set a unit {target}")
    if target is now:
        return None
    event = UnitEvent.START_MAINTENANCE if target is _U.MAINTENANCE else UnitEvent.END_MAINTENANCE
    UNITS.advance(now, event)  # refuses leaving OFFERED or LEASED this way
    return event


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # an offer to this household is open
    HOUSED = "housed"  # the offer was accepted; the lease carries on from here
    REMOVED = "removed"  # too many declines, or the approval was revoked

    FINAL: ClassVar[frozenset[WaitlistStatus]]
    # Still on the list: the household holds its place (one holding per household) and a
    # revocation takes it off.
    ON_LIST: ClassVar[frozenset[WaitlistStatus]]


WaitlistStatus.FINAL = frozenset({WaitlistStatus.HOUSED, WaitlistStatus.REMOVED})
WaitlistStatus.ON_LIST = frozenset({WaitlistStatus.WAITING, WaitlistStatus.OFFERED})


class WaitlistEvent(StrEnum):
    OFFER = "offer"
    DECLINE = "decline"  # the offer was declined or lapsed, below the policy's maximum
    REMOVE = "remove"  # the decline that reaches the maximum, or the approval revoked
    HOUSE = "house"  # the offer was accepted


_W = WaitlistStatus
WAITLIST: Lifecycle[WaitlistStatus, WaitlistEvent] = Lifecycle(
    WaitlistStatus,
    WaitlistEvent,
    {
        (_W.WAITING, WaitlistEvent.OFFER): _W.OFFERED,
        (_W.OFFERED, WaitlistEvent.DECLINE): _W.WAITING,
        (_W.OFFERED, WaitlistEvent.REMOVE): _W.REMOVED,
        (_W.WAITING, WaitlistEvent.REMOVE): _W.REMOVED,
        (_W.OFFERED, WaitlistEvent.HOUSE): _W.HOUSED,
    },
    WaitlistStatus.FINAL,
    InvalidWaitlistChange,
)


def after_decline(declines: int, max_declines: int) -> WaitlistEvent:
    """A decline or a lapsed offer, ``declines`` counting it: at the policy's maximum the
    household leaves the list, otherwise it waits for the next round."""
    return WaitlistEvent.REMOVE if declines >= max_declines else WaitlistEvent.DECLINE


class OfferStatus(StrEnum):
    OPEN = "open"  # waiting for the applicant's answer until ``respond_by``
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # not answered in time, or withdrawn when the approval was revoked

    FINAL: ClassVar[frozenset[OfferStatus]]


OfferStatus.FINAL = frozenset({OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED})


class OfferEvent(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"


OFFERS: Lifecycle[OfferStatus, OfferEvent] = Lifecycle(
    OfferStatus,
    OfferEvent,
    {
        (OfferStatus.OPEN, OfferEvent.ACCEPT): OfferStatus.ACCEPTED,
        (OfferStatus.OPEN, OfferEvent.DECLINE): OfferStatus.DECLINED,
        (OfferStatus.OPEN, OfferEvent.EXPIRE): OfferStatus.EXPIRED,
    },
    OfferStatus.FINAL,
    InvalidOfferChange,
)


class LeaseStatus(StrEnum):
    ACTIVE = "active"  # renewals extend it in place; the status does not change
    ENDED = "ended"  # the move-out inspection was recorded

    FINAL: ClassVar[frozenset[LeaseStatus]]


LeaseStatus.FINAL = frozenset({LeaseStatus.ENDED})


class LeaseEvent(StrEnum):
    END = "end"


LEASES: Lifecycle[LeaseStatus, LeaseEvent] = Lifecycle(
    LeaseStatus,
    LeaseEvent,
    {(LeaseStatus.ACTIVE, LeaseEvent.END): LeaseStatus.ENDED},
    LeaseStatus.FINAL,
    InvalidLeaseChange,
)
