"""Queries for records retention: the dates a retention period runs from, the cases whose
period may have ended, destruction lists and legal holds. Every list and hold query names the
caller's district; records officers see only their own."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    ApartmentOffer,
    Case,
    CaseEvent,
    DestructionList,
    DestructionListItem,
    Enrolment,
    Lease,
    LegalHold,
    Service,
    WaitlistEntry,
)


async def decided_at(
    session: AsyncSession, case_ids: Collection[uuid.UUID], statuses: Collection[str]
) -> dict[uuid.UUID, datetime]:
    """When each case last entered a decision status (``statuses``)."""
    if not case_ids:
        return {}
    stmt = (
        select(CaseEvent.case_id, func.max(CaseEvent.occurred_at))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.to_status.in_(statuses))
        .group_by(CaseEvent.case_id)
    )
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class AnchorFacts:
    """What a case's payments and lease say about when they ended. ``exists`` False: the case
    never had one (a refused application), so the period runs from the decision."""

    exists: bool
    ended_on: date | None


async def payments_end(session: AsyncSession, case_id: uuid.UUID, ended: str) -> AnchorFacts:
    row = (
        await session.execute(
            select(Enrolment.status, Enrolment.updated_at).where(Enrolment.case_id == case_id)
        )
    ).one_or_none()
    if row is None:
        return AnchorFacts(False, None)
    status, updated_at = row
    return AnchorFacts(True, updated_at.date() if status == ended else None)


async def lease_end(session: AsyncSession, case_id: uuid.UUID, ended: str) -> AnchorFacts:
    """The case's lease (through its place on the waiting list and the accepted offer)."""
    stmt = (
        select(Lease.status, Lease.ended_on, Lease.ends_on)
        .join(ApartmentOffer, ApartmentOffer.id == Lease.offer_id)
        .join(WaitlistEntry, WaitlistEntry.id == ApartmentOffer.entry_id)
        .where(WaitlistEntry.case_id == case_id)
        .order_by(Lease.starts_on.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return AnchorFacts(False, None)
    status, ended_on, ends_on = row
    return AnchorFacts(True, (ended_on or ends_on) if status == ended else None)


async def candidates(
    session: AsyncSession, district: str, final_statuses: Collection[str], listed: Collection[str]
) -> Sequence[tuple[Case, Service]]:
    """The district's top-level cases whose handling has ended, not on hold and not on a list
    (open, or destroyed) already: the cases whose retention the worker checks."""
    on_list = select(DestructionListItem.case_id).where(DestructionListItem.status.in_(listed))
    held = select(LegalHold.case_id).where(LegalHold.released_at.is_(None))
    stmt = (
        select(Case, Service)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.district == district,
            Case.parent_id.is_(None),
            Case.status.in_(final_statuses),
            Case.id.not_in(on_list),
            Case.id.not_in(held),
        )
        .order_by(Case.submitted_at)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def removed_since(
    session: AsyncSession, case_ids: Collection[uuid.UUID], since: datetime, removed: str
) -> set[uuid.UUID]:
    """Cases an officer took off a list after ``since``: not proposed again so soon."""
    if not case_ids:
        return set()
    stmt = select(DestructionListItem.case_id).where(
        DestructionListItem.case_id.in_(case_ids),
        DestructionListItem.status == removed,
        DestructionListItem.removed_at > since,
    )
    return set((await session.execute(stmt)).scalars())


async def open_list(
    session: AsyncSession,
    district: str,
    open_statuses: Collection[str],
    *,
    for_update: bool = False,
) -> DestructionList | None:
    stmt = select(DestructionList).where(
        DestructionList.district == district, DestructionList.status.in_(open_statuses)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def lists_of(session: AsyncSession, district: str) -> list[DestructionList]:
    stmt = (
        select(DestructionList)
        .where(DestructionList.district == district)
        .order_by(DestructionList.proposed_at.desc())
        .limit(100)
    )
    return list((await session.execute(stmt)).scalars())


async def get_list(
    session: AsyncSession, district: str, list_id: uuid.UUID, *, for_update: bool = False
) -> DestructionList | None:
    stmt = select(DestructionList).where(
        DestructionList.id == list_id, DestructionList.district == district
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def items_of(session: AsyncSession, list_id: uuid.UUID) -> list[DestructionListItem]:
    stmt = (
        select(DestructionListItem)
        .where(DestructionListItem.list_id == list_id)
        .order_by(DestructionListItem.retention_until, DestructionListItem.case_number)
    )
    return list((await session.execute(stmt)).scalars())


async def item_counts(
    session: AsyncSession, list_ids: Collection[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], int]:
    if not list_ids:
        return {}
    stmt = (
        select(DestructionListItem.list_id, DestructionListItem.status, func.count())
        .where(DestructionListItem.list_id.in_(list_ids))
        .group_by(DestructionListItem.list_id, DestructionListItem.status)
    )
    return {(lid, status): n for lid, status, n in (await session.execute(stmt)).all()}


async def listed_items_of_case(
    session: AsyncSession, case_id: uuid.UUID, listed: str, open_statuses: Collection[str]
) -> list[DestructionListItem]:
    """The case's items on an open list (a hold takes them off)."""
    stmt = (
        select(DestructionListItem)
        .join(DestructionList, DestructionList.id == DestructionListItem.list_id)
        .where(
            DestructionListItem.case_id == case_id,
            DestructionListItem.status == listed,
            DestructionList.status.in_(open_statuses),
        )
    )
    return list((await session.execute(stmt)).scalars())


async def lists_this_year(session: AsyncSession, district: str, year: int) -> int:
    prefix = f"XH-{district[:2].upper()}-{year}-"
    stmt = select(func.count()).where(DestructionList.number.like(prefix + "%"))
    return int(await session.scalar(stmt) or 0)


async def case_in_district(
    session: AsyncSession,
    district: str,
    *,
    number: str | None = None,
    case_id: uuid.UUID | None = None,
) -> Case | None:
    """A case of the district by number or id (records officers handle the district's cases
    whatever the department; another district's case is not found)."""
    stmt = select(Case).where(Case.district == district)
    if number is not None:
        stmt = stmt.where(Case.number == number)
    if case_id is not None:
        stmt = stmt.where(Case.id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_hold(session: AsyncSession, case_id: uuid.UUID) -> LegalHold | None:
    stmt = select(LegalHold).where(LegalHold.case_id == case_id, LegalHold.released_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def holds_of(session: AsyncSession, district: str) -> list[tuple[LegalHold, str]]:
    """The district's active holds with their case numbers."""
    stmt = (
        select(LegalHold, Case.number)
        .join(Case, Case.id == LegalHold.case_id)
        .where(LegalHold.district == district, LegalHold.released_at.is_(None))
        .order_by(LegalHold.placed_at.desc())
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def get_hold(session: AsyncSession, district: str, hold_id: uuid.UUID) -> LegalHold | None:
    stmt = select(LegalHold).where(and_(LegalHold.id == hold_id, LegalHold.district == district))
    return (await session.execute(stmt)).scalar_one_or_none()
