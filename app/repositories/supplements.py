"""Queries for supplements (补正): the files sent for each requested item and the record of what
was sent. The case itself is read through ``cases.get_case`` (scoped to the caller) first."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CaseDocument, Document, SupplementRequest


async def item_files(
    session: AsyncSession, case_id: uuid.UUID, prefix: str
) -> list[tuple[CaseDocument, Document]]:
    """The documents attached to the case for the items of one request (``prefix``), oldest
    first."""
    stmt = (
        select(CaseDocument, Document)
        .join(Document, Document.id == CaseDocument.document_id)
        .where(CaseDocument.case_id == case_id, CaseDocument.requirement.startswith(prefix))
        .order_by(CaseDocument.attached_at, CaseDocument.id)
    )
    return [(cd, doc) for cd, doc in (await session.execute(stmt)).all()]


async def sent_records(session: AsyncSession, case_id: uuid.UUID) -> list[SupplementRequest]:
    stmt = select(SupplementRequest).where(SupplementRequest.case_id == case_id)
    return list((await session.execute(stmt)).scalars())
