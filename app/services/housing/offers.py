"""Apartment offers: accepted into a lease, declined (counting towards the declines that end
a wait) or lapsed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from app.domain.principal import Principal
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.models import (
    ApartmentOffer,
    Lease,
    WaitlistEntry,
)
from app.models.base import utcnow
from app.repositories import housing as housing_repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.schemas.housing import (
    LeaseRead,
)
from app.services import audit
from app.services.housing.inventory import unit_view
from app.services.housing.policy import DEPOSIT_MONTHS, lease_rules, years_after
from app.workflow.housing import (
    OFFERS,
    UNITS,
    WAITLIST,
    OfferEvent,
    UnitEvent,
    WaitlistEvent,
    WaitlistStatus,
    after_decline,
)
from app.workflow.values import local_date


def _after_decline(entry: WaitlistEntry) -> None:
    """A decline (or a lapsed offer) counts; at the policy's maximum the entry leaves the list."""
    entry.declines += 1
    event = after_decline(entry.declines, lease_rules(entry.district).max_declines)
    entry.status = WAITLIST.advance(entry.status, event)


async def expire_offers(session: AsyncSession, today: date) -> int:
    """Offers not answered in time lapse: the unit goes back, the lapse counts as a decline."""
    expired = 0
    for offer in await housing_repo.lapsed_offers(session, today):
        unit = await housing_repo.lock_unit(session, offer.unit_id)
        entry = await housing_repo.get_entry(session, offer.entry_id)
        if unit is None or entry is None:
            continue
        offer.status, offer.decided_at = OFFERS.advance(offer.status, OfferEvent.EXPIRE), utcnow()
        unit.status = UNITS.advance(unit.status, UnitEvent.RELEASE)
        _after_decline(entry)
        if entry.status == WaitlistStatus.REMOVED:
            await housing_repo.release_household(session, entry.id)
        expired += 1
    await session.flush()
    return expired


async def _offer_for_applicant(
    session: AsyncSession, principal: Principal, offer_id: uuid.UUID
) -> tuple[ApartmentOffer, WaitlistEntry]:
    offer = await housing_repo.lock_offer(session, offer_id)
    entry = await housing_repo.get_entry(session, offer.entry_id) if offer else None
    if offer is None or entry is None or entry.applicant_id != principal.applicant_id:
        raise NotFound()
    return offer, entry


async def accept_offer(
    session: AsyncSession, principal: Principal, offer_id: uuid.UUID
) -> LeaseRead:
    offer, entry = await _offer_for_applicant(session, principal, offer_id)
    if not OFFERS.allows(offer.status, OfferEvent.ACCEPT):
        raise Conflict(N_("This offer is no longer open."), extra={"offer_status": offer.status})
    today = local_date(utcnow())
    if offer.respond_by < today:
        raise Conflict(N_("The time to accept this offer has passed."))
    unit = await housing_repo.lock_unit(session, offer.unit_id)
    assert unit is not None
    starts = today + timedelta(days=1)
    lease = Lease(
        unit_id=unit.id,
        applicant_id=entry.applicant_id,
        offer_id=offer.id,
        starts_on=starts,
        ends_on=years_after(starts, lease_rules(unit.district).lease_term_years),
        monthly_rent_cny=unit.talent_rent_cny,
        deposit_cny=unit.talent_rent_cny * DEPOSIT_MONTHS,
    )
    session.add(lease)
    offer.status, offer.decided_at = OFFERS.advance(offer.status, OfferEvent.ACCEPT), utcnow()
    unit.status = UNITS.advance(unit.status, UnitEvent.LET)
    entry.status = WAITLIST.advance(entry.status, WaitlistEvent.HOUSE)
    try:
        await session.flush()
    except IntegrityError as exc:
        # The unique indexes caught a second lease the locks did not (e.g. SQLite replication).
        raise Conflict(N_("This apartment has already been let.")) from exc
    await audit.record(
        session,
        "housing.offer_accepted",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"unit": str(unit.id)},
    )
    return LeaseRead(
        id=lease.id,
        unit=unit_view(unit),
        starts_on=lease.starts_on,
        ends_on=lease.ends_on,
        monthly_rent_cny=lease.monthly_rent_cny,
        deposit_cny=lease.deposit_cny,
        status=lease.status,
    )


async def decline_offer(session: AsyncSession, principal: Principal, offer_id: uuid.UUID) -> None:
    offer, entry = await _offer_for_applicant(session, principal, offer_id)
    if not OFFERS.allows(offer.status, OfferEvent.DECLINE):
        raise Conflict(N_("This offer is no longer open."), extra={"offer_status": offer.status})
    unit = await housing_repo.lock_unit(session, offer.unit_id)
    assert unit is not None
    offer.status, offer.decided_at = OFFERS.advance(offer.status, OfferEvent.DECLINE), utcnow()
    unit.status = UNITS.advance(unit.status, UnitEvent.RELEASE)
    _after_decline(entry)
    if entry.status == WaitlistStatus.REMOVED:
        await housing_repo.release_household(session, entry.id)
    await session.flush()
    await audit.record(
        session,
        "housing.offer_declined",
        actor=principal,
        object_type="apartment_offer",
        object_id=offer.id,
        detail={"declines": entry.declines},
    )
