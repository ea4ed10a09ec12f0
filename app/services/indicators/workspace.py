"""The district leaders' page: what changed since the last published evaluation, which
indicators are behind, figures waiting for a second person, evaluations in progress, and when
the computed figures were last refreshed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.principal import Principal
from app.repositories import indicators as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.indicators import DistrictBoardRead, IndicatorRead, SnapshotRead
from app.services.indicators import board, computed, snapshots
from app.services.indicators.definitions import BY_CODE
from app.services.indicators.recording import require_evaluator
from app.workflow.indicators import (
    SNAPSHOTS,
    Progress,
    SnapshotEvent,
    SnapshotStatus,
    ValueStatus,
)


@dataclass(frozen=True, slots=True)
class Change:
    indicator: IndicatorRead
    before: float | None
    before_period: str | None
    now: float | None
    now_period: str | None


@dataclass(frozen=True, slots=True)
class PendingFigure:
    id: str
    indicator: IndicatorRead
    period: str
    value: float
    source: str
    source_url: str | None
    entered_at: datetime
    mine: bool  # the viewer recorded it, so cannot confirm it


@dataclass
class Workspace:
    district: str
    board: DistrictBoardRead
    since: SnapshotRead | None  # the last published evaluation compared against
    changes: list[Change] = field(default_factory=list)
    behind: list[IndicatorRead] = field(default_factory=list)
    pending: list[PendingFigure] = field(default_factory=list)
    in_progress: list[SnapshotRead] = field(default_factory=list)


async def workspace(session: AsyncSession, principal: Principal) -> Workspace:
    district = require_evaluator(principal)
    current = await board.district_board(session, district)
    views = {i.code: i for i in current.indicators}
    latest = current.snapshots[0] if current.snapshots else None
    changes = []
    if latest is not None:
        frozen = {item.indicator: item for item in latest.items}
        for view in current.indicators:
            item = frozen.get(view.code)
            now = view.latest
            before = item.value if item else None
            if (now.value if now else None) != before or (
                now and item and now.period != item.period
            ):
                changes.append(
                    Change(
                        view,
                        before,
                        item.period if item else None,
                        now.value if now else None,
                        now.period if now else None,
                    )
                )
    pending = [
        PendingFigure(
            id=str(row.id),
            indicator=views[row.indicator],
            period=board.period_label(row.year, row.quarter),
            value=row.value,
            source=row.source,
            source_url=row.source_url,
            entered_at=row.entered_at,
            mine=row.entered_by == principal.user_id,
        )
        for row in await repo.values(session, [district], [ValueStatus.PENDING])
        if row.indicator in BY_CODE
    ]
    working = await repo.snapshots(
        session, [district], [SnapshotStatus.DRAFT, SnapshotStatus.APPROVED]
    )
    return Workspace(
        district=district,
        board=current,
        since=latest,
        changes=changes,
        behind=[
            v
            for v in current.indicators
            if v.standing.progress in {Progress.BEHIND, Progress.AT_RISK}
        ],
        pending=pending,
        in_progress=await board.snapshot_reads(session, working),
    )


async def refresh_now(session: AsyncSession, principal: Principal) -> None:
    """The refresh button: the district's computed figures, worked out now."""
    district = require_evaluator(principal)
    await computed.refresh(session, district, trigger="on_demand", principal=principal)


@dataclass(frozen=True, slots=True)
class SnapshotPage:
    snapshot: SnapshotRead
    indicators: dict[str, IndicatorRead]
    can_edit: bool
    can_approve: bool  # the status allows it and the viewer did not write it
    can_reopen: bool
    can_publish: bool
    can_correct: bool
    wrote_it: bool


async def snapshot_page(
    session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID
) -> SnapshotPage:
    row = await snapshots.get(session, principal, snapshot_id)
    (view,) = await board.snapshot_reads(session, [row])
    current = await board.district_board(session, row.district)
    wrote = principal.user_id in {row.drafted_by, row.edited_by}
    newest = await repo.latest_version(session, row.district, row.kind, row.year)
    return SnapshotPage(
        snapshot=view,
        indicators={i.code: i for i in current.indicators},
        can_edit=SNAPSHOTS.allows(row.status, SnapshotEvent.EDIT),
        can_approve=SNAPSHOTS.allows(row.status, SnapshotEvent.APPROVE) and not wrote,
        can_reopen=SNAPSHOTS.allows(row.status, SnapshotEvent.REOPEN),
        can_publish=SNAPSHOTS.allows(row.status, SnapshotEvent.PUBLISH),
        can_correct=SNAPSHOTS.is_final(row.status) and newest == row.version,
        wrote_it=wrote,
    )
