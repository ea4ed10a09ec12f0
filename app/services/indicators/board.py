"""The indicators as everyone sees them: each with its figures by year, where it stands on the
straight line to its target, and the published evaluations. One view feeds the public page,
the CSV and ``/api/v1/indicators``, so they cannot disagree."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.models import IndicatorSnapshot, IndicatorValue
from app.models.base import utcnow
from app.repositories import indicators as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.indicators import (
    BoardRead,
    DistrictBoardRead,
    FigureRead,
    IndicatorRead,
    SnapshotItemRead,
    SnapshotRead,
    StandingRead,
    ThresholdsRead,
)
from app.services.indicators import progress
from app.services.indicators.definitions import (
    DISTRICTS,
    PLAN_START_YEAR,
    PLAN_TITLES,
    TARGET_YEAR,
    Indicator,
    for_district,
)
from app.workflow.indicators import Progress, SnapshotKind, SnapshotStatus, ValueOrigin, ValueStatus

BASELINE = "baseline"


def period_label(year: int, quarter: int | None) -> str:
    return f"{year}-Q{quarter}" if quarter else str(year)


def figure(row: IndicatorValue) -> FigureRead:
    return FigureRead(
        period=period_label(row.year, row.quarter),
        year=row.year,
        quarter=row.quarter,
        value=row.value,
        method=row.origin,
        source=row.source,
        source_url=row.source_url,
        is_demo=row.is_demo,
    )


def _chosen(rows: Sequence[IndicatorValue]) -> dict[tuple[int, int], IndicatorValue]:
    """One figure per period: a confirmed recorded figure stands over a computed one (the
    district's count for a period before its records were on the portal), and the latest
    confirmed of several recorded ones (a correction) over the earlier."""
    chosen: dict[tuple[int, int], IndicatorValue] = {}
    for row in rows:
        key = (row.year, row.quarter_key)
        held = chosen.get(key)
        if held is None or _rank(row) >= _rank(held):
            chosen[key] = row
    return chosen


def _rank(row: IndicatorValue) -> tuple[int, float]:
    recorded = row.origin == ValueOrigin.RECORDED
    decided = row.decided_at.timestamp() if row.decided_at else 0.0
    return (1 if recorded else 0, decided)


def indicator_view(indicator: Indicator, rows: Sequence[IndicatorValue]) -> IndicatorRead:
    computed_rows = [r for r in rows if r.origin == ValueOrigin.COMPUTED]
    main_rows = list(rows) if indicator.computed else [r for r in rows if r not in computed_rows]
    chosen = _chosen(main_rows)
    yearly = [figure(chosen[k]) for k in sorted(chosen) if not k[1]]
    quarters = [figure(chosen[k]) for k in sorted(chosen) if k[1]]
    series: list[FigureRead] = []
    if indicator.baseline is not None:
        series.append(
            FigureRead(
                period=str(PLAN_START_YEAR),
                year=PLAN_START_YEAR,
                value=indicator.baseline,
                method=BASELINE,
                source=indicator.baseline_source or "",
            )
        )
    series += [f for f in yearly if f.year > PLAN_START_YEAR or indicator.baseline is None]
    standing = progress.standing(
        baseline=indicator.baseline,
        baseline_year=PLAN_START_YEAR,
        target=indicator.target,
        target_year=TARGET_YEAR,
        series=[(f.year, f.value) for f in series if f.method != BASELINE],
    )
    part = None
    if not indicator.computed and indicator.query and computed_rows:
        years = [r for r in computed_rows if r.quarter is None]
        part = figure(max(years, key=lambda r: r.year)) if years else None
    return IndicatorRead(
        code=indicator.code,
        district=indicator.district,
        number=indicator.number,
        name_zh=indicator.name_zh,
        name_en=indicator.name_en,
        unit_zh=indicator.unit_zh,
        unit_en=indicator.unit_en,
        target=indicator.target,
        target_text=indicator.target_text,
        target_year=TARGET_YEAR,
        binding=indicator.binding,
        baseline=indicator.baseline,
        baseline_year=PLAN_START_YEAR if indicator.baseline is not None else None,
        baseline_source=indicator.baseline_source,
        method=indicator.origin.value,
        method_zh=indicator.method_zh,
        method_en=indicator.method_en,
        latest=next((f for f in reversed(series) if f.method != BASELINE), None),
        standing=StandingRead(
            progress=standing.progress,
            expected=standing.expected,
            share_of_target=standing.share_of_target,
            start=standing.start,
            start_year=standing.start_year,
            start_from_record=standing.start_from_record,
        ),
        values=series,
        quarters=quarters,
        portal_part=part,
        portal_part_zh=indicator.part_zh.format(n=int(part.value))
        if part and indicator.part_zh
        else None,
        portal_part_en=indicator.part_en.format(n=int(part.value))
        if part and indicator.part_en
        else None,
    )


async def snapshot_reads(
    session: AsyncSession, snapshots: Sequence[IndicatorSnapshot]
) -> list[SnapshotRead]:
    by_snapshot: dict[object, list[SnapshotItemRead]] = {}
    for item in await repo.items(session, [s.id for s in snapshots]):
        by_snapshot.setdefault(item.snapshot_id, []).append(
            SnapshotItemRead(
                indicator=item.indicator,
                period=item.period,
                value=item.value,
                expected=item.expected,
                progress=Progress(item.progress),
                method=item.origin,
                source=item.source,
                is_demo=item.is_demo,
                narrative_zh=item.narrative_zh,
                narrative_en=item.narrative_en,
            )
        )
    newer = {s.corrects_id: s.version for s in snapshots if s.corrects_id}
    order = {i.code: (i.district, i.number) for d in DISTRICTS for i in for_district(d)}
    return [
        SnapshotRead(
            id=s.id,
            district=s.district,
            kind=SnapshotKind(s.kind),
            year=s.year,
            version=s.version,
            status=s.status,
            corrects_id=s.corrects_id,
            correction_reason=s.correction_reason,
            superseded_by_version=newer.get(s.id),
            drafted_at=s.drafted_at,
            approved_at=s.approved_at,
            published_at=s.published_at,
            is_demo=s.is_demo,
            items=sorted(by_snapshot.get(s.id, []), key=lambda i: order.get(i.indicator, ("", 0))),
        )
        for s in snapshots
    ]


async def district_board(session: AsyncSession, district: str) -> DistrictBoardRead:
    rows = await repo.values(session, [district], [ValueStatus.CONFIRMED])
    published = await repo.snapshots(session, [district], [SnapshotStatus.PUBLISHED])
    refreshed = await repo.last_refresh(session, district)
    zh, en = PLAN_TITLES[district]
    return DistrictBoardRead(
        district=district,
        plan_title_zh=zh,
        plan_title_en=en,
        last_refresh=refreshed.refreshed_at if refreshed else None,
        indicators=[
            indicator_view(i, [r for r in rows if r.indicator == i.code])
            for i in for_district(district)
        ],
        snapshots=await snapshot_reads(session, published),
    )


async def board(session: AsyncSession) -> BoardRead:
    districts = [await district_board(session, d) for d in DISTRICTS]
    demo = any(
        f.is_demo
        for d in districts
        for i in d.indicators
        for f in [*i.values, *i.quarters, *([i.portal_part] if i.portal_part else [])]
    ) or any(s.is_demo for d in districts for s in d.snapshots)
    return BoardRead(
        generated_at=utcnow(),
        thresholds=ThresholdsRead(on_track_at=progress.ON_TRACK_AT, at_risk_at=progress.AT_RISK_AT),
        has_demo_data=demo,
        districts=districts,
    )


CSV_COLUMNS = (
    "district",
    "number",
    "code",
    "name_zh",
    "name_en",
    "unit_zh",
    "unit_en",
    "kind",
    "target",
    "target_year",
    "period",
    "value",
    "method",
    "method_description_en",
    "source",
    "source_url",
    "demo_data",
    "progress",
)


def as_csv(data: BoardRead) -> str:
    """One row per figure, each carrying its indicator, method and source."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for district in data.districts:
        for i in district.indicators:
            figures = [*i.values, *i.quarters]
            if i.portal_part is not None:
                figures.append(i.portal_part.model_copy(update={"method": "computed_part"}))
            for f in figures:
                writer.writerow(
                    [
                        i.district,
                        i.number,
                        i.code,
                        i.name_zh,
                        i.name_en,
                        i.unit_zh,
                        i.unit_en,
                        "binding" if i.binding else "expected",
                        i.target_text or f"{i.target:g}",
                        i.target_year,
                        f.period,
                        f"{f.value:g}",
                        f.method,
                        i.method_en if f.method != BASELINE else "The plan's own 2020 figure",
                        f.source,
                        f.source_url or "",
                        "yes" if f.is_demo else "no",
                        i.standing.progress.value if f is i.latest else "",
                    ]
                )
    return out.getvalue()
