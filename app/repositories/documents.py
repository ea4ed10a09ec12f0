"""Queries for wallet documents, scoped to their owner (or the staff handling their case)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import Document, StaffMember


def readable_by(principal: Principal) -> Select[Document]:
    stmt = select(Document).where(Document.deleted_at.is_(None))
    if principal.applicant_id is not None:
        return stmt.where(Document.owner_applicant_id == principal.applicant_id)
    # Staff read documents through the cases they handle (case repository); never directly.
    return stmt.where(Document.id.is_(None))


async def list_for(session: AsyncSession, principal: Principal) -> list[Document]:
    stmt = readable_by(principal).order_by(Document.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def get_readable(
    session: AsyncSession, principal: Principal, document_id: uuid.UUID
) -> Document | None:
    stmt = readable_by(principal).where(Document.id == document_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def usage_of(session: AsyncSession, applicant_id: uuid.UUID) -> tuple[int, int]:
    """How many documents an applicant keeps, and their bytes; what the portal issued to them
    (written decisions) does not count against their quota."""
    stmt = select(func.count(Document.id), func.coalesce(func.sum(Document.size_bytes), 0)).where(
        Document.owner_applicant_id == applicant_id,
        Document.deleted_at.is_(None),
        Document.uploaded_by_user_id.is_not(None),
    )
    count, size = (await session.execute(stmt)).one()
    return int(count), int(size)


async def get(session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    return await session.get(Document, document_id)


async def get_for_update(session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    stmt = select(Document).where(Document.id == document_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_many(session: AsyncSession, ids: set[uuid.UUID]) -> list[Document]:
    if not ids:
        return []
    return list((await session.execute(select(Document).where(Document.id.in_(ids)))).scalars())


async def staff_names_by_user(
    session: AsyncSession, user_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(StaffMember.user_id, StaffMember.full_name).where(StaffMember.user_id.in_(user_ids))
    )
    return dict(rows.all())
