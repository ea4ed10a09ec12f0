"""Queries for users and their role records. Reads by other parties go through scoped builders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.models import Applicant, Case, Consent, Employer, EmployerUser, StaffMember, User
from app.workflow.organisations import OrganisationStatus


@dataclass(frozen=True)
class Party:
    """A user with the one record that makes them an applicant, staff member or employer."""

    user_id: uuid.UUID
    user_kind: str
    email: str
    language: str
    is_active: bool
    applicant_id: uuid.UUID | None
    applicant_name: str | None
    mobile: str | None
    staff_id: uuid.UUID | None
    staff_name: str | None
    staff_district: str | None
    staff_department: str | None
    staff_roles: list[str] | None
    employer_user_name: str | None
    employer_id: uuid.UUID | None
    employer_district: str | None
    employer_role: str | None = None
    employer_status: str | None = None


def party_query(*extra: ColumnElement[Any]) -> Select[Any]:
    """Users with their party record, in one row (``extra`` columns first)."""
    return (
        select(
            *extra,
            User.id.label("user_id"),
            User.kind.label("user_kind"),
            User.email,
            User.language,
            User.is_active,
            Applicant.id.label("applicant_id"),
            Applicant.full_name.label("applicant_name"),
            Applicant.mobile,
            StaffMember.id.label("staff_id"),
            StaffMember.full_name.label("staff_name"),
            StaffMember.district.label("staff_district"),
            StaffMember.department.label("staff_department"),
            StaffMember.roles.label("staff_roles"),
            EmployerUser.full_name.label("employer_user_name"),
            EmployerUser.employer_id,
            Employer.district.label("employer_district"),
            EmployerUser.role.label("employer_role"),
            Employer.status.label("employer_status"),
        )
        .select_from(User)
        .outerjoin(Applicant, Applicant.user_id == User.id)
        .outerjoin(StaffMember, StaffMember.user_id == User.id)
        .outerjoin(EmployerUser, EmployerUser.user_id == User.id)
        .outerjoin(Employer, Employer.id == EmployerUser.employer_id)
    )


async def get_party(session: AsyncSession, user_id: uuid.UUID) -> Party | None:
    row = (await session.execute(party_query().where(User.id == user_id))).first()
    return Party(**row._asdict()) if row else None


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def email_exists(session: AsyncSession, email: str) -> bool:
    result = await session.execute(select(User.id).where(User.email == email))
    return result.first() is not None


async def id_index_exists(session: AsyncSession, index: str) -> bool:
    result = await session.execute(select(Applicant.id).where(Applicant.id_number_index == index))
    return result.first() is not None


async def user_id_by_id_index(session: AsyncSession, index: str) -> uuid.UUID | None:
    stmt = select(Applicant.user_id).where(Applicant.id_number_index == index)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_applicant_for_user(session: AsyncSession, user_id: uuid.UUID) -> Applicant | None:
    result = await session.execute(select(Applicant).where(Applicant.user_id == user_id))
    return result.scalar_one_or_none()


async def get_staff_for_user(session: AsyncSession, user_id: uuid.UUID) -> StaffMember | None:
    result = await session.execute(select(StaffMember).where(StaffMember.user_id == user_id))
    return result.scalar_one_or_none()


def applicants_readable_by(principal: Principal) -> Select[Applicant]:
    """Applicants the caller may read: themselves; or, for staff who may view applicants, those
    with a case in the staff member's district.

    Window clerks serve any walk-in of the city (一窗通办): someone who registered online comes
    to either district's window, is found by their ID number and filed for there, before any case
    of that district exists. Their views are masked and every full-number view is audited.
    """
    stmt = select(Applicant).options(selectinload(Applicant.user))
    if principal.applicant_id is not None:
        return stmt.where(Applicant.id == principal.applicant_id)
    if (
        principal.staff_id is None
        or not principal.district
        or not principal.can(Permission.VIEW_APPLICANTS)
    ):
        return stmt.where(false())
    if principal.can(Permission.HANDLE_WINDOW):
        return stmt
    in_district = select(Case.id).where(
        Case.applicant_id == Applicant.id, Case.district == principal.district
    )
    return stmt.where(in_district.exists())


async def get_applicant_readable(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID | None
) -> Applicant | None:
    if applicant_id is None:
        return None
    stmt = applicants_readable_by(principal).where(Applicant.id == applicant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def languages_of(
    session: AsyncSession, applicant_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The language each applicant chose for pages and messages (staff lists show it)."""
    if not applicant_ids:
        return {}
    stmt = (
        select(Applicant.id, User.language)
        .join(User, User.id == Applicant.user_id)
        .where(Applicant.id.in_(applicant_ids))
    )
    return dict((await session.execute(stmt)).all())


async def get_applicant_by_index(
    session: AsyncSession, principal: Principal, index: str
) -> Applicant | None:
    stmt = applicants_readable_by(principal).where(Applicant.id_number_index == index)
    return (await session.execute(stmt)).scalar_one_or_none()


def employers_readable_by(principal: Principal) -> Select[Employer]:
    stmt = select(Employer)
    if principal.staff_id is not None and principal.district:
        return stmt.where(Employer.district == principal.district)
    if principal.employer_id is not None:
        return stmt.where(Employer.id == principal.employer_id)
    return stmt.where(Employer.id.is_(None))


async def list_employers(session: AsyncSession, principal: Principal) -> list[Employer]:
    stmt = employers_readable_by(principal).order_by(Employer.name)
    return list((await session.execute(stmt)).scalars())


async def get_employer_readable(
    session: AsyncSession, principal: Principal, employer_id: uuid.UUID
) -> Employer | None:
    stmt = employers_readable_by(principal).where(Employer.id == employer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_employer(session: AsyncSession, employer_id: uuid.UUID | None) -> Employer | None:
    """For services that already hold a case the organisation is party to."""
    if employer_id is None:
        return None
    return await session.get(Employer, employer_id)


async def verified_employer_id(session: AsyncSession, uscc: str) -> uuid.UUID | None:
    stmt = select(Employer.id).where(
        Employer.uscc == uscc, Employer.status == OrganisationStatus.VERIFIED
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_employer_by_uscc(session: AsyncSession, uscc: str) -> Employer | None:
    result = await session.execute(select(Employer).where(Employer.uscc == uscc))
    return result.scalar_one_or_none()


def staff_readable_by(principal: Principal) -> Select[StaffMember]:
    stmt = select(StaffMember).options(selectinload(StaffMember.user))
    if principal.staff_id is not None and principal.district:
        return stmt.where(StaffMember.district == principal.district)
    return stmt.where(StaffMember.id.is_(None))


async def list_staff(session: AsyncSession, principal: Principal) -> list[StaffMember]:
    stmt = staff_readable_by(principal).order_by(StaffMember.full_name)
    return list((await session.execute(stmt)).scalars())


async def consents_for(session: AsyncSession, user_id: uuid.UUID) -> list[Consent]:
    stmt = select(Consent).where(Consent.user_id == user_id).order_by(Consent.given_at)
    return list((await session.execute(stmt)).scalars())


async def get_staff(session: AsyncSession, staff_id: uuid.UUID) -> StaffMember | None:
    return await session.get(StaffMember, staff_id)


async def lock_applicant(session: AsyncSession, applicant_id: uuid.UUID) -> None:
    """Holds the person's row until the transaction ends, so filings made for them at the same
    moment (a double click) run one after the other. SQLite serialises writers by itself."""
    await session.execute(
        select(Applicant.id).where(Applicant.id == applicant_id).with_for_update()
    )


async def get_applicant_by_id(
    session: AsyncSession, applicant_id: uuid.UUID | None
) -> Applicant | None:
    """For services that already hold a case of this applicant (notifications); None for an
    organisation's case, which has no applicant."""
    if applicant_id is None:
        return None
    stmt = (
        select(Applicant).where(Applicant.id == applicant_id).options(selectinload(Applicant.user))
    )
    return (await session.execute(stmt)).scalar_one_or_none()
