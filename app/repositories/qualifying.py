"""Queries for notices of newly qualifying: who may be told (consent, facts, not already
holding the service), the notices already sent, and each person's last time check.

Administrative reads across districts, for the CLI and the worker only: a person is told about
services of either district, and no caller's scope applies."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Applicant, Case, Consent, QualifyingCheck, QualifyingNotice, Service, User
from app.workflow.states import CaseStatus

# Open (not yet final) or decided in the person's favour: either way, nothing to tell them.
_HELD = sorted(
    {s.value for s in CaseStatus if s not in CaseStatus.FINAL}
    | {s.value for s in CaseStatus.APPROVAL_STANDS}
)


@dataclass(frozen=True)
class Person:
    applicant_id: uuid.UUID
    user_id: uuid.UUID
    language: str
    facts: dict[str, Any]
    checked_on: date | None = None


async def services_for_policies(
    session: AsyncSession, policy_ids: Iterable[str]
) -> dict[str, list[Service]]:
    """The active services a person applies for that each policy decides (both districts')."""
    wanted = sorted(set(policy_ids))
    if not wanted:
        return {}
    stmt = (
        select(Service)
        .where(
            Service.policy_id.in_(wanted),
            Service.is_active.is_(True),
            Service.part_of.is_(None),
            Service.for_organisations.is_(False),
        )
        .order_by(Service.district, Service.code)
    )
    out: dict[str, list[Service]] = {}
    for service in (await session.execute(stmt)).scalars():
        assert service.policy_id is not None
        out.setdefault(service.policy_id, []).append(service)
    return out


async def people(session: AsyncSession, applicant_ids: Iterable[uuid.UUID]) -> list[Person]:
    ids = sorted(set(applicant_ids))
    if not ids:
        return []
    stmt = (
        select(Applicant.id, Applicant.user_id, User.language, Applicant.profile_facts)
        .join(User, User.id == Applicant.user_id)
        .where(Applicant.id.in_(ids), User.is_active.is_(True))
    )
    return [
        Person(a, u, lang or "zh", dict(facts or {}))
        for a, u, lang, facts in (await session.execute(stmt)).all()
    ]


async def held_services(
    session: AsyncSession, applicant_ids: Iterable[uuid.UUID], service_ids: Iterable[uuid.UUID]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(applicant, service) pairs with an open case or an approval that stands."""
    people_ids, services = sorted(set(applicant_ids)), sorted(set(service_ids))
    if not people_ids or not services:
        return set()
    stmt = select(Case.applicant_id, Case.service_id).where(
        Case.applicant_id.in_(people_ids),
        Case.service_id.in_(services),
        Case.status.in_(_HELD),
    )
    return {(a, s) for a, s in (await session.execute(stmt)).all() if a is not None}


async def add_notice_once(session: AsyncSession, values: dict[str, object]) -> bool:
    """Records the notice unless this person was told of this policy version already; True if
    this call recorded it. ON CONFLICT DO NOTHING: of two workers racing, the second waits for
    the first's commit (PostgreSQL) and then adds nothing."""
    dialect = session.get_bind().dialect.name
    build = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        build(QualifyingNotice)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=["applicant_id", "policy_id", "policy_version"])
        .returning(QualifyingNotice.id)
    )
    return (await session.execute(stmt)).first() is not None


async def notices_of(session: AsyncSession, applicant_id: uuid.UUID) -> list[QualifyingNotice]:
    stmt = (
        select(QualifyingNotice)
        .where(QualifyingNotice.applicant_id == applicant_id)
        .order_by(QualifyingNotice.sent_at)
    )
    return list((await session.execute(stmt)).scalars())


async def due_for_time_check(
    session: AsyncSession,
    purpose: str,
    today: date,
    after: uuid.UUID | None,
    limit: int,
) -> list[Person]:
    """The next ``limit`` people (by id, after ``after``) who consent to ``purpose`` now and
    were not checked today. Only they can be told, so nobody else is read; people without
    stored facts are returned too, so their check day moves on."""
    consenting = (
        select(Consent.user_id)
        .where(Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        .scalar_subquery()
    )
    stmt = (
        select(
            Applicant.id,
            Applicant.user_id,
            User.language,
            Applicant.profile_facts,
            QualifyingCheck.checked_on,
        )
        .join(User, User.id == Applicant.user_id)
        .outerjoin(QualifyingCheck, QualifyingCheck.applicant_id == Applicant.id)
        .where(
            User.is_active.is_(True),
            Applicant.user_id.in_(consenting),
            or_(QualifyingCheck.checked_on.is_(None), QualifyingCheck.checked_on < today),
        )
        .order_by(Applicant.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(Applicant.id > after)
    return [
        Person(a, u, lang or "zh", dict(facts or {}), checked)
        for a, u, lang, facts, checked in (await session.execute(stmt)).all()
    ]


async def mark_checked(
    session: AsyncSession, applicant_ids: Sequence[uuid.UUID], day: date
) -> None:
    """Sets each person's check day (a concurrent round setting the same day changes nothing)."""
    if not applicant_ids:
        return
    dialect = session.get_bind().dialect.name
    build = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = build(QualifyingCheck).values(
        [{"applicant_id": a, "checked_on": day} for a in applicant_ids]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[QualifyingCheck.applicant_id], set_={"checked_on": stmt.excluded.checked_on}
    )
    await session.execute(stmt)
