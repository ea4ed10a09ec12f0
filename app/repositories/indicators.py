"""Indicator figures, evaluation snapshots and refreshes; and the named queries that compute
figures from the portal's own records (each tested in tests/integration/test_indicators.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    ApartmentUnit,
    Application,
    Case,
    IndicatorRefresh,
    IndicatorSnapshot,
    IndicatorSnapshotItem,
    IndicatorValue,
    Service,
)
from app.workflow.bundle import BUNDLE_SERVICE, ROUTE_SERVICES, SettlementRoute
from app.workflow.indicators import SnapshotStatus, ValueOrigin, ValueStatus
from app.workflow.states import CaseStatus

# Named queries -------------------------------------------------------------------------------


async def apartment_units_added(session: AsyncSession, district: str) -> list[datetime]:
    """When each unit of the district's talent-apartment inventory was added. Units are never
    retired (UnitStatus has no final status), so the units held at a date are those added
    before it."""
    stmt = select(ApartmentUnit.created_at).where(ApartmentUnit.district == district)
    return list((await session.execute(stmt)).scalars())


async def returnee_settlements_completed(session: AsyncSession, district: str) -> list[datetime]:
    """When each returnee settlement handled by the district through the portal was completed
    (its result handed over): the single-route service, and bundles on the returnee route."""
    returnee_service = ROUTE_SERVICES[SettlementRoute.RETURNEE]
    stmt = (
        select(
            Service.code,
            Application.answers,
            func.coalesce(Case.closed_at, Case.updated_at),
        )
        .join(Service, Service.id == Case.service_id)
        .join(Application, Application.id == Case.application_id)
        .where(
            Case.district == district,
            Case.parent_id.is_(None),
            Case.status.in_(sorted(CaseStatus.RESULT_HANDED_OVER)),
            Service.code.in_([returnee_service, BUNDLE_SERVICE]),
        )
    )
    done = []
    for code, answers, at in await session.execute(stmt):
        # The bundle's route lives in its answers (JSON), read here alike on both databases.
        if code == BUNDLE_SERVICE and answers.get("settlement_route") != SettlementRoute.RETURNEE:
            continue
        done.append(at)
    return done


SKILLS_SUBSIDY_SERVICE = "skills_subsidy"
HIGH_SKILL_LEVELS = frozenset({1, 2, 3})
"""高技能人才: senior workers (level 3, 高级工), technicians (2) and senior technicians (1)."""


async def high_skill_certifications(session: AsyncSession, district: str) -> list[datetime]:
    """When each skills subsidy the district decided through the portal for a certificate at
    level 3 or higher was completed: the newly certified high-skilled workers it has seen."""
    stmt = (
        select(Application.answers, func.coalesce(Case.closed_at, Case.updated_at))
        .join(Service, Service.id == Case.service_id)
        .join(Application, Application.id == Case.application_id)
        .where(
            Case.district == district,
            Case.parent_id.is_(None),
            Case.status.in_(sorted(CaseStatus.RESULT_HANDED_OVER)),
            Service.code == SKILLS_SUBSIDY_SERVICE,
        )
    )
    # The certificate's level is an answer (JSON), read here alike on both databases.
    return [
        at
        for answers, at in await session.execute(stmt)
        if answers.get("certificate_level") in HIGH_SKILL_LEVELS
    ]


# Figures -------------------------------------------------------------------------------------


async def values(
    session: AsyncSession, districts: Sequence[str], statuses: Sequence[ValueStatus]
) -> list[IndicatorValue]:
    stmt = (
        select(IndicatorValue)
        .where(
            IndicatorValue.district.in_(list(districts)),
            IndicatorValue.status.in_([s.value for s in statuses]),
        )
        .order_by(IndicatorValue.indicator, IndicatorValue.year, IndicatorValue.quarter_key)
    )
    return list((await session.execute(stmt)).scalars())


async def get_value(session: AsyncSession, value_id: uuid.UUID) -> IndicatorValue | None:
    return await session.get(IndicatorValue, value_id)


async def computed_value(
    session: AsyncSession, indicator: str, year: int, quarter: int | None
) -> IndicatorValue | None:
    stmt = select(IndicatorValue).where(
        IndicatorValue.indicator == indicator,
        IndicatorValue.year == year,
        IndicatorValue.quarter_key == (quarter or 0),
        IndicatorValue.origin == ValueOrigin.COMPUTED,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# Refreshes -----------------------------------------------------------------------------------


async def last_refresh(session: AsyncSession, district: str) -> IndicatorRefresh | None:
    stmt = (
        select(IndicatorRefresh)
        .where(IndicatorRefresh.district == district)
        .order_by(IndicatorRefresh.refreshed_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# Snapshots -----------------------------------------------------------------------------------


async def snapshots(
    session: AsyncSession, districts: Sequence[str], statuses: Sequence[SnapshotStatus]
) -> list[IndicatorSnapshot]:
    stmt = (
        select(IndicatorSnapshot)
        .where(
            IndicatorSnapshot.district.in_(list(districts)),
            IndicatorSnapshot.status.in_([s.value for s in statuses]),
        )
        .order_by(
            IndicatorSnapshot.year.desc(),
            IndicatorSnapshot.kind,
            IndicatorSnapshot.version.desc(),
        )
    )
    return list((await session.execute(stmt)).scalars())


async def get_snapshot(session: AsyncSession, snapshot_id: uuid.UUID) -> IndicatorSnapshot | None:
    return await session.get(IndicatorSnapshot, snapshot_id)


async def latest_version(session: AsyncSession, district: str, kind: str, year: int) -> int:
    stmt = select(func.max(IndicatorSnapshot.version)).where(
        IndicatorSnapshot.district == district,
        IndicatorSnapshot.kind == kind,
        IndicatorSnapshot.year == year,
    )
    return int((await session.execute(stmt)).scalar_one() or 0)


async def items(
    session: AsyncSession, snapshot_ids: Sequence[uuid.UUID]
) -> list[IndicatorSnapshotItem]:
    if not snapshot_ids:
        return []
    stmt = select(IndicatorSnapshotItem).where(
        IndicatorSnapshotItem.snapshot_id.in_(list(snapshot_ids))
    )
    return list((await session.execute(stmt)).scalars())


async def item(
    session: AsyncSession, snapshot_id: uuid.UUID, indicator: str
) -> IndicatorSnapshotItem | None:
    stmt = select(IndicatorSnapshotItem).where(
        IndicatorSnapshotItem.snapshot_id == snapshot_id,
        IndicatorSnapshotItem.indicator == indicator,
    )
    return (await session.execute(stmt)).scalar_one_or_none()
