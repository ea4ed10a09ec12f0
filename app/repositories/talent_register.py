"""Queries of the talent register. Staff read their own district's entries only (another
district's entry is not found); an applicant reads their own. The rules' one query reads a
person's valid memberships across districts: a verification is a fact wherever it was made."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Applicant, Case, TalentRegisterEntry


@dataclass(frozen=True)
class RegisterFilter:
    district: str
    programme: str | None = None
    organisation: str | None = None
    granted_from: date | None = None
    granted_to: date | None = None
    applicant_id: uuid.UUID | None = None


def valid_on(day: date) -> list[ColumnElement[bool]]:
    return [
        TalentRegisterEntry.granted_on <= day,
        or_(TalentRegisterEntry.valid_until.is_(None), TalentRegisterEntry.valid_until >= day),
    ]


async def valid_programmes(session: AsyncSession, applicant_id: uuid.UUID, day: date) -> list[str]:
    """The programmes a person's register entries make verified facts on ``day``."""
    stmt = (
        select(TalentRegisterEntry.programme)
        .where(TalentRegisterEntry.applicant_id == applicant_id, *valid_on(day))
        .distinct()
    )
    return sorted((await session.execute(stmt)).scalars())


async def members_of(
    session: AsyncSession,
    applicant_ids: Collection[uuid.UUID],
    programmes: Collection[str],
    day: date,
) -> set[uuid.UUID]:
    """Which of these people hold a register entry for one of ``programmes`` valid on ``day``."""
    if not applicant_ids or not programmes:
        return set()
    stmt = select(TalentRegisterEntry.applicant_id).where(
        TalentRegisterEntry.applicant_id.in_(list(applicant_ids)),
        TalentRegisterEntry.programme.in_(list(programmes)),
        *valid_on(day),
    )
    return set((await session.execute(stmt)).scalars())


def _searched(where: RegisterFilter) -> Select[TalentRegisterEntry, Applicant]:
    stmt = (
        select(TalentRegisterEntry, Applicant)
        .join(Applicant, Applicant.id == TalentRegisterEntry.applicant_id)
        .where(TalentRegisterEntry.district == where.district)
    )
    if where.programme:
        stmt = stmt.where(TalentRegisterEntry.programme == where.programme)
    if where.organisation:
        term = where.organisation.strip()
        stmt = stmt.where(
            or_(
                TalentRegisterEntry.organisation_code == term.upper(),
                TalentRegisterEntry.organisation_name.contains(term, autoescape=True),
            )
        )
    if where.granted_from:
        stmt = stmt.where(TalentRegisterEntry.granted_on >= where.granted_from)
    if where.granted_to:
        stmt = stmt.where(TalentRegisterEntry.granted_on <= where.granted_to)
    if where.applicant_id:
        stmt = stmt.where(TalentRegisterEntry.applicant_id == where.applicant_id)
    return stmt


async def search(
    session: AsyncSession, where: RegisterFilter, limit: int | None = None, offset: int = 0
) -> list[tuple[TalentRegisterEntry, Applicant]]:
    stmt = _searched(where).order_by(TalentRegisterEntry.granted_on.desc(), TalentRegisterEntry.id)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [(e, a) for e, a in (await session.execute(stmt)).all()]


async def person_history(
    session: AsyncSession, district: str, applicant_id: uuid.UUID
) -> list[TalentRegisterEntry]:
    """Every entry the district keeps of the person, newest grant first."""
    stmt = (
        select(TalentRegisterEntry)
        .where(
            TalentRegisterEntry.district == district,
            TalentRegisterEntry.applicant_id == applicant_id,
        )
        .order_by(TalentRegisterEntry.granted_on.desc(), TalentRegisterEntry.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def own_entries(session: AsyncSession, applicant_id: uuid.UUID) -> list[TalentRegisterEntry]:
    stmt = (
        select(TalentRegisterEntry)
        .where(TalentRegisterEntry.applicant_id == applicant_id)
        .order_by(TalentRegisterEntry.granted_on.desc(), TalentRegisterEntry.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def get_in_district(
    session: AsyncSession, district: str, entry_id: uuid.UUID
) -> TalentRegisterEntry | None:
    stmt = select(TalentRegisterEntry).where(
        TalentRegisterEntry.id == entry_id, TalentRegisterEntry.district == district
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_case(session: AsyncSession, case_id: uuid.UUID) -> TalentRegisterEntry | None:
    stmt = select(TalentRegisterEntry).where(TalentRegisterEntry.case_id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def applicant_by_index(session: AsyncSession, index: str) -> Applicant | None:
    """The registered person an ID number names (staff record entries for anyone registered,
    not only those with a case in the district)."""
    stmt = select(Applicant).where(Applicant.id_number_index == index)
    return (await session.execute(stmt)).scalar_one_or_none()


async def applicant(session: AsyncSession, applicant_id: uuid.UUID) -> Applicant | None:
    return await session.get(Applicant, applicant_id)


def add(session: AsyncSession, entry: TalentRegisterEntry) -> None:
    session.add(entry)


async def award(
    session: AsyncSession, reference: str, applicant_id: uuid.UUID
) -> TalentRegisterEntry | None:
    stmt = select(TalentRegisterEntry).where(
        TalentRegisterEntry.reference == reference,
        TalentRegisterEntry.applicant_id == applicant_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_award_once(session: AsyncSession, values: dict[str, object]) -> bool:
    """Inserts the award's entry unless the person has one of this reference; True if added.
    ON CONFLICT DO NOTHING on the partial unique index makes a retried or concurrent second
    call add nothing (PostgreSQL waits for the first transaction, then skips)."""
    conn = await session.connection()
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        build(TalentRegisterEntry)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["reference", "applicant_id"],
            index_where=text("reference IS NOT NULL"),
        )
    )
    result = await conn.execute(stmt.returning(TalentRegisterEntry.id))
    return result.first() is not None


def _unmarked(mark: InstrumentedAttribute[date | None]) -> ColumnElement[bool]:
    return or_(mark.is_(None), mark != TalentRegisterEntry.valid_until)


async def _locked_batch(
    session: AsyncSession, limit: int, *where: ColumnElement[bool]
) -> list[TalentRegisterEntry]:
    """A batch of entries by end date, locked, skipping rows another round holds."""
    stmt = (
        select(TalentRegisterEntry)
        .where(*where)
        .order_by(TalentRegisterEntry.valid_until, TalentRegisterEntry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def ending_unwarned(
    session: AsyncSession, day: date, until: date, limit: int
) -> list[TalentRegisterEntry]:
    """Entries in force on ``day`` whose last valid day falls by ``until`` and whose end has
    not been warned of (for this ``valid_until``)."""
    return await _locked_batch(
        session,
        limit,
        TalentRegisterEntry.valid_until >= day,
        TalentRegisterEntry.valid_until <= until,
        TalentRegisterEntry.granted_on <= day,
        _unmarked(TalentRegisterEntry.expiry_warned_for),
    )


async def ended_unprocessed(
    session: AsyncSession, since: date, day: date, limit: int
) -> list[TalentRegisterEntry]:
    """Entries whose last valid day is before ``day`` (and not before ``since``) whose
    benefits have not been ended (for this ``valid_until``)."""
    return await _locked_batch(
        session,
        limit,
        TalentRegisterEntry.valid_until >= since,
        TalentRegisterEntry.valid_until < day,
        _unmarked(TalentRegisterEntry.expiry_ended_for),
    )


async def confirmed_staff(session: AsyncSession, employer_id: uuid.UUID) -> list[Applicant]:
    """The people the organisation has confirmed as its employees on one of their cases (the
    staff-confirmation facts: ``employer_confirmed`` on a case naming it), by name."""
    confirmed = select(Case.applicant_id).where(
        Case.employer_id == employer_id, Case.employer_confirmed.is_(True)
    )
    stmt = select(Applicant).where(Applicant.id.in_(confirmed)).order_by(Applicant.full_name)
    return list((await session.execute(stmt)).scalars())


async def confirmed_employee(
    session: AsyncSession, employer_id: uuid.UUID, applicant_id: uuid.UUID
) -> Applicant | None:
    confirmed = select(Case.id).where(
        Case.employer_id == employer_id,
        Case.employer_confirmed.is_(True),
        Case.applicant_id == applicant_id,
    )
    stmt = select(Applicant).where(Applicant.id == applicant_id, confirmed.exists())
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_cases_of(
    session: AsyncSession,
    applicant_ids: Collection[uuid.UUID],
    service_id: uuid.UUID,
    final: Collection[str],
) -> dict[uuid.UUID, str]:
    """The open case number of each person on this service (none when all are closed)."""
    if not applicant_ids:
        return {}
    stmt = select(Case.applicant_id, Case.number).where(
        Case.applicant_id.in_(list(applicant_ids)),
        Case.service_id == service_id,
        Case.status.not_in(list(final)),
    )
    return {a: n for a, n in (await session.execute(stmt)).all() if a is not None}
