"""Queries for apartment inventory, the waitlist, offers and leases (district-scoped)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApartmentOffer, ApartmentProject, ApartmentUnit, Lease, WaitlistEntry


async def get_project(
    session: AsyncSession, district: str, project_id: uuid.UUID
) -> ApartmentProject | None:
    stmt = select(ApartmentProject).where(
        ApartmentProject.id == project_id, ApartmentProject.district == district
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def existing_unit_keys(session: AsyncSession, project_id: uuid.UUID) -> set[tuple[str, str]]:
    rows = await session.execute(
        select(ApartmentUnit.building, ApartmentUnit.number).where(
            ApartmentUnit.project_id == project_id
        )
    )
    return {(b, n) for b, n in rows}


async def units(session: AsyncSession, district: str, status: str | None) -> list[ApartmentUnit]:
    stmt = select(ApartmentUnit).where(ApartmentUnit.district == district)
    if status:
        stmt = stmt.where(ApartmentUnit.status == status)
    stmt = stmt.order_by(ApartmentUnit.project_id, ApartmentUnit.building, ApartmentUnit.number)
    return list((await session.execute(stmt)).scalars())


async def lock_available_units(session: AsyncSession, district: str) -> list[ApartmentUnit]:
    stmt = (
        select(ApartmentUnit)
        .where(ApartmentUnit.district == district, ApartmentUnit.status == "available")
        .order_by(ApartmentUnit.talent_rent_cny, ApartmentUnit.id)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def lock_unit(session: AsyncSession, unit_id: uuid.UUID) -> ApartmentUnit | None:
    stmt = select(ApartmentUnit).where(ApartmentUnit.id == unit_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> ApartmentUnit | None:
    return await session.get(ApartmentUnit, unit_id)


async def entry_for_case(session: AsyncSession, case_id: uuid.UUID) -> WaitlistEntry | None:
    stmt = select(WaitlistEntry).where(WaitlistEntry.case_id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_household_entries(session: AsyncSession, applicant_id: uuid.UUID) -> int:
    stmt = select(WaitlistEntry.id).where(
        WaitlistEntry.applicant_id == applicant_id,
        WaitlistEntry.status.in_(("waiting", "offered")),
    )
    waiting = len(list((await session.execute(stmt)).scalars()))
    leases = await session.execute(
        select(Lease.id).where(Lease.applicant_id == applicant_id, Lease.status == "active")
    )
    return waiting + len(list(leases.scalars()))


async def ranked_waitlist(
    session: AsyncSession, district: str, *, lock: bool = False
) -> list[WaitlistEntry]:
    stmt = (
        select(WaitlistEntry)
        .where(WaitlistEntry.district == district, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.score.desc(), WaitlistEntry.joined_at, WaitlistEntry.id)
    )
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.execute(stmt)).scalars())


async def lock_offer(session: AsyncSession, offer_id: uuid.UUID) -> ApartmentOffer | None:
    stmt = select(ApartmentOffer).where(ApartmentOffer.id == offer_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_entry(session: AsyncSession, entry_id: uuid.UUID) -> WaitlistEntry | None:
    return await session.get(WaitlistEntry, entry_id)


async def offers_for_applicant(
    session: AsyncSession, applicant_id: uuid.UUID
) -> list[ApartmentOffer]:
    stmt = (
        select(ApartmentOffer)
        .join(WaitlistEntry, WaitlistEntry.id == ApartmentOffer.entry_id)
        .where(WaitlistEntry.applicant_id == applicant_id)
        .order_by(ApartmentOffer.offered_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def leases_for_applicant(session: AsyncSession, applicant_id: uuid.UUID) -> list[Lease]:
    stmt = select(Lease).where(Lease.applicant_id == applicant_id).order_by(Lease.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def lock_lease(session: AsyncSession, lease_id: uuid.UUID) -> Lease | None:
    stmt = select(Lease).where(Lease.id == lease_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def first_lease_start(
    session: AsyncSession, applicant_id: uuid.UUID, unit_id: uuid.UUID
) -> date | None:
    stmt = select(func.min(Lease.starts_on)).where(
        Lease.applicant_id == applicant_id, Lease.unit_id == unit_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def projects(session: AsyncSession, district: str) -> list[ApartmentProject]:
    stmt = (
        select(ApartmentProject)
        .where(ApartmentProject.district == district)
        .order_by(ApartmentProject.name_zh)
    )
    return list((await session.execute(stmt)).scalars())


async def waiting_entries_for_applicant(
    session: AsyncSession, applicant_id: uuid.UUID
) -> list[WaitlistEntry]:
    stmt = select(WaitlistEntry).where(
        WaitlistEntry.applicant_id == applicant_id, WaitlistEntry.status == "waiting"
    )
    return list((await session.execute(stmt)).scalars())


async def lapsed_offers(session: AsyncSession, today: date) -> list[ApartmentOffer]:
    stmt = (
        select(ApartmentOffer)
        .where(ApartmentOffer.status == "open", ApartmentOffer.respond_by < today)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def leases_ending_by(session: AsyncSession, day: date) -> list[Lease]:
    stmt = select(Lease).where(Lease.status == "active", Lease.ends_on <= day)
    return list((await session.execute(stmt)).scalars())
