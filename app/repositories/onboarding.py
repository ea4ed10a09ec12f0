"""Queries of the onboarding bundle's record (its cases are the case engine's)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models import Applicant, Application, Case, OnboardingRecord, User, WaitlistEntry
from app.workflow.housing import WaitlistStatus
from app.workflow.states import CaseStatus


async def record_of(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> OnboardingRecord | None:
    stmt = select(OnboardingRecord).where(OnboardingRecord.case_id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, record: OnboardingRecord) -> None:
    session.add(record)
    await session.flush()


async def person_of(session: AsyncSession, applicant_id: uuid.UUID) -> tuple[str, str] | None:
    """The person's name as registered (Latin script for a passport) and preferred language."""
    stmt = (
        select(Applicant.full_name, User.language)
        .join(User, User.id == Applicant.user_id)
        .where(Applicant.id == applicant_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row is not None else None


async def applicant_by_id_index(session: AsyncSession, index: str) -> Applicant | None:
    stmt = select(Applicant).where(Applicant.id_number_index == index)
    return (await session.execute(stmt)).scalar_one_or_none()


async def applications_of(
    session: AsyncSession, applicant_id: uuid.UUID, service_id: uuid.UUID
) -> list[tuple[Application, Case | None]]:
    """The person's applications for the service, each with its case once submitted."""
    stmt = (
        select(Application, Case)
        .outerjoin(Case, Case.application_id == Application.id)
        .where(Application.applicant_id == applicant_id, Application.service_id == service_id)
    )
    return [(a, c) for a, c in (await session.execute(stmt)).all()]


async def record_linking_application(
    session: AsyncSession, application_id: uuid.UUID
) -> OnboardingRecord | None:
    """The bundle whose schooling step links this consultation application."""
    stmt = select(OnboardingRecord).where(
        OnboardingRecord.schooling_application_id == application_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def bundles_with_settled_housing(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    """Onboarding bundles still under way whose housing household is housed or off the list."""
    part = aliased(Case)
    stmt = (
        select(Case.id)
        .join(OnboardingRecord, OnboardingRecord.case_id == Case.id)
        .join(part, part.parent_id == Case.id)
        .join(WaitlistEntry, WaitlistEntry.case_id == part.id)
        .where(
            Case.status == CaseStatus.IN_PROGRESS.value,
            part.bundle_part == "housing",
            WaitlistEntry.status.in_([s.value for s in WaitlistStatus.FINAL]),
        )
        .order_by(Case.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def has_filed(session: AsyncSession, applicant_id: uuid.UUID, service_id: uuid.UUID) -> bool:
    """Whether the person has submitted an application for the service (a draft is not one)."""
    stmt = (
        select(Application.id)
        .where(
            Application.applicant_id == applicant_id,
            Application.service_id == service_id,
            Application.status != "draft",
        )
        .limit(1)
    )
    return (await session.execute(stmt)).first() is not None
