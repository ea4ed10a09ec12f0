"""Set-based queries over a payment run's lines (``subsidy_entitlement``), monthly and one-off
alike: totals, the bank file streamed from a server-side cursor, the lines' states for
reconciliation, bulk settlement, and what the beneficiaries' notices need.

A run may hold a hundred thousand lines: nothing here loads ORM objects per line."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Applicant,
    Case,
    Employer,
    EmployerUser,
    Enrolment,
    Entitlement,
    GrantPayment,
    Service,
    User,
)
from app.models.base import UTCDateTime
from app.repositories.bulk import among, id_chunks
from app.repositories.grants import award_instalments
from app.workflow.grants import GrantStatus
from app.workflow.payments import EntitlementStatus

KIND_MONTHLY, KIND_ONE_OFF = "monthly", "one_off"


async def totals(session: AsyncSession, cycle_id: uuid.UUID) -> tuple[int, int, int]:
    """(lines, total yuan, one-off lines) of a run."""
    stmt = select(
        func.count(Entitlement.id),
        func.coalesce(func.sum(Entitlement.amount_cny), 0),
        func.count(Entitlement.grant_id),
    ).where(Entitlement.cycle_id == cycle_id)
    lines, total, one_off = (await session.execute(stmt)).one()
    return int(lines), int(total), int(one_off)


@dataclass(frozen=True, slots=True)
class BankRow:
    id: uuid.UUID
    amount_cny: int
    account_name: str
    bank_account_enc: bytes


async def bank_rows(
    session: AsyncSession, cycle_id: uuid.UUID, batch: int = 5000
) -> AsyncIterator[list[BankRow]]:
    """The run's lines with the account each is paid into, in batches from a server-side
    cursor, so the bank file of a large run never sits in memory as rows."""
    stmt = (
        select(
            Entitlement.id,
            Entitlement.amount_cny,
            func.coalesce(Enrolment.account_name, GrantPayment.account_name),
            func.coalesce(Enrolment.bank_account_enc, GrantPayment.bank_account_enc),
        )
        .outerjoin(Enrolment, Enrolment.id == Entitlement.enrolment_id)
        .outerjoin(GrantPayment, GrantPayment.id == Entitlement.grant_id)
        .where(Entitlement.cycle_id == cycle_id)
        .order_by(Entitlement.created_at, Entitlement.id)
        .execution_options(yield_per=batch)
    )
    result = await session.stream(stmt)
    async for part in result.partitions(batch):
        yield [BankRow(r[0], r[1], r[2] or "", r[3] or b"") for r in part]


@dataclass(frozen=True, slots=True)
class LineState:
    id: uuid.UUID
    status: str
    amount_cny: int
    enrolment_id: uuid.UUID | None
    grant_id: uuid.UUID | None
    carried: bool


async def line_states(session: AsyncSession, cycle_id: uuid.UUID) -> dict[uuid.UUID, LineState]:
    stmt = select(
        Entitlement.id,
        Entitlement.status,
        Entitlement.amount_cny,
        Entitlement.enrolment_id,
        Entitlement.grant_id,
        Entitlement.carried_from_id.is_not(None),
    ).where(Entitlement.cycle_id == cycle_id)
    return {r[0]: LineState(*r) for r in await session.execute(stmt)}


_SETTLE_PG = text(
    "UPDATE subsidy_entitlement AS e"
    " SET status = u.status, bank_reference = u.ref, failure_reason = u.reason"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:refs AS text[]),"
    " CAST(:reasons AS text[])) AS u(id, status, ref, reason)"
    " WHERE e.id = u.id AND e.status = :due"
)
_CREDIT_PG = text(
    "UPDATE subsidy_enrolment AS n"
    " SET total_paid_cny = n.total_paid_cny + u.amount, months_paid = n.months_paid + u.months,"
    " updated_at = :now"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:amounts AS integer[]), CAST(:months AS integer[]))"
    " AS u(id, amount, months)"
    " WHERE n.id = u.id"
).bindparams(bindparam("now", type_=UTCDateTime()))


async def settle_lines(
    session: AsyncSession, settled: Sequence[tuple[uuid.UUID, str, str | None, str | None]]
) -> None:
    """(line, new status, bank reference, failure reason), each applied only to a line still
    due: one executemany, in chunks."""
    if not settled:
        return
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        # One UPDATE ... FROM unnest(arrays) per chunk: a join, not a statement per line.
        for start in range(0, len(settled), 20_000):
            chunk = settled[start : start + 20_000]
            await conn.execute(
                _SETTLE_PG,
                {
                    "ids": [c[0] for c in chunk],
                    "statuses": [c[1] for c in chunk],
                    "refs": [c[2] for c in chunk],
                    "reasons": [c[3] for c in chunk],
                    "due": EntitlementStatus.DUE.value,
                },
            )
        return
    stmt = (
        update(Entitlement)
        .where(
            Entitlement.id == bindparam("line_id"),
            Entitlement.status == EntitlementStatus.DUE,
        )
        .values(
            status=bindparam("new_status"),
            bank_reference=bindparam("reference"),
            failure_reason=bindparam("reason"),
        )
    )
    for start in range(0, len(settled), 10_000):
        params = [
            {"line_id": i, "new_status": s, "reference": ref, "reason": why}
            for i, s, ref, why in settled[start : start + 10_000]
        ]
        await conn.execute(stmt, params)


async def credit_enrolments(
    session: AsyncSession, paid: Sequence[tuple[uuid.UUID, int]], now: datetime
) -> None:
    """Adds each paid month to its enrolment's totals: a month carried from a failed payment
    and the current one may both be paid by one file, so the lines are summed per enrolment
    first (an UPDATE ... FROM joins each row once)."""
    if not paid:
        return
    sums: dict[uuid.UUID, list[int]] = {}
    for enrolment_id, amount in paid:
        entry = sums.setdefault(enrolment_id, [0, 0])
        entry[0] += amount
        entry[1] += 1
    totals = [(e, amount, months) for e, (amount, months) in sums.items()]
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        for start in range(0, len(totals), 20_000):
            chunk = totals[start : start + 20_000]
            await conn.execute(
                _CREDIT_PG,
                {
                    "ids": [c[0] for c in chunk],
                    "amounts": [c[1] for c in chunk],
                    "months": [c[2] for c in chunk],
                    "now": now,
                },
            )
        return
    stmt = (
        update(Enrolment)
        .where(Enrolment.id == bindparam("enrolment"))
        .values(
            total_paid_cny=Enrolment.total_paid_cny + bindparam("amount"),
            months_paid=Enrolment.months_paid + bindparam("months"),
            updated_at=now,
        )
    )
    for start in range(0, len(totals), 10_000):
        params = [
            {"enrolment": e, "amount": a, "months": m} for e, a, m in totals[start : start + 10_000]
        ]
        await conn.execute(stmt, params)


async def mark_grants(
    session: AsyncSession, grant_ids: Sequence[uuid.UUID], status: str, now: datetime
) -> None:
    if not grant_ids:
        return
    conn = await session.connection()
    for chunk in id_chunks(session, grant_ids):
        await conn.execute(
            update(GrantPayment)
            .where(among(session, GrantPayment.id, chunk))
            .values(
                status=status,
                updated_at=now,
                **({"paid_at": now} if status == GrantStatus.PAID else {}),
            )
        )


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a paid line's notice needs: who, in which language, how to reach them, and the
    case and service it was paid for."""

    line_id: uuid.UUID
    user_id: uuid.UUID
    user_kind: str
    language: str
    email: str | None
    mobile: str | None
    case_id: uuid.UUID | None  # None for a programme award's instalment
    case_number: str | None  # None for a programme award's instalment
    service_zh: str
    service_en: str
    amount_cny: int
    starts_on: date | None
    month_index: int
    instalment: int | None = None  # a programme award's instalment, of ``instalments``
    instalments: int = 0


def _recipient(row: Any) -> Recipient:
    return Recipient(*row)


Line = tuple[uuid.UUID, str, str, str, str, str | None, int, str, bool, int | None, int]


def _line(row: Any) -> Line:
    return tuple(row)


async def paid_monthly_recipients(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> list[Recipient]:
    out: list[Recipient] = []
    for chunk in id_chunks(session, line_ids):
        stmt = (
            select(
                Entitlement.id,
                User.id,
                User.kind,
                User.language,
                User.email,
                Applicant.mobile,
                Case.id,
                Case.number,
                Service.name_zh,
                Service.name_en,
                Entitlement.amount_cny,
                Enrolment.starts_on,
                Entitlement.month_index,
            )
            .join(Enrolment, Enrolment.id == Entitlement.enrolment_id)
            .join(Case, Case.id == Enrolment.case_id)
            .join(Service, Service.id == Case.service_id)
            .join(Applicant, Applicant.id == Enrolment.applicant_id)
            .join(User, User.id == Applicant.user_id)
            .where(among(session, Entitlement.id, chunk))
        )
        out.extend(_recipient(row) for row in await session.execute(stmt))
    return out


async def grants_of_lines(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> list[GrantPayment]:
    out: list[GrantPayment] = []
    for start in range(0, len(line_ids), 1000):
        stmt = (
            select(GrantPayment)
            .join(Entitlement, Entitlement.grant_id == GrantPayment.id)
            .where(Entitlement.id.in_(line_ids[start : start + 1000]))
        )
        out.extend((await session.execute(stmt)).scalars())
    return out


async def lines(session: AsyncSession, cycle_id: uuid.UUID, offset: int, limit: int) -> list[Line]:
    """A page of the run's lines: (id, kind, beneficiary, service zh, service en, case number,
    amount, status, carried, award instalment, award's instalments), one-off lines first. An
    award's instalment has no case number: its programme's title stands in."""
    organisation = select(Employer.name).where(Employer.id == GrantPayment.organisation_id)
    kind = case((Entitlement.grant_id.is_(None), literal(KIND_MONTHLY)), else_=KIND_ONE_OFF)
    stmt = (
        select(
            Entitlement.id,
            kind,
            func.coalesce(
                GrantPayment.beneficiary_name,
                organisation.scalar_subquery(),
                Applicant.full_name,
            ),
            func.coalesce(Service.name_zh, GrantPayment.title_zh),
            func.coalesce(Service.name_en, GrantPayment.title_en),
            Case.number,
            Entitlement.amount_cny,
            Entitlement.status,
            Entitlement.carried_from_id.is_not(None),
            GrantPayment.instalment,
            award_instalments(),
        )
        .outerjoin(Enrolment, Enrolment.id == Entitlement.enrolment_id)
        .outerjoin(GrantPayment, GrantPayment.id == Entitlement.grant_id)
        # A programme award's instalment has no case: its title stands in (its reference only
        # orders the lines).
        .outerjoin(Case, Case.id == func.coalesce(Enrolment.case_id, GrantPayment.case_id))
        .outerjoin(Service, Service.id == Case.service_id)
        .outerjoin(Applicant, Applicant.id == Enrolment.applicant_id)
        .where(Entitlement.cycle_id == cycle_id)
        .order_by(
            Entitlement.grant_id.is_(None),
            func.coalesce(Case.number, GrantPayment.reference),
            Entitlement.id,
        )
        .offset(offset)
        .limit(limit)
    )
    return [_line(r) for r in await session.execute(stmt)]


async def grant_ids_of_lines(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for chunk in id_chunks(session, line_ids):
        stmt = select(Entitlement.grant_id).where(
            among(session, Entitlement.id, chunk), Entitlement.grant_id.is_not(None)
        )
        out.extend(g for g in (await session.execute(stmt)).scalars() if g is not None)
    return out


async def paid_grant_recipients(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> list[Recipient]:
    """Who to tell of each paid grant line: the person, or every user of the organisation."""
    out: list[Recipient] = []
    for start in range(0, len(line_ids), 5000):
        chunk = line_ids[start : start + 5000]
        common = (
            Entitlement.id,
            User.id,
            User.kind,
            User.language,
            User.email,
        )
        tail = (
            Case.id,
            Case.number,
            func.coalesce(Service.name_zh, GrantPayment.title_zh),
            func.coalesce(Service.name_en, GrantPayment.title_en),
            Entitlement.amount_cny,
            literal(None),
            Entitlement.month_index,
            GrantPayment.instalment,
            award_instalments(),
        )
        person = (
            select(*common, Applicant.mobile, *tail)
            .join(GrantPayment, GrantPayment.id == Entitlement.grant_id)
            .outerjoin(Case, Case.id == GrantPayment.case_id)
            .outerjoin(Service, Service.id == GrantPayment.service_id)
            .join(Applicant, Applicant.id == GrantPayment.applicant_id)
            .join(User, User.id == Applicant.user_id)
            .where(Entitlement.id.in_(chunk))
        )
        organisation = (
            select(*common, literal(None), *tail)
            .join(GrantPayment, GrantPayment.id == Entitlement.grant_id)
            .outerjoin(Case, Case.id == GrantPayment.case_id)
            .outerjoin(Service, Service.id == GrantPayment.service_id)
            .join(EmployerUser, EmployerUser.employer_id == GrantPayment.organisation_id)
            .join(User, User.id == EmployerUser.user_id)
            .where(Entitlement.id.in_(chunk))
        )
        for stmt in (person, organisation):
            out.extend(_recipient(row) for row in await session.execute(stmt))
    return out
