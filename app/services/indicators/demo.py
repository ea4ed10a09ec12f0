"""Demo figures for the indicator pages: plausible yearly figures from the plans' baselines
towards their targets, and a published 2023 mid-term evaluation per district. Every row is
marked ``is_demo`` and every page that shows one says so. Idempotent."""

from __future__ import annotations

from app.models import IndicatorSnapshot, IndicatorValue
from app.models.base import utcnow
from app.repositories import indicators as repo
from app.repositories.unit_of_work import AsyncSession
from app.services.indicators import snapshots
from app.services.indicators.definitions import BY_CODE, DISTRICTS, MID_TERM_YEAR
from app.workflow.indicators import SnapshotKind, SnapshotStatus, ValueOrigin, ValueStatus

DEMO_SOURCE = "演示数据，非真实统计 / Demo data, not real statistics"

# 2021 to 2025. Changning 9 is computed from the portal's inventory; its demo years stand for
# the housing bureau's count before the units were on the portal.
DEMO_SERIES: dict[str, tuple[float, ...]] = {
    "yangpu.1": (39.4, 40.8, 42.1, 43.3, 44.6),
    "yangpu.2": (128, 134, 141, 149, 159),
    "yangpu.3": (96.1, 104.3, 112.8, 121.5, 128.0),
    "yangpu.4": (33.0, 34.1, 35.0, 35.9, 36.6),
    "yangpu.5": (58, 121, 176, 238, 305),
    "yangpu.6": (820, 1760, 2700, 3650, 4580),
    "yangpu.7": (1180, 1250, 1390, 1520, 1610),
    "yangpu.8": (7.1, 7.4, 7.9, 8.3, 8.6),
    "changning.1": (28.8, 29.4, 30.0, 30.6, 31.2),
    "changning.2": (48.9, 49.2, 49.5, 49.8, 50.1),
    "changning.3": (8, 17, 25, 33, 42),
    "changning.4": (30.2, 31.0, 32.1, 33.0, 33.8),
    "changning.5": (18.5, 19.6, 20.8, 22.0, 23.3),
    "changning.6": (71.0, 76.5, 82.3, 88.0, 93.4),
    "changning.7": (21, 42, 60, 81, 103),
    "changning.8": (0.32, 0.66, 1.01, 1.34, 1.69),
    "changning.9": (1650, 2480, 3300, 4050, 4720),
}
FIRST_YEAR = 2021


async def load(session: AsyncSession) -> bool:
    """Returns False when the demo figures were already there."""
    existing = await repo.values(session, list(DISTRICTS), [ValueStatus.CONFIRMED])
    if any(row.is_demo for row in existing):
        return False
    now = utcnow()
    for code, series in DEMO_SERIES.items():
        indicator = BY_CODE[code]
        for offset, value in enumerate(series):
            session.add(
                IndicatorValue(
                    indicator=code,
                    district=indicator.district,
                    year=FIRST_YEAR + offset,
                    quarter=None,
                    quarter_key=0,
                    value=float(value),
                    origin=ValueOrigin.RECORDED,
                    status=ValueStatus.CONFIRMED,
                    source=DEMO_SOURCE,
                    is_demo=True,
                    entered_at=now,
                    decided_at=now,
                )
            )
    await session.flush()
    for district in DISTRICTS:
        await _mid_term(session, district)
    return True


async def _mid_term(session: AsyncSession, district: str) -> None:
    if await repo.latest_version(session, district, SnapshotKind.MID_TERM, MID_TERM_YEAR):
        return
    now = utcnow()
    snapshot = IndicatorSnapshot(
        district=district,
        kind=SnapshotKind.MID_TERM,
        year=MID_TERM_YEAR,
        version=1,
        status=SnapshotStatus.DRAFT,
        is_demo=True,
        drafted_at=now,
    )
    session.add(snapshot)
    await session.flush()
    narratives = {
        code: (
            f"演示：{BY_CODE[code].name_zh}至{MID_TERM_YEAR}年的进展（演示数据）。",
            f"Demo: {BY_CODE[code].name_en} up to {MID_TERM_YEAR} (demo data).",
        )
        for code in DEMO_SERIES
        if BY_CODE[code].district == district
    }
    await snapshots.freeze(session, snapshot, narratives)
    snapshot.status = SnapshotStatus.APPROVED
    snapshot.approved_at = now
    await session.flush()
    snapshot.status = SnapshotStatus.PUBLISHED
    snapshot.published_at = now
    await session.flush()
