"""Queries of programme rounds. Staff read their district's rounds and nominations only (an
id of another district's is not found); an organisation reads the nominations it filed, a
person the ones naming them; a reviewer the nominations given to them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Applicant,
    AuditEntry,
    Employer,
    Nomination,
    Objection,
    Programme,
    ProgrammeRound,
    ReviewerAssignment,
    ReviewerDeclaration,
    StaffMember,
    User,
)


async def programmes(session: AsyncSession, district: str | None) -> list[Programme]:
    stmt = select(Programme).order_by(Programme.district, Programme.code)
    if district:
        stmt = stmt.where(Programme.district == district)
    return list((await session.execute(stmt)).scalars())


async def programme(session: AsyncSession, programme_id: uuid.UUID) -> Programme | None:
    return await session.get(Programme, programme_id)


async def programme_by_code(session: AsyncSession, district: str, code: str) -> Programme | None:
    stmt = select(Programme).where(Programme.district == district, Programme.code == code)
    return (await session.execute(stmt)).scalar_one_or_none()


async def rounds(
    session: AsyncSession, district: str | None, statuses: Sequence[str] | None = None
) -> list[tuple[ProgrammeRound, Programme]]:
    stmt = (
        select(ProgrammeRound, Programme)
        .join(Programme, Programme.id == ProgrammeRound.programme_id)
        .order_by(ProgrammeRound.opens_on.desc(), ProgrammeRound.created_at.desc())
    )
    if district:
        stmt = stmt.where(ProgrammeRound.district == district)
    if statuses is not None:
        stmt = stmt.where(ProgrammeRound.status.in_(list(statuses)))
    return [(r, p) for r, p in (await session.execute(stmt)).all()]


async def round_(
    session: AsyncSession, round_id: uuid.UUID, district: str | None = None, lock: bool = False
) -> tuple[ProgrammeRound, Programme] | None:
    stmt = (
        select(ProgrammeRound, Programme)
        .join(Programme, Programme.id == ProgrammeRound.programme_id)
        .where(ProgrammeRound.id == round_id)
    )
    if district is not None:
        stmt = stmt.where(ProgrammeRound.district == district)
    if lock:
        stmt = stmt.with_for_update(of=ProgrammeRound)
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def nomination(
    session: AsyncSession, nomination_id: uuid.UUID, lock: bool = False
) -> Nomination | None:
    stmt = select(Nomination).where(Nomination.id == nomination_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def nomination_of(
    session: AsyncSession, round_id: uuid.UUID, applicant_id: uuid.UUID
) -> Nomination | None:
    stmt = select(Nomination).where(
        Nomination.round_id == round_id, Nomination.applicant_id == applicant_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def nominations(
    session: AsyncSession,
    *,
    round_id: uuid.UUID | None = None,
    district: str | None = None,
    employer_id: uuid.UUID | None = None,
    applicant_id: uuid.UUID | None = None,
    reviewer_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
) -> list[tuple[Nomination, Applicant]]:
    stmt = (
        select(Nomination, Applicant)
        .join(Applicant, Applicant.id == Nomination.applicant_id)
        .order_by(Nomination.created_at)
    )
    if round_id is not None:
        stmt = stmt.where(Nomination.round_id == round_id)
    if district is not None:
        stmt = stmt.where(Nomination.district == district)
    if employer_id is not None:
        stmt = stmt.where(Nomination.employer_id == employer_id)
    if applicant_id is not None:
        stmt = stmt.where(Nomination.applicant_id == applicant_id)
    if reviewer_id is not None:
        stmt = stmt.join(
            ReviewerAssignment, ReviewerAssignment.nomination_id == Nomination.id
        ).where(ReviewerAssignment.staff_id == reviewer_id)
    if statuses is not None:
        stmt = stmt.where(Nomination.status.in_(list(statuses)))
    return [(n, a) for n, a in (await session.execute(stmt)).all()]


async def applicant(session: AsyncSession, applicant_id: uuid.UUID) -> Applicant | None:
    return await session.get(Applicant, applicant_id)


async def applicant_by_index(session: AsyncSession, index: str) -> Applicant | None:
    stmt = select(Applicant).where(Applicant.id_number_index == index)
    return (await session.execute(stmt)).scalar_one_or_none()


async def employer(session: AsyncSession, employer_id: uuid.UUID) -> Employer | None:
    return await session.get(Employer, employer_id)


async def staff_member(session: AsyncSession, staff_id: uuid.UUID) -> StaffMember | None:
    return await session.get(StaffMember, staff_id)


async def reviewers(session: AsyncSession, district: str, role: str) -> list[StaffMember]:
    """The district's active staff holding ``role`` (roles are a JSON list, read here)."""
    stmt = (
        select(StaffMember).where(StaffMember.district == district).order_by(StaffMember.full_name)
    )
    return [s for s in (await session.execute(stmt)).scalars() if role in (s.roles or [])]


async def declaration(
    session: AsyncSession, round_id: uuid.UUID, staff_id: uuid.UUID
) -> ReviewerDeclaration | None:
    stmt = select(ReviewerDeclaration).where(
        ReviewerDeclaration.round_id == round_id, ReviewerDeclaration.staff_id == staff_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def assignments(
    session: AsyncSession, nomination_ids: Sequence[uuid.UUID]
) -> list[ReviewerAssignment]:
    if not nomination_ids:
        return []
    stmt = (
        select(ReviewerAssignment)
        .where(ReviewerAssignment.nomination_id.in_(list(nomination_ids)))
        .order_by(ReviewerAssignment.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def assignment(
    session: AsyncSession, nomination_id: uuid.UUID, staff_id: uuid.UUID, lock: bool = False
) -> ReviewerAssignment | None:
    stmt = select(ReviewerAssignment).where(
        ReviewerAssignment.nomination_id == nomination_id,
        ReviewerAssignment.staff_id == staff_id,
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def objections(session: AsyncSession, nomination_ids: Sequence[uuid.UUID]) -> list[Objection]:
    if not nomination_ids:
        return []
    stmt = (
        select(Objection)
        .where(Objection.nomination_id.in_(list(nomination_ids)))
        .order_by(Objection.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def objection(
    session: AsyncSession, objection_id: uuid.UUID, district: str
) -> Objection | None:
    stmt = (
        select(Objection)
        .where(Objection.id == objection_id, Objection.district == district)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def notices(
    session: AsyncSession, day: date, ended_since: date
) -> list[tuple[ProgrammeRound, Programme]]:
    """Rounds whose public notice stands on ``day``, and those ended since ``ended_since``."""
    stmt = (
        select(ProgrammeRound, Programme)
        .join(Programme, Programme.id == ProgrammeRound.programme_id)
        .where(
            ProgrammeRound.notice_from.is_not(None),
            ProgrammeRound.notice_from <= day,
            ProgrammeRound.notice_until >= ended_since,
        )
        .order_by(ProgrammeRound.notice_from.desc())
    )
    return [(r, p) for r, p in (await session.execute(stmt)).all()]


async def timeline(session: AsyncSession, nomination_id: uuid.UUID) -> list[AuditEntry]:
    """The nomination's audited steps, oldest first: its timeline is its audit trail."""
    stmt = (
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "programme_nomination",
            AuditEntry.object_id == str(nomination_id),
        )
        .order_by(AuditEntry.seq)
    )
    return list((await session.execute(stmt)).scalars())


def add(session: AsyncSession, row: object) -> None:
    session.add(row)


async def declarations_of(session: AsyncSession, staff_id: uuid.UUID) -> list[ReviewerDeclaration]:
    stmt = select(ReviewerDeclaration).where(ReviewerDeclaration.staff_id == staff_id)
    return list((await session.execute(stmt)).scalars())


async def rounds_of(session: AsyncSession, programme_id: uuid.UUID) -> list[ProgrammeRound]:
    stmt = select(ProgrammeRound).where(ProgrammeRound.programme_id == programme_id)
    return list((await session.execute(stmt)).scalars())


async def user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)
