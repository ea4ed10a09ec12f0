"""Queries for apartment inventory, the waitlist, offers and leases (district-scoped)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    ApartmentOffer,
    ApartmentProject,
    ApartmentUnit,
    Applicant,
    Application,
    Case,
    HouseholdKey,
    Lease,
    Service,
    SpouseIdentity,
    WaitlistEntry,
)
from app.models.base import utcnow
from app.workflow.applications import ApplicationStatus
from app.workflow.housing import LeaseStatus, OfferStatus, UnitStatus, WaitlistStatus
from app.workflow.states import CaseStatus


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


# pg_advisory_xact_lock keys: one allocation round at a time per district.
_ALLOCATION_LOCK_KEYS = {"yangpu": 7_401_105_501, "changning": 7_401_105_502}


async def lock_allocation(session: AsyncSession, district: str) -> None:
    """Waits until no other allocation round of the district is running (until commit).

    Two rounds that both skipped each other's locked rows could otherwise each end with units
    and no applicant or an applicant and no units, and offer nothing. SQLite serialises every
    writing transaction already (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_ALLOCATION_LOCK_KEYS[district])))


async def lock_available_units(session: AsyncSession, district: str) -> list[ApartmentUnit]:
    stmt = (
        select(ApartmentUnit)
        .where(ApartmentUnit.district == district, ApartmentUnit.status == UnitStatus.AVAILABLE)
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
        WaitlistEntry.status.in_(sorted(WaitlistStatus.ON_LIST)),
    )
    waiting = len(list((await session.execute(stmt)).scalars()))
    leases = await session.execute(
        select(Lease.id).where(
            Lease.applicant_id == applicant_id, Lease.status == LeaseStatus.ACTIVE
        )
    )
    return waiting + len(list(leases.scalars()))


async def ranked_waitlist(
    session: AsyncSession, district: str, *, lock: bool = False
) -> list[WaitlistEntry]:
    stmt = (
        select(WaitlistEntry)
        .where(WaitlistEntry.district == district, WaitlistEntry.status == WaitlistStatus.WAITING)
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
        WaitlistEntry.applicant_id == applicant_id, WaitlistEntry.status == WaitlistStatus.WAITING
    )
    return list((await session.execute(stmt)).scalars())


async def lapsed_offers(session: AsyncSession, today: date) -> list[ApartmentOffer]:
    stmt = (
        select(ApartmentOffer)
        .where(ApartmentOffer.status == OfferStatus.OPEN, ApartmentOffer.respond_by < today)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def leases_ending_by(session: AsyncSession, day: date) -> list[Lease]:
    stmt = select(Lease).where(Lease.status == LeaseStatus.ACTIVE, Lease.ends_on <= day)
    return list((await session.execute(stmt)).scalars())


async def spouse_identity(
    session: AsyncSession, application_id: uuid.UUID
) -> SpouseIdentity | None:
    stmt = select(SpouseIdentity).where(SpouseIdentity.application_id == application_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def applicant_key(session: AsyncSession, applicant_id: uuid.UUID) -> str | None:
    stmt = select(Applicant.id_number_index).where(Applicant.id == applicant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def holding_households(
    session: AsyncSession, person_keys: list[str]
) -> list[tuple[HouseholdKey, WaitlistEntry, str]]:
    """Active household keys among ``person_keys``, with their entry and its case number."""
    stmt = (
        select(HouseholdKey, WaitlistEntry, Case.number)
        .join(WaitlistEntry, WaitlistEntry.id == HouseholdKey.entry_id)
        .join(Case, Case.id == WaitlistEntry.case_id)
        .where(HouseholdKey.person_key.in_(person_keys), HouseholdKey.released_at.is_(None))
    )
    return [(k, e, n) for k, e, n in (await session.execute(stmt)).all()]


async def release_household(session: AsyncSession, entry_id: uuid.UUID) -> None:
    keys = await session.execute(
        select(HouseholdKey).where(
            HouseholdKey.entry_id == entry_id, HouseholdKey.released_at.is_(None)
        )
    )
    now = utcnow()
    for key in keys.scalars():
        key.released_at = now


async def active_keys_by_entry(
    session: AsyncSession, entry_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {}
    if not entry_ids:
        return out
    rows = await session.execute(
        select(HouseholdKey.entry_id, HouseholdKey.person_key).where(
            HouseholdKey.entry_id.in_(entry_ids), HouseholdKey.released_at.is_(None)
        )
    )
    for entry_id, key in rows:
        out.setdefault(entry_id, []).append(key)
    return out


async def open_housing_cases_naming(
    session: AsyncSession, district: str, person_keys: list[str]
) -> list[tuple[uuid.UUID, str, str]]:
    """Open apartment cases of the district whose applicant or named spouse is one of
    ``person_keys``: (case id, case number, the matching key)."""
    if not person_keys:
        return []
    base = (
        select(Case.id, Case.number)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.district == district,
            Service.code == "talent_apartment",
            # Ended cases never lead to a holding, so they never flag a household.
            Case.status.not_in(sorted(CaseStatus.FINAL)),
        )
    )
    by_applicant = (
        base.add_columns(Applicant.id_number_index)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(Applicant.id_number_index.in_(person_keys))
    )
    by_spouse = (
        base.add_columns(SpouseIdentity.id_number_index)
        .join(SpouseIdentity, SpouseIdentity.application_id == Case.application_id)
        .where(SpouseIdentity.id_number_index.in_(person_keys))
    )
    out: list[tuple[uuid.UUID, str, str]] = []
    for stmt in (by_applicant, by_spouse):
        out += [(i, n, k) for i, n, k in (await session.execute(stmt)).all()]
    return out


async def leases(session: AsyncSession, district: str) -> list[tuple[Lease, ApartmentUnit]]:
    stmt = (
        select(Lease, ApartmentUnit)
        .join(ApartmentUnit, ApartmentUnit.id == Lease.unit_id)
        .where(ApartmentUnit.district == district)
        .order_by(Lease.status, Lease.ends_on)
    )
    return [(lease, unit) for lease, unit in (await session.execute(stmt)).all()]


async def lease_in_district(
    session: AsyncSession, district: str, lease_id: uuid.UUID
) -> tuple[Lease, ApartmentUnit] | None:
    stmt = (
        select(Lease, ApartmentUnit)
        .join(ApartmentUnit, ApartmentUnit.id == Lease.unit_id)
        .where(ApartmentUnit.district == district, Lease.id == lease_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def open_offers_for_entry(session: AsyncSession, entry_id: uuid.UUID) -> list[ApartmentOffer]:
    stmt = (
        select(ApartmentOffer)
        .where(ApartmentOffer.entry_id == entry_id, ApartmentOffer.status == OfferStatus.OPEN)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def answers_submitted_after(
    session: AsyncSession, applicant_id: uuid.UUID, after: datetime
) -> list[dict[str, object]]:
    """The applicant's answers on applications submitted after ``after``, oldest first."""
    stmt = (
        select(Application.answers)
        .where(
            Application.applicant_id == applicant_id,
            Application.status == ApplicationStatus.SUBMITTED,
            Application.submitted_at > after,
        )
        .order_by(Application.submitted_at)
    )
    return [dict(a) for a in (await session.execute(stmt)).scalars()]


async def latest_offer_for_entry(
    session: AsyncSession, entry_id: uuid.UUID
) -> tuple[ApartmentOffer, ApartmentUnit, ApartmentProject] | None:
    """The household's most recent offer with its unit and project (a bundle's housing step)."""
    stmt = (
        select(ApartmentOffer, ApartmentUnit, ApartmentProject)
        .join(ApartmentUnit, ApartmentUnit.id == ApartmentOffer.unit_id)
        .join(ApartmentProject, ApartmentProject.id == ApartmentUnit.project_id)
        .where(ApartmentOffer.entry_id == entry_id)
        .order_by(ApartmentOffer.offered_at.desc(), ApartmentOffer.id)
        .limit(1)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1], row[2]) if row is not None else None
