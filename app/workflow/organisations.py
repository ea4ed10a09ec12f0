"""An organisation's verification: ``employer.status``.

A registration waits for its first admin to confirm the email address (and enrol the
authenticator), then for district staff to check the business licence. A verified
organisation whose name or licence changes is checked again; a rejected one may correct its
details and ask again. Nothing is final: an organisation account lives as long as it exists.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidOrganisationChange
from app.workflow.lifecycle import Lifecycle


class OrganisationStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # registered; the admin has not confirmed the email yet
    PENDING = "pending"  # waiting for district staff to check it
    VERIFIED = "verified"  # checked: confirms employment, receives cases and payments
    REJECTED = "rejected"  # not accepted, with a reason; may be corrected and resubmitted

    # Cases naming the organisation's code attach to it, and its users act on them.
    ACTIVE: ClassVar[frozenset[OrganisationStatus]]


OrganisationStatus.ACTIVE = frozenset({OrganisationStatus.VERIFIED})


class OrganisationEvent(StrEnum):
    CONFIRM_ADMIN = "confirm_admin"  # the first admin confirmed the email and enrolled TOTP
    APPROVE = "approve"
    REJECT = "reject"
    # The name or the licence changed (or a rejected organisation corrected them): check again.
    RESUBMIT = "resubmit"


_O, _E = OrganisationStatus, OrganisationEvent

ORGANISATIONS: Lifecycle[OrganisationStatus, OrganisationEvent] = Lifecycle(
    OrganisationStatus,
    OrganisationEvent,
    {
        (_O.UNCONFIRMED, _E.CONFIRM_ADMIN): _O.PENDING,
        (_O.PENDING, _E.APPROVE): _O.VERIFIED,
        (_O.PENDING, _E.REJECT): _O.REJECTED,
        (_O.PENDING, _E.RESUBMIT): _O.PENDING,
        (_O.VERIFIED, _E.RESUBMIT): _O.PENDING,
        (_O.REJECTED, _E.RESUBMIT): _O.PENDING,
    },
    frozenset(),
    InvalidOrganisationChange,
)
