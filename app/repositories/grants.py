"""Queries for one-off grants paid through finance: the grant per decision, organisations' bank
accounts, and the set-based statements that put due grants into a payment run."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models import (
    Case,
    Employer,
    Entitlement,
    GrantPayment,
    OrganisationBankAccount,
    Service,
    TalentRegisterEntry,
)
from app.models.base import UTCDateTime
from app.repositories.bulk import among, id_chunks
from app.workflow.grants import GRANTS, GrantEvent, GrantStatus
from app.workflow.payments import ENTITLEMENTS, EntitlementEvent, EntitlementStatus

_INCLUDED = GRANTS.advance(GrantStatus.READY, GrantEvent.INCLUDE)
_CARRIED = ENTITLEMENTS.advance(EntitlementStatus.FAILED, EntitlementEvent.CARRY)


def _new_uuid(dialect: str) -> ColumnElement[uuid.UUID]:
    """A fresh id made by the database, for rows an INSERT ... SELECT writes."""
    if dialect == "postgresql":
        return func.gen_random_uuid()
    return func.lower(func.hex(func.randomblob(16)))


async def add_grant_once(session: AsyncSession, values: dict[str, object]) -> bool:
    """Inserts the decision's grant unless it has one (``case_id`` is unique); True if added.
    ON CONFLICT DO NOTHING makes a retried or concurrent approval's follow-up a no-op."""
    conn = await session.connection()
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = build(GrantPayment).values(**values).on_conflict_do_nothing(index_elements=["case_id"])
    result = await conn.execute(stmt.returning(GrantPayment.id))
    return result.first() is not None


async def grant_for_case(session: AsyncSession, case_id: uuid.UUID) -> GrantPayment | None:
    stmt = select(GrantPayment).where(GrantPayment.case_id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_grant_for_case(session: AsyncSession, case_id: uuid.UUID) -> GrantPayment | None:
    stmt = select(GrantPayment).where(GrantPayment.case_id == case_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_award_grants(
    session: AsyncSession, register_entry_id: uuid.UUID
) -> list[GrantPayment]:
    stmt = (
        select(GrantPayment)
        .where(GrantPayment.register_entry_id == register_entry_id)
        .order_by(GrantPayment.instalment)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def award_grants(
    session: AsyncSession, register_entry_ids: list[uuid.UUID]
) -> list[GrantPayment]:
    """The instalments of these awards, in order."""
    if not register_entry_ids:
        return []
    stmt = (
        select(GrantPayment)
        .where(GrantPayment.register_entry_id.in_(register_entry_ids))
        .order_by(GrantPayment.register_entry_id, GrantPayment.instalment)
    )
    return list((await session.execute(stmt)).scalars())


def add_award_grants(session: AsyncSession, grants: list[GrantPayment]) -> None:
    session.add_all(grants)


async def cancel_award_instalments_after(
    session: AsyncSession, register_entry_id: uuid.UUID, last_day: date, now: datetime
) -> list[GrantPayment]:
    """Cancels the award's instalments dated after ``last_day`` that no run holds or paid;
    returns them (an instalment in a run is left to the bank's result)."""
    stmt = (
        select(GrantPayment)
        .where(
            GrantPayment.register_entry_id == register_entry_id,
            GrantPayment.payable_on > last_day,
        )
        .with_for_update()
    )
    cancelled = []
    for grant in (await session.execute(stmt)).scalars():
        if GRANTS.allows(grant.status, GrantEvent.CANCEL):
            grant.status = GRANTS.advance(grant.status, GrantEvent.CANCEL)
            grant.updated_at = now
            cancelled.append(grant)
    return cancelled


def award_instalments() -> Any:
    """How many instalments the row's programme award has (0 for a decision's grant)."""
    other = aliased(GrantPayment)
    return (
        select(func.count(other.id))
        .where(other.register_entry_id == GrantPayment.register_entry_id)
        .correlate(GrantPayment)
        .scalar_subquery()
    )


async def grants_of_applicant(
    session: AsyncSession, applicant_id: uuid.UUID
) -> list[tuple[GrantPayment, str | None, Service | None, int]]:
    """The person's grants with their case number (None for an award's instalment), service
    and award's number of instalments, newest first."""
    stmt = (
        select(GrantPayment, Case.number, Service, award_instalments())
        .outerjoin(Case, Case.id == GrantPayment.case_id)
        .outerjoin(Service, Service.id == GrantPayment.service_id)
        .where(GrantPayment.applicant_id == applicant_id)
        .order_by(GrantPayment.created_at.desc(), GrantPayment.instalment)
    )
    return [(g, n, s, c) for g, n, s, c in await session.execute(stmt)]


async def grants_of_organisation(
    session: AsyncSession, employer_id: uuid.UUID
) -> list[tuple[GrantPayment, str | None, Service | None, int]]:
    stmt = (
        select(GrantPayment, Case.number, Service, award_instalments())
        .outerjoin(Case, Case.id == GrantPayment.case_id)
        .outerjoin(Service, Service.id == GrantPayment.service_id)
        .where(GrantPayment.organisation_id == employer_id)
        .order_by(GrantPayment.created_at.desc(), GrantPayment.instalment)
    )
    return [(g, n, s, c) for g, n, s, c in await session.execute(stmt)]


async def award_instalment_count(session: AsyncSession, register_entry_id: uuid.UUID) -> int:
    stmt = select(func.count(GrantPayment.id)).where(
        GrantPayment.register_entry_id == register_entry_id
    )
    return int((await session.execute(stmt)).scalar_one())


async def employer_name(session: AsyncSession, employer_id: uuid.UUID) -> str | None:
    stmt = select(Employer.name).where(Employer.id == employer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def organisation_account(
    session: AsyncSession, employer_id: uuid.UUID
) -> OrganisationBankAccount | None:
    stmt = select(OrganisationBankAccount).where(OrganisationBankAccount.employer_id == employer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def pay_organisation_into(
    session: AsyncSession, account: OrganisationBankAccount, now: datetime
) -> int:
    """Gives the organisation's account to its grants that may still take one; those waiting
    for it become ready. Returns how many grants were changed."""
    open_statuses = sorted(GrantStatus.ACCOUNT_OPEN)
    stmt = (
        sql_update(GrantPayment)
        .where(
            GrantPayment.organisation_id == account.employer_id,
            GrantPayment.status.in_(open_statuses),
        )
        .values(
            status=GRANTS.advance(GrantStatus.AWAITING_ACCOUNT, GrantEvent.ACCOUNT_GIVEN),
            account_name=account.account_name,
            bank_account_enc=account.bank_account_enc,
            bank_account_masked=account.bank_account_masked,
            updated_at=now,
        )
    )
    result = await session.execute(stmt, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)


def _due(due_before: date) -> ColumnElement[bool]:
    """A grant the run may pay: a decision's at once; a programme award's instalment from the
    month it falls due, and only while the membership it rests on held on its date (an
    instalment dated after the membership ended is never paid, whether or not the daily
    expiry round has cancelled it yet)."""
    lapsed = exists().where(
        TalentRegisterEntry.id == GrantPayment.register_entry_id,
        TalentRegisterEntry.valid_until.is_not(None),
        TalentRegisterEntry.valid_until < GrantPayment.payable_on,
    )
    return or_(
        GrantPayment.register_entry_id.is_(None),
        and_(GrantPayment.payable_on < due_before, ~lapsed),
    )


async def add_grants_to_cycle(
    session: AsyncSession, cycle_id: uuid.UUID, district: str, now: datetime, due_before: date
) -> int:
    """Puts the district's ready grants into the run, in a few statements whatever their number:
    a grant paid before and failed gets a line carrying its failed one, a grant never in a run
    gets its own line, and every grant with a line in this run is marked as in it.

    The unique indexes on lines (one own line per grant, one carry per failed line) make a
    second or concurrent run add nothing: ON CONFLICT DO NOTHING skips what another
    transaction already wrote (PostgreSQL waits for it to commit first)."""
    conn = await session.connection()
    dialect = conn.dialect.name
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    stamp = literal(now, UTCDateTime())
    ready = and_(
        GrantPayment.district == district,
        GrantPayment.status == GrantStatus.READY,
        _due(due_before),
    )
    columns = [
        "id",
        "cycle_id",
        "grant_id",
        "month_index",
        "amount_cny",
        "status",
        "carried_from_id",
        "detail",
        "created_at",
    ]
    failed = aliased(Entitlement)
    carry: Any = (
        select(
            _new_uuid(dialect),
            literal(cycle_id),
            GrantPayment.id,
            literal(0),
            GrantPayment.amount_cny,
            literal(EntitlementStatus.DUE.value),
            failed.id,
            literal_column("'{}'"),
            stamp,
        )
        .join(failed, failed.grant_id == GrantPayment.id)
        .where(ready, failed.status == EntitlementStatus.FAILED)
    )
    carried = await conn.execute(
        build(Entitlement)
        .from_select(columns, carry)
        .on_conflict_do_nothing()
        .returning(Entitlement.carried_from_id, Entitlement.grant_id)
    )
    carried_rows = carried.all()
    carried_ids = [row[0] for row in carried_rows]
    taken = [row[1] for row in carried_rows if row[1] is not None]
    if carried_ids:
        for start in range(0, len(carried_ids), 1000):
            await conn.execute(
                sql_update(Entitlement)
                .where(
                    Entitlement.id.in_(carried_ids[start : start + 1000]),
                    Entitlement.status == EntitlementStatus.FAILED,
                )
                .values(status=_CARRIED)
            )
    own: Any = select(
        _new_uuid(dialect),
        literal(cycle_id),
        GrantPayment.id,
        literal(0),
        GrantPayment.amount_cny,
        literal(EntitlementStatus.DUE.value),
        null(),
        literal_column("'{}'"),
        stamp,
    ).where(ready, ~exists().where(Entitlement.grant_id == GrantPayment.id))
    own_lines = await conn.execute(
        build(Entitlement)
        .from_select(columns, own)
        .on_conflict_do_nothing()
        .returning(Entitlement.grant_id)
    )
    taken.extend(row[0] for row in own_lines if row[0] is not None)
    # The grants just given a line, by id: a join against the run's lines freshly written in
    # this transaction (no planner statistics yet) may be planned as a loop over all of them.
    count = 0
    for chunk in id_chunks(session, taken):
        included = await conn.execute(
            sql_update(GrantPayment)
            .where(ready, among(session, GrantPayment.id, chunk))
            .values(status=_INCLUDED, updated_at=now)
        )
        count += int(getattr(included, "rowcount", 0) or 0)
    return count
