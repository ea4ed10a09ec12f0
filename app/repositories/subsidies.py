"""Queries for subsidy enrolments, payment cycles and entitlements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models import (
    Application,
    Case,
    Enrolment,
    Entitlement,
    FactVerification,
    Lease,
    PaymentCycle,
    Service,
)
from app.models.base import utcnow
from app.repositories.bulk import among, id_chunks, json_serializer
from app.workflow.housing import LeaseStatus
from app.workflow.payments import EnrolmentStatus, EntitlementStatus


async def enrolment_for_case(session: AsyncSession, case_id: uuid.UUID) -> Enrolment | None:
    return (
        await session.execute(select(Enrolment).where(Enrolment.case_id == case_id))
    ).scalar_one_or_none()


#: The unique index a second current enrolment of the same person for the same benefit fails on.
BENEFIT_ENROLMENT_INDEX = "uq_subsidy_enrolment_benefit"


async def enrolled_for_benefit(
    session: AsyncSession, applicant_id: uuid.UUID, benefit: str
) -> str | None:
    """The number of the case whose enrolment for ``benefit`` has not ended, if any."""
    stmt = (
        select(Case.number)
        .join(Enrolment, Enrolment.case_id == Case.id)
        .where(
            Enrolment.applicant_id == applicant_id,
            Enrolment.benefit == benefit,
            Enrolment.status != EnrolmentStatus.ENDED,
        )
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_enrolment(session: AsyncSession, enrolment_id: uuid.UUID) -> Enrolment | None:
    return await session.get(Enrolment, enrolment_id)


@dataclass(frozen=True, slots=True)
class DueEnrolment:
    """What computing a month needs of an active enrolment: no ORM object, so a district's
    hundred thousand enrolments cost a tuple each."""

    id: uuid.UUID
    applicant_id: uuid.UUID
    district: str
    policy_id: str
    benefit: str
    schedule: list[int]
    cap_total_cny: int
    total_paid_cny: int
    starts_on: date
    created_at: datetime


async def enrolments_to_pay(
    session: AsyncSession, district: str, before: date
) -> list[DueEnrolment]:
    """The district's active enrolments whose first month is before ``before``, with the
    benefit each pays (its case's service's, else its policy), earliest first."""
    stmt = (
        select(
            Enrolment.id,
            Enrolment.applicant_id,
            Enrolment.district,
            Enrolment.policy_id,
            func.coalesce(Service.benefit, Enrolment.policy_id),
            Enrolment.schedule,
            Enrolment.cap_total_cny,
            Enrolment.total_paid_cny,
            Enrolment.starts_on,
            Enrolment.created_at,
        )
        .outerjoin(Case, Case.id == Enrolment.case_id)
        .outerjoin(Service, Service.id == Case.service_id)
        .where(
            Enrolment.district == district,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.starts_on < before,
        )
        .order_by(Enrolment.starts_on, Enrolment.created_at, Enrolment.id)
    )
    return [_due_enrolment(row) for row in await session.execute(stmt)]


def _due_enrolment(row: Any) -> DueEnrolment:
    return DueEnrolment(*row)


async def set_enrolments_status(
    session: AsyncSession, enrolment_ids: Sequence[uuid.UUID], status: str, reason: str
) -> None:
    """One status and reason for many enrolments (the month's completed schedules)."""
    conn = await session.connection()
    now = utcnow()
    for start in range(0, len(enrolment_ids), 1000):
        await conn.execute(
            update(Enrolment)
            .where(Enrolment.id.in_(enrolment_ids[start : start + 1000]))
            .values(status=status, status_reason=reason, updated_at=now)
        )


async def enrolments_for_applicant(
    session: AsyncSession, applicant_id: uuid.UUID
) -> list[Enrolment]:
    stmt = (
        select(Enrolment)
        .where(Enrolment.applicant_id == applicant_id)
        .order_by(Enrolment.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def answers_for_case(session: AsyncSession, case_id: uuid.UUID) -> dict[str, Any]:
    stmt = (
        select(Application.answers)
        .join(Case, Case.application_id == Application.id)
        .where(Case.id == case_id)
    )
    return dict((await session.execute(stmt)).scalar_one())


async def get_cycle(session: AsyncSession, district: str, month: date) -> PaymentCycle | None:
    stmt = select(PaymentCycle).where(
        PaymentCycle.district == district, PaymentCycle.month == month
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_cycle(session: AsyncSession, cycle_id: uuid.UUID) -> PaymentCycle | None:
    stmt = select(PaymentCycle).where(PaymentCycle.id == cycle_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def entitlements(session: AsyncSession, cycle_id: uuid.UUID) -> list[Entitlement]:
    stmt = (
        select(Entitlement).where(Entitlement.cycle_id == cycle_id).order_by(Entitlement.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def entitlements_with_enrolments(
    session: AsyncSession, cycle_id: uuid.UUID
) -> list[tuple[Entitlement, Enrolment]]:
    stmt = (
        select(Entitlement, Enrolment)
        .join(Enrolment, Enrolment.id == Entitlement.enrolment_id)
        .where(Entitlement.cycle_id == cycle_id)
        .order_by(Entitlement.created_at)
    )
    return [(e, n) for e, n in await session.execute(stmt)]


_ADD_ENTITLEMENTS_PG = text(
    "INSERT INTO subsidy_entitlement"
    " (id, cycle_id, enrolment_id, month_index, amount_cny, status, detail, created_at)"
    " SELECT u.id, u.cycle_id, u.enrolment_id, u.month_index, u.amount, u.status,"
    " CAST(u.detail AS json), u.created_at"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:cycles AS uuid[]), CAST(:enrolments AS uuid[]),"
    " CAST(:months AS integer[]), CAST(:amounts AS integer[]), CAST(:statuses AS text[]),"
    " CAST(:details AS text[]), CAST(:created AS timestamptz[]))"
    " AS u(id, cycle_id, enrolment_id, month_index, amount, status, detail, created_at)"
)


async def add_entitlements(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """A month's entitlements as rows: on PostgreSQL one INSERT ... SELECT FROM unnest(arrays)
    per batch (the rows travel as a few arrays, not as parameters each), elsewhere one
    multi-row INSERT per batch."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        dumps = json_serializer(conn)
        for start in range(0, len(rows), 20_000):
            chunk = rows[start : start + 20_000]
            await conn.execute(
                _ADD_ENTITLEMENTS_PG,
                {
                    "ids": [r["id"] for r in chunk],
                    "cycles": [r["cycle_id"] for r in chunk],
                    "enrolments": [r["enrolment_id"] for r in chunk],
                    "months": [r["month_index"] for r in chunk],
                    "amounts": [r["amount_cny"] for r in chunk],
                    "statuses": [r["status"] for r in chunk],
                    "details": [dumps(r["detail"]) for r in chunk],
                    "created": [r["created_at"] for r in chunk],
                },
            )
        return
    for start in range(0, len(rows), 5000):
        await conn.execute(insert(Entitlement), rows[start : start + 5000])


async def entitlements_for_enrolment(
    session: AsyncSession, enrolment_id: uuid.UUID
) -> list[Entitlement]:
    stmt = (
        select(Entitlement)
        .where(Entitlement.enrolment_id == enrolment_id)
        .order_by(Entitlement.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def failed_uncarried(session: AsyncSession, district: str) -> list[Entitlement]:
    stmt = (
        select(Entitlement)
        .join(Enrolment, Enrolment.id == Entitlement.enrolment_id)
        .where(
            Enrolment.district == district,
            Entitlement.status == EntitlementStatus.FAILED,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    return list((await session.execute(stmt)).scalars())


async def list_cycles(session: AsyncSession, district: str) -> list[PaymentCycle]:
    stmt = (
        select(PaymentCycle)
        .where(PaymentCycle.district == district)
        .order_by(PaymentCycle.month.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def answers_for_enrolments(
    session: AsyncSession, enrolment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for chunk in id_chunks(session, enrolment_ids):
        stmt = (
            select(Enrolment.id, Application.answers)
            .join(Case, Case.id == Enrolment.case_id)
            .join(Application, Application.id == Case.application_id)
            .where(among(session, Enrolment.id, chunk))
        )
        out.update({eid: dict(answers) for eid, answers in await session.execute(stmt)})
    return out


async def pending_amounts(session: AsyncSession, district: str) -> dict[uuid.UUID, int]:
    """Computed but unsettled amounts per enrolment (due, or failed and not yet carried)."""
    stmt = (
        select(Enrolment.id, func.sum(Entitlement.amount_cny))
        .join(Enrolment, Enrolment.id == Entitlement.enrolment_id)
        .where(
            Enrolment.district == district,
            Entitlement.status.in_(sorted(EntitlementStatus.UNSETTLED)),
        )
        .group_by(Enrolment.id)
    )
    return {eid: int(total) for eid, total in await session.execute(stmt)}


async def in_talent_apartment(
    session: AsyncSession, applicant_ids: list[uuid.UUID], before: date
) -> set[uuid.UUID]:
    """Beneficiaries with an active talent-apartment lease begun before ``before``."""
    found: set[uuid.UUID] = set()
    for chunk in id_chunks(session, applicant_ids):
        stmt = select(Lease.applicant_id).where(
            among(session, Lease.applicant_id, chunk),
            Lease.status == LeaseStatus.ACTIVE,
            Lease.starts_on < before,
        )
        found.update((await session.execute(stmt)).scalars())
    return found


async def later_social_insurance(
    session: AsyncSession, enrolment_ids: list[uuid.UUID], system: str, confirmed: tuple[str, ...]
) -> dict[uuid.UUID, tuple[str | None, dict[str, object]]]:
    """For each enrolment, the beneficiary's most recent confirmed social-insurance answer given
    after the enrolment's application was submitted (from any of their applications), as (the
    district it was asked for, its facts). Older answers are what the grant already saw."""
    granted = aliased(Application)
    asked_for = aliased(Case)
    answered_at = func.coalesce(FactVerification.verified_at, FactVerification.updated_at)
    out: dict[uuid.UUID, tuple[str | None, dict[str, object]]] = {}
    for chunk in id_chunks(session, enrolment_ids):
        stmt = (
            select(Enrolment.id, asked_for.district, FactVerification.facts)
            .join(Case, Case.id == Enrolment.case_id)
            .join(granted, granted.id == Case.application_id)
            .join(FactVerification, FactVerification.applicant_id == Enrolment.applicant_id)
            .outerjoin(asked_for, asked_for.application_id == FactVerification.application_id)
            .where(
                among(session, Enrolment.id, chunk),
                FactVerification.system == system,
                FactVerification.status.in_(confirmed),
                answered_at > func.coalesce(granted.submitted_at, Enrolment.created_at),
            )
            .order_by(Enrolment.id, answered_at)
        )
        for enrolment_id, district, facts in await session.execute(stmt):
            out[enrolment_id] = (district, dict(facts or {}))
    return out
