"""Work that follows a case: schedules (reminders, 容缺 expiry), commitment checks (告知承诺),
ratings (好差评) and their call-backs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import (
    Case,
    CaseSchedule,
    FollowUpTask,
    Rating,
)
from app.repositories.cases import cases_readable_by
from app.workflow.schedules import ScheduleKind, ScheduleStatus
from app.workflow.tasks import FollowUpStatus
from app.workflow.values import FollowUp


async def pending_schedules(
    session: AsyncSession, case_id: uuid.UUID, follow_up: str | None
) -> list[CaseSchedule]:
    """Open schedules of one follow-up group; None: every reminder and scheduled action, but
    not verification tasks, which are only ever named by their own group."""
    stmt = select(CaseSchedule).where(
        CaseSchedule.case_id == case_id, CaseSchedule.status == ScheduleStatus.PENDING
    )
    if follow_up is None:
        stmt = stmt.where(CaseSchedule.kind != ScheduleKind.VERIFICATION)
    elif follow_up == FollowUp.COMMITMENT_VERIFICATION:
        stmt = stmt.where(CaseSchedule.kind == ScheduleKind.VERIFICATION)
    else:
        stmt = stmt.where(CaseSchedule.follow_up == follow_up)
    return list((await session.execute(stmt)).scalars())


async def rating_for(session: AsyncSession, case_id: uuid.UUID) -> Rating | None:
    return (
        await session.execute(select(Rating).where(Rating.case_id == case_id))
    ).scalar_one_or_none()


async def open_follow_ups(
    session: AsyncSession, district: str, department: str | None
) -> list[tuple[FollowUpTask, Rating]]:
    """Open 回访 tasks of the district (and department, if given), earliest due first."""
    stmt = (
        select(FollowUpTask, Rating)
        .join(Rating, Rating.id == FollowUpTask.rating_id)
        .where(FollowUpTask.district == district, FollowUpTask.status == FollowUpStatus.OPEN)
        .order_by(FollowUpTask.due_date, FollowUpTask.id)
    )
    if department is not None:
        stmt = stmt.where(FollowUpTask.department == department)
    return [(task, rating) for task, rating in (await session.execute(stmt)).all()]


async def lock_follow_up(
    session: AsyncSession, district: str, task_id: uuid.UUID
) -> tuple[FollowUpTask, Rating] | None:
    stmt = (
        select(FollowUpTask, Rating)
        .join(Rating, Rating.id == FollowUpTask.rating_id)
        .where(FollowUpTask.id == task_id, FollowUpTask.district == district)
        .with_for_update(of=FollowUpTask)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def rating_summary(session: AsyncSession, district: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name, column in (
        ("service", Rating.service_id),
        ("department", Rating.department),
        ("window", Rating.window_staff_id),
    ):
        stmt = (
            select(column, func.count(), func.avg(Rating.score))
            .where(Rating.district == district)
            .group_by(column)
        )
        out[name] = [
            {
                "key": key,
                "window": key if name == "window" else None,
                "count": count,
                "average": round(float(avg), 2),
            }
            for key, count, avg in (await session.execute(stmt))
        ]
    return out


async def due_schedule_ids(session: AsyncSession, day: date) -> list[uuid.UUID]:
    stmt = (
        select(CaseSchedule.id)
        .where(
            CaseSchedule.status == ScheduleStatus.PENDING,
            CaseSchedule.due_on <= day,
            CaseSchedule.kind.in_(sorted(ScheduleKind.RUN_BY_WORKER)),
        )
        .order_by(CaseSchedule.due_on)
        .limit(500)
    )
    return list((await session.execute(stmt)).scalars())


async def lock_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> CaseSchedule | None:
    stmt = (
        select(CaseSchedule).where(CaseSchedule.id == schedule_id).with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_verifications(
    session: AsyncSession, principal: Principal, department: str
) -> list[tuple[CaseSchedule, Case]]:
    """Open verification tasks of the caller's district and this department, earliest due first."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(CaseSchedule)
        .join(CaseSchedule, CaseSchedule.case_id == Case.id)
        .where(
            Case.department == department,
            CaseSchedule.kind == ScheduleKind.VERIFICATION,
            CaseSchedule.status == ScheduleStatus.PENDING,
        )
        .order_by(CaseSchedule.due_on, Case.number)
    )
    return [(schedule, case) for case, schedule in (await session.execute(stmt)).all()]


async def lock_verification(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID
) -> tuple[CaseSchedule, Case] | None:
    """A verification task of a case the caller may read, locked against a second verifier."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(CaseSchedule)
        .join(CaseSchedule, CaseSchedule.case_id == Case.id)
        .where(CaseSchedule.id == task_id, CaseSchedule.kind == ScheduleKind.VERIFICATION)
        .with_for_update(of=CaseSchedule)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[1], row[0]) if row else None


async def verifications_of(session: AsyncSession, case_id: uuid.UUID) -> list[CaseSchedule]:
    stmt = (
        select(CaseSchedule)
        .where(CaseSchedule.case_id == case_id, CaseSchedule.kind == ScheduleKind.VERIFICATION)
        .order_by(CaseSchedule.due_on)
    )
    return list((await session.execute(stmt)).scalars())
