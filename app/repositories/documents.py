"""Queries for wallet documents, scoped to their owner (or the staff handling their case)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import Document


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


async def get(session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    return await session.get(Document, document_id)
