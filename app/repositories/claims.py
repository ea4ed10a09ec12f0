"""Queries of organisations' claims: their lines, what was claimed before, and the portal's
records a line is checked against. Every read of a case goes through ``cases_readable_by``."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import Applicant, Case, ClaimLine, Employer, Service
from app.repositories.cases import cases_readable_by

#: The unique constraint a second claim for the same certificate, person or month fails on.
CLAIM_KEY_CONSTRAINT = "uq_claim_line_kind_claim_key"


def refused_by_claim_key(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a line refused because its key was already claimed (PostgreSQL names
    the constraint, SQLite its columns)."""
    message = str(exc.orig)
    return CLAIM_KEY_CONSTRAINT in message or "claim_line.kind, claim_line.claim_key" in message


async def claimed(session: AsyncSession, kind: str, keys: Iterable[str]) -> dict[str, str]:
    """key -> number of the case that already claims it, for the given keys of ``kind``."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    stmt = (
        select(ClaimLine.claim_key, Case.number)
        .join(Case, Case.id == ClaimLine.case_id)
        .where(ClaimLine.kind == kind, ClaimLine.claim_key.in_(wanted))
    )
    return {str(key): number for key, number in (await session.execute(stmt)).all()}


async def add_case(session: AsyncSession, case: Case) -> None:
    session.add(case)
    await session.flush()


async def add_lines(session: AsyncSession, lines: Sequence[ClaimLine]) -> IntegrityError | None:
    """Writes the lines in a savepoint: a key claimed meanwhile fails the savepoint only, and
    the error is returned so the caller can still read who holds the key."""
    try:
        async with session.begin_nested():
            session.add_all(lines)
            await session.flush()
    except IntegrityError as exc:
        if not refused_by_claim_key(exc):
            raise
        return exc
    return None


async def release_keys(session: AsyncSession, case_id: uuid.UUID) -> None:
    """The case ended without payment: what it claimed may be claimed again."""
    await session.execute(
        update(ClaimLine)
        .where(ClaimLine.case_id == case_id)
        .values(claim_key=None)
        .execution_options(synchronize_session=False)
    )


async def lines_of(session: AsyncSession, case_id: uuid.UUID) -> list[ClaimLine]:
    stmt = select(ClaimLine).where(ClaimLine.case_id == case_id).order_by(ClaimLine.line_no)
    return list((await session.execute(stmt)).scalars())


async def granted_person(
    session: AsyncSession,
    id_index: str,
    district: str,
    service_codes: Collection[str],
    statuses: Collection[str],
) -> str | None:
    """The number of a case of one of ``service_codes`` in ``district`` granted (one of
    ``statuses``) to the person with this ID blind index, or None."""
    stmt = (
        select(Case.number)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .join(Service, Service.id == Case.service_id)
        .where(
            Applicant.id_number_index == id_index,
            Case.district == district,
            Service.code.in_(sorted(service_codes)),
            Case.status.in_(sorted(statuses)),
        )
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def organisation_case_of(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    service_code: str,
    statuses: Collection[str],
) -> Case | None:
    """The organisation's case of ``service_code`` in one of ``statuses`` (a designation)."""
    stmt = (
        select(Case)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.organisation_id == organisation_id,
            Service.code == service_code,
            Case.status.in_(sorted(statuses)),
        )
        .order_by(Case.submitted_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def own_cases(session: AsyncSession, principal: Principal) -> list[tuple[Case, Service]]:
    """The caller's organisation's own applications, newest first."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(Service)
        .join(Service, Service.id == Case.service_id)
        .where(Case.organisation_id == principal.employer_id)
        .order_by(Case.submitted_at.desc())
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def employee_cases(
    session: AsyncSession, principal: Principal
) -> list[tuple[Case, Service, str]]:
    """Cases of people that name the caller's organisation as employer, with the service and
    the person's name (shared by naming the employer), newest first."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(Service, Applicant.full_name)
        .join(Service, Service.id == Case.service_id)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(Case.employer_id == principal.employer_id, Case.parent_id.is_(None))
        .order_by(Case.submitted_at.desc())
    )
    return [(row[0], row[1], str(row[2])) for row in (await session.execute(stmt)).all()]


async def organisation_of(session: AsyncSession, principal: Principal) -> Employer | None:
    if principal.employer_id is None:
        return None
    return await session.get(Employer, principal.employer_id)


async def service_by_code(session: AsyncSession, district: str, code: str) -> Service | None:
    stmt = select(Service).where(
        Service.district == district, Service.code == code, Service.is_active.is_(True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def organisation_services(session: AsyncSession, district: str) -> list[Service]:
    stmt = (
        select(Service)
        .where(
            Service.district == district,
            Service.for_organisations.is_(True),
            Service.is_active.is_(True),
        )
        .order_by(Service.code)
    )
    return list((await session.execute(stmt)).scalars())


async def line_counts(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many lines (people, certificates) each claim lists."""
    if not case_ids:
        return {}
    stmt = (
        select(ClaimLine.case_id, func.count())
        .where(ClaimLine.case_id.in_(list(case_ids)), ClaimLine.line_no > 0)
        .group_by(ClaimLine.case_id)
    )
    return {case_id: int(n) for case_id, n in (await session.execute(stmt)).all()}
