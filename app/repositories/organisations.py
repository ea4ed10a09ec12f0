"""Queries for organisation accounts: the district's verification queue (scoped to the staff
member's district), an organisation's own users and invitations (scoped to it), and the cases
that name a credit code no verified organisation had when they were submitted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import OrgRole, Permission
from app.domain.principal import Principal
from app.models import (
    Case,
    Employer,
    EmployerReferral,
    EmployerUser,
    OrganisationInvitation,
    OrganisationReview,
    User,
)
from app.workflow.states import CaseStatus


def organisations_reviewable_by(principal: Principal) -> Select[Employer]:
    """Staff who verify organisations read those registered in their own district; nobody
    else reads another organisation through here (another district's answers 404)."""
    stmt = select(Employer)
    if (
        principal.staff_id is None
        or principal.district is None
        or not principal.can(Permission.VERIFY_ORGANISATIONS)
    ):
        return stmt.where(Employer.id.is_(None))
    return stmt.where(Employer.district == principal.district)


async def queue(session: AsyncSession, principal: Principal, status: str) -> list[Employer]:
    stmt = (
        organisations_reviewable_by(principal)
        .where(Employer.status == status)
        .order_by(Employer.updated_at, Employer.id)
        .limit(200)
    )
    return list((await session.execute(stmt)).scalars())


async def get_reviewable(
    session: AsyncSession, principal: Principal, employer_id: uuid.UUID, *, for_update: bool = False
) -> Employer | None:
    stmt = organisations_reviewable_by(principal).where(Employer.id == employer_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_own(
    session: AsyncSession, principal: Principal, *, for_update: bool = False
) -> Employer | None:
    """The caller's own organisation (an employer user's)."""
    if principal.employer_id is None:
        return None
    stmt = select(Employer).where(Employer.id == principal.employer_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_id(session: AsyncSession, employer_id: uuid.UUID) -> Employer | None:
    return await session.get(Employer, employer_id)


async def uscc_taken(session: AsyncSession, uscc: str) -> bool:
    stmt = select(Employer.id).where(Employer.uscc == uscc)
    return (await session.execute(stmt)).first() is not None


async def reviews(session: AsyncSession, employer_id: uuid.UUID) -> list[OrganisationReview]:
    stmt = (
        select(OrganisationReview)
        .where(OrganisationReview.employer_id == employer_id)
        .order_by(OrganisationReview.occurred_at, OrganisationReview.id)
    )
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    language: str
    last_login_at: datetime | None


async def members(session: AsyncSession, employer_id: uuid.UUID) -> list[Member]:
    """The organisation's active users (a removed user's login is switched off)."""
    stmt = (
        select(
            User.id,
            User.email,
            EmployerUser.full_name,
            EmployerUser.role,
            User.language,
            User.last_login_at,
        )
        .join(EmployerUser, EmployerUser.user_id == User.id)
        .where(EmployerUser.employer_id == employer_id, User.is_active.is_(True))
        .order_by(EmployerUser.created_at, User.id)
    )
    return [Member(*row) for row in (await session.execute(stmt)).all()]


async def get_membership(
    session: AsyncSession, employer_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[EmployerUser, User] | None:
    """An active user of this organisation, locked for the change (another's answers None)."""
    stmt = (
        select(EmployerUser, User)
        .join(User, User.id == EmployerUser.user_id)
        .where(
            EmployerUser.employer_id == employer_id,
            EmployerUser.user_id == user_id,
            User.is_active.is_(True),
        )
        .with_for_update()
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def lock_admins(session: AsyncSession, employer_id: uuid.UUID) -> list[uuid.UUID]:
    """The active admins, locked: two admins removing each other at once cannot both win."""
    stmt = (
        select(EmployerUser.user_id)
        .join(User, User.id == EmployerUser.user_id)
        .where(
            EmployerUser.employer_id == employer_id,
            EmployerUser.role == OrgRole.ADMIN.value,
            User.is_active.is_(True),
        )
        .order_by(EmployerUser.user_id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def admin_recipients(
    session: AsyncSession, employer_id: uuid.UUID
) -> list[tuple[uuid.UUID, str]]:
    stmt = (
        select(User.id, User.language)
        .join(EmployerUser, EmployerUser.user_id == User.id)
        .where(
            EmployerUser.employer_id == employer_id,
            EmployerUser.role == OrgRole.ADMIN.value,
            User.is_active.is_(True),
        )
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def invitations(
    session: AsyncSession, employer_id: uuid.UUID, now: datetime
) -> list[OrganisationInvitation]:
    """Invitations still open (not used, not expired)."""
    stmt = (
        select(OrganisationInvitation)
        .where(
            OrganisationInvitation.employer_id == employer_id,
            OrganisationInvitation.used_at.is_(None),
            OrganisationInvitation.expires_at > now,
        )
        .order_by(OrganisationInvitation.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def invitation_by_token(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> OrganisationInvitation | None:
    stmt = select(OrganisationInvitation).where(OrganisationInvitation.token_hash == token_hash)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def attach_named_cases(
    session: AsyncSession, employer_id: uuid.UUID, uscc: str, at: datetime
) -> list[uuid.UUID]:
    """Cases still open that name ``uscc`` and have no employer yet now name this one; their
    ids are returned."""
    stmt = (
        update(Case)
        .where(
            Case.employer_uscc == uscc,
            Case.employer_id.is_(None),
            Case.status.not_in([s.value for s in CaseStatus.SETTLED]),
        )
        .values(employer_id=employer_id, updated_at=at)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.execute(stmt)).scalars())


async def referrals_since(session: AsyncSession, case_id: uuid.UUID, since: datetime) -> int:
    stmt = select(func.count(EmployerReferral.id)).where(
        EmployerReferral.case_id == case_id, EmployerReferral.created_at >= since
    )
    return int((await session.execute(stmt)).scalar_one())


async def referrals_for(session: AsyncSession, case_id: uuid.UUID) -> list[EmployerReferral]:
    stmt = (
        select(EmployerReferral)
        .where(EmployerReferral.case_id == case_id)
        .order_by(EmployerReferral.created_at)
    )
    return list((await session.execute(stmt)).scalars())
