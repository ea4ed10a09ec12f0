"""Queries for service cards and their holders' requests. Applicants read their own cards;
staff who handle cases read the cards of their district; the public page finds one card by its
random token."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.models import Applicant, Application, Case, Service, ServiceCard, User
from app.repositories.cases import cases_readable_by
from app.workflow.service_cards import CARD_SERVICE, CardStatus


def cards_readable_by(principal: Principal) -> Select[ServiceCard]:
    stmt = select(ServiceCard)
    if principal.applicant_id is not None:
        return stmt.where(ServiceCard.applicant_id == principal.applicant_id)
    if principal.staff_id is not None and principal.district:
        # As with case files: auditors, finance and system administrators read no cards.
        if not principal.can(Permission.HANDLE_CASES):
            return stmt.where(ServiceCard.id.is_(None))
        return stmt.where(ServiceCard.district == principal.district)
    return stmt.where(ServiceCard.id.is_(None))


async def get_card(
    session: AsyncSession, principal: Principal, card_id: uuid.UUID, *, lock: bool = False
) -> ServiceCard | None:
    stmt = cards_readable_by(principal).where(ServiceCard.id == card_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_cards(session: AsyncSession, principal: Principal) -> list[ServiceCard]:
    stmt = cards_readable_by(principal).order_by(ServiceCard.issued_on.desc(), ServiceCard.id)
    return list((await session.execute(stmt)).scalars())


async def basis_ended(
    session: AsyncSession, principal: Principal, today: date, limit: int
) -> list[tuple[ServiceCard, str]]:
    """Active cards readable by the caller, still within their term, whose programme membership
    ended, with the holder's name: the longest waiting first."""
    stmt = (
        cards_readable_by(principal)
        .add_columns(Applicant.full_name)
        .join(Applicant, Applicant.id == ServiceCard.applicant_id)
        .where(
            ServiceCard.status == CardStatus.ACTIVE.value,
            ServiceCard.basis_ended_on.is_not(None),
            ServiceCard.valid_until >= today,
        )
        .order_by(ServiceCard.basis_ended_on, ServiceCard.number)
        .limit(limit)
    )
    return [(card, name) for card, name in (await session.execute(stmt)).all()]


async def by_token(session: AsyncSession, token: str) -> ServiceCard | None:
    stmt = select(ServiceCard).where(ServiceCard.verify_token == token)
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_case(session: AsyncSession, case_id: uuid.UUID) -> ServiceCard | None:
    stmt = select(ServiceCard).where(ServiceCard.case_id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_of(session: AsyncSession, applicant_id: uuid.UUID) -> ServiceCard | None:
    stmt = select(ServiceCard).where(
        ServiceCard.applicant_id == applicant_id,
        ServiceCard.status == CardStatus.ACTIVE.value,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def holder(session: AsyncSession, applicant_id: uuid.UUID) -> tuple[Applicant, User]:
    stmt = (
        select(Applicant, User)
        .join(User, User.id == Applicant.user_id)
        .where(Applicant.id == applicant_id)
    )
    applicant, user = (await session.execute(stmt)).one()
    return applicant, user


async def requests_of(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID
) -> list[tuple[Case, Service, Application | None]]:
    """The holder's requests filed from a card, newest first, as far as ``principal`` reads
    cases (an applicant their own; staff their department's)."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(Service, Application)
        .join(Service, Service.id == Case.service_id)
        .outerjoin(Application, Application.id == Case.application_id)
        .where(Case.applicant_id == applicant_id, Service.part_of == CARD_SERVICE)
        .order_by(Case.submitted_at.desc(), Case.id)
    )
    return [(c, s, a) for c, s, a in (await session.execute(stmt)).all()]


async def renewals_due(session: AsyncSession, until: date) -> list[ServiceCard]:
    """Active cards ending by ``until`` whose holder has not been told for this term."""
    stmt = (
        select(ServiceCard)
        .where(
            ServiceCard.status == CardStatus.ACTIVE.value,
            ServiceCard.valid_until <= until,
        )
        .order_by(ServiceCard.valid_until, ServiceCard.id)
    )
    return [
        c for c in (await session.execute(stmt)).scalars() if c.renewal_notice_for != c.valid_until
    ]


async def active_holders(
    session: AsyncSession, applicant_ids: Collection[uuid.UUID], today: date
) -> set[uuid.UUID]:
    """Which of these people hold a card that is active and within its term today."""
    if not applicant_ids:
        return set()
    stmt = select(ServiceCard.applicant_id).where(
        ServiceCard.applicant_id.in_(list(applicant_ids)),
        ServiceCard.status == CardStatus.ACTIVE.value,
        ServiceCard.valid_until >= today,
    )
    return set((await session.execute(stmt)).scalars())
