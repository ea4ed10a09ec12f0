"""Evaluations: the annual ones and the plans' 2023 mid-term one. A district admin freezes
every indicator's figure in a draft and writes a short narrative for each (zh and en); a second
admin approves; then it is published and never changes. A correction is a new version, drafted
from the figures as they now stand, that says why."""

from __future__ import annotations

import uuid

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import IndicatorSnapshot, IndicatorSnapshotItem
from app.models.base import utcnow
from app.repositories import indicators as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.indicators import CorrectionRequest, IndicatorRead, NarrativeUpdate, SnapshotDraft
from app.services import audit
from app.services.indicators import board, progress
from app.services.indicators.definitions import MID_TERM_YEAR, PLAN_START_YEAR, TARGET_YEAR
from app.services.indicators.recording import advance, district_indicator, require_evaluator
from app.workflow.indicators import SNAPSHOTS, SnapshotEvent, SnapshotKind, SnapshotStatus

SAME_AUTHOR = N_(
    "You drafted or wrote in this evaluation; another district administrator must approve it."
)


def _frozen_item(snapshot: IndicatorSnapshot, view: IndicatorRead) -> IndicatorSnapshotItem:
    """The indicator as it stood for the evaluation's year: its figure for that year (or the
    latest before it) and its rating on the line for that year."""
    figures = [f for f in view.values if f.year <= snapshot.year]
    measured = [f for f in figures if f.method != board.BASELINE]
    standing = progress.standing(
        baseline=view.baseline,
        baseline_year=PLAN_START_YEAR,
        target=view.target,
        target_year=TARGET_YEAR,
        series=[(f.year, f.value) for f in measured],
    )
    last = measured[-1] if measured else None
    return IndicatorSnapshotItem(
        snapshot_id=snapshot.id,
        indicator=view.code,
        period=last.period if last else None,
        value=last.value if last else None,
        expected=standing.expected,
        progress=standing.progress,
        origin=last.method if last else None,
        source=last.source if last else None,
        is_demo=last.is_demo if last else False,
        narrative_zh="",
        narrative_en="",
    )


async def freeze(
    session: AsyncSession,
    snapshot: IndicatorSnapshot,
    narratives: dict[str, tuple[str, str]] | None = None,
) -> None:
    current = await board.district_board(session, snapshot.district)
    for view in current.indicators:
        item = _frozen_item(snapshot, view)
        if narratives and view.code in narratives:
            item.narrative_zh, item.narrative_en = narratives[view.code]
        session.add(item)
    await session.flush()


async def draft(
    session: AsyncSession, principal: Principal, data: SnapshotDraft
) -> IndicatorSnapshot:
    district = require_evaluator(principal)
    if data.kind is SnapshotKind.MID_TERM and data.year != MID_TERM_YEAR:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "year",
                    "mid_term_year",
                    N_("The plans' mid-term evaluation is for {year}."),
                    {"year": MID_TERM_YEAR},
                )
            ]
        )
    if await repo.latest_version(session, district, data.kind, data.year):
        raise Conflict(
            N_(
                "This evaluation has already been started. Continue its draft, or publish a "
                "correction of the published one."
            )
        )
    snapshot = IndicatorSnapshot(
        district=district,
        kind=data.kind,
        year=data.year,
        version=1,
        status=SnapshotStatus.DRAFT,
        drafted_by=principal.user_id,
        drafted_at=utcnow(),
    )
    session.add(snapshot)
    await session.flush()
    await freeze(session, snapshot)
    await _audit(session, principal, "indicators.snapshot_drafted", snapshot)
    return snapshot


async def _own(
    session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID
) -> IndicatorSnapshot:
    district = require_evaluator(principal)
    snapshot = await repo.get_snapshot(session, snapshot_id)
    if snapshot is None or snapshot.district != district:
        raise NotFound()
    return snapshot


async def get(
    session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID
) -> IndicatorSnapshot:
    return await _own(session, principal, snapshot_id)


async def write_narrative(
    session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID, data: NarrativeUpdate
) -> None:
    snapshot = await _own(session, principal, snapshot_id)
    # Checked before anything is touched: a published evaluation refuses here, and the
    # database trigger would refuse the write itself.
    snapshot.status = advance(SNAPSHOTS, snapshot.status, SnapshotEvent.EDIT)
    district_indicator(snapshot.district, data.indicator)
    item = await repo.item(session, snapshot.id, data.indicator)
    if item is None:
        raise NotFound()
    item.narrative_zh = data.narrative_zh
    item.narrative_en = data.narrative_en
    snapshot.edited_by = principal.user_id
    await session.flush()
    await _audit(
        session, principal, "indicators.snapshot_narrative", snapshot, indicator=data.indicator
    )


async def approve(session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID) -> None:
    snapshot = await _own(session, principal, snapshot_id)
    if principal.user_id in {snapshot.drafted_by, snapshot.edited_by}:
        raise PermissionDenied(SAME_AUTHOR)
    missing = [
        i.indicator
        for i in await repo.items(session, [snapshot.id])
        if not (i.narrative_zh and i.narrative_en)
    ]
    if missing:
        raise ValidationFailed(
            N_(
                "Every indicator needs its narrative in Chinese and English before approval. "
                "Missing: {missing}."
            ),
            params={"missing": ", ".join(sorted(missing))},
        )
    snapshot.status = advance(SNAPSHOTS, snapshot.status, SnapshotEvent.APPROVE)
    snapshot.approved_by = principal.user_id
    snapshot.approved_at = utcnow()
    await session.flush()
    await _audit(session, principal, "indicators.snapshot_approved", snapshot)


async def reopen(session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID) -> None:
    snapshot = await _own(session, principal, snapshot_id)
    snapshot.status = advance(SNAPSHOTS, snapshot.status, SnapshotEvent.REOPEN)
    snapshot.approved_by = None
    snapshot.approved_at = None
    await session.flush()
    await _audit(session, principal, "indicators.snapshot_reopened", snapshot)


async def publish(session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID) -> None:
    snapshot = await _own(session, principal, snapshot_id)
    snapshot.status = advance(SNAPSHOTS, snapshot.status, SnapshotEvent.PUBLISH)
    snapshot.published_by = principal.user_id
    snapshot.published_at = utcnow()
    await session.flush()
    await _audit(session, principal, "indicators.snapshot_published", snapshot)


async def correct(
    session: AsyncSession, principal: Principal, snapshot_id: uuid.UUID, data: CorrectionRequest
) -> IndicatorSnapshot:
    """A new draft version of a published evaluation, with the figures as they stand now and
    the earlier narratives to start from; the published one stays as it was."""
    old = await _own(session, principal, snapshot_id)
    if SnapshotStatus(old.status) is not SnapshotStatus.PUBLISHED:
        raise Conflict(N_("Only a published evaluation is corrected; change the draft instead."))
    version = await repo.latest_version(session, old.district, old.kind, old.year)
    if version != old.version:
        raise Conflict(N_("A newer version of this evaluation exists; correct that one."))
    new = IndicatorSnapshot(
        district=old.district,
        kind=old.kind,
        year=old.year,
        version=version + 1,
        status=SnapshotStatus.DRAFT,
        corrects_id=old.id,
        correction_reason=data.reason,
        drafted_by=principal.user_id,
        drafted_at=utcnow(),
    )
    session.add(new)
    await session.flush()
    earlier = {
        i.indicator: (i.narrative_zh, i.narrative_en) for i in await repo.items(session, [old.id])
    }
    await freeze(session, new, earlier)
    await _audit(session, principal, "indicators.snapshot_corrected", new, reason=data.reason)
    return new


async def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    snapshot: IndicatorSnapshot,
    **detail: str,
) -> None:
    await audit.record(
        session,
        action,
        actor=principal,
        object_type="indicator_snapshot",
        object_id=snapshot.id,
        detail={
            "kind": snapshot.kind,
            "year": snapshot.year,
            "version": snapshot.version,
            "status": snapshot.status,
            **detail,
        },
        district=snapshot.district,
    )
