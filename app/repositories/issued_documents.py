"""Queries for issued documents (verifiable decisions and letters) and a case's video checks.
The verification page reads by token (public); everything else is reached through a case the
caller may read (``cases.get_case``) or by the worker."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Case, CaseEvent, IssuedDocument, StaffMember, VideoCheck


async def by_subject(session: AsyncSession, kind: str, subject_ref: str) -> IssuedDocument | None:
    stmt = select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.subject_ref == subject_ref
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_token(session: AsyncSession, token: str) -> IssuedDocument | None:
    stmt = select(IssuedDocument).where(IssuedDocument.token == token)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_for_update(session: AsyncSession, doc_id: uuid.UUID) -> IssuedDocument | None:
    # The worker's round and a download may render the same document at once; the second
    # waits here and finds it issued.
    stmt = select(IssuedDocument).where(IssuedDocument.id == doc_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def for_case(session: AsyncSession, case_id: uuid.UUID) -> list[IssuedDocument]:
    stmt = (
        select(IssuedDocument)
        .where(IssuedDocument.case_id == case_id)
        .order_by(IssuedDocument.issued_at, IssuedDocument.id)
    )
    return list((await session.execute(stmt)).scalars())


async def pending(
    session: AsyncSession, pending_status: str, max_attempts: int, limit: int
) -> list[uuid.UUID]:
    stmt = (
        select(IssuedDocument.id)
        .where(
            IssuedDocument.status == pending_status,
            IssuedDocument.render_attempts < max_attempts,
        )
        .order_by(IssuedDocument.issued_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_attempt(session: AsyncSession, doc_id: uuid.UUID) -> None:
    await session.execute(
        update(IssuedDocument)
        .where(IssuedDocument.id == doc_id)
        .values(render_attempts=IssuedDocument.render_attempts + 1)
    )


async def decision_events(
    session: AsyncSession, actions: Collection[str], after: uuid.UUID | None, limit: int
) -> list[tuple[CaseEvent, Case]]:
    """Decisions on top-level cases (a person's or an organisation's), in id order from
    ``after`` (a page)."""
    stmt = (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.action.in_(list(actions)),
            Case.parent_id.is_(None),
        )
        .order_by(CaseEvent.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(CaseEvent.id > after)
    return [(e, c) for e, c in (await session.execute(stmt)).all()]


async def subject_refs(session: AsyncSession, kind: str, refs: Collection[str]) -> set[str]:
    stmt = select(IssuedDocument.subject_ref).where(
        IssuedDocument.kind == kind, IssuedDocument.subject_ref.in_(list(refs))
    )
    return set((await session.execute(stmt)).scalars())


async def video_checks(session: AsyncSession, case_id: uuid.UUID) -> list[VideoCheck]:
    stmt = (
        select(VideoCheck)
        .where(VideoCheck.case_id == case_id)
        .order_by(VideoCheck.scheduled_at, VideoCheck.id)
    )
    return list((await session.execute(stmt)).scalars())


async def video_check_for_update(
    session: AsyncSession, case_id: uuid.UUID, check_id: uuid.UUID
) -> VideoCheck | None:
    stmt = (
        select(VideoCheck)
        .where(VideoCheck.id == check_id, VideoCheck.case_id == case_id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def staff_names(
    session: AsyncSession, staff_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not staff_ids:
        return {}
    stmt = select(StaffMember.id, StaffMember.full_name).where(StaffMember.id.in_(list(staff_ids)))
    return {row.id: row.full_name for row in (await session.execute(stmt)).all()}
