"""Helpers shared by the notification tests: recipients, enqueueing, reading outbox rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.settings import get_notification_settings
from app.models import InAppMessage, OutboxMessage
from app.services import notifications
from tests import factories as f

ACCEPT_PAYLOAD: dict[str, Any] = {
    "case_number": "YP-2026-000123",
    "service_name": {"zh": "人才公寓租赁", "en": "Talent apartment"},
    "deadline": date(2026, 12, 1),
}


@contextmanager
def env(**values: str) -> Iterator[None]:
    """Sets TALENT_* variables for the notification settings, restoring them afterwards."""
    names = {f"TALENT_{k.upper()}": v for k, v in values.items()}
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(names)
    get_notification_settings.cache_clear()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_notification_settings.cache_clear()


async def applicant(
    client: httpx.AsyncClient, *, language: str = "zh", overseas: bool = False
) -> f.ApiUser:
    payload = f.overseas_payload() if overseas else f.domestic_payload()
    payload["language"] = language
    if not overseas:
        # The factory varies only 3 digits of the ID number; these tests register dozens.
        birth = date(1980, 1, 1) + timedelta(days=uuid.uuid4().int % 7000)
        payload["id_number"] = f.resident_id(birth.strftime("%Y%m%d"))
        # A unique number per applicant, so the gateway's records tell recipients apart.
        payload["mobile"] = "139" + f"{uuid.uuid4().int % 10**8:08d}"
    return await f.register_and_login(client, payload)


def user_id(user: f.ApiUser) -> uuid.UUID:
    return uuid.UUID(str(user.account["user_id"]))


async def enqueue(
    sessionmaker: async_sessionmaker[AsyncSession],
    recipient: uuid.UUID,
    *,
    template: str = "case.accept",
    payload: dict[str, Any] | None = None,
    language: str = "zh",
    dedup_key: str | None = None,
    channels: Collection[str] | None = None,
) -> list[OutboxMessage]:
    async with sessionmaker() as session, session.begin():
        return await notifications.enqueue(
            session,
            recipient_user_id=recipient,
            template=template,
            payload=ACCEPT_PAYLOAD if payload is None else payload,
            language=language,
            dedup_key=dedup_key or f"test:{uuid.uuid4()}",
            channels=channels,
        )


async def outbox_rows(
    sessionmaker: async_sessionmaker[AsyncSession], ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, OutboxMessage]:
    async with sessionmaker() as session:
        found = await session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        return {row.id: row for row in found.scalars()}


async def inapp_for(
    sessionmaker: async_sessionmaker[AsyncSession], outbox_ids: Collection[uuid.UUID]
) -> list[InAppMessage]:
    async with sessionmaker() as session:
        stmt = select(InAppMessage).where(InAppMessage.outbox_id.in_(outbox_ids))
        return list((await session.execute(stmt)).scalars())
