"""Issue 21, item 7: a promised date is one date. The 人才落户一件事 bundle promised the catalog's
20 working days on submission, then its parts' longest chain on acceptance, so the confirmation
said 2027-01-04 and the case page and the acceptance e-mail 2026-12-31. Submission now promises
the chain of the parts the answers lead to, which acceptance keeps."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import OutboxMessage
from tests.integration.test_settlement_bundle import (  # noqa: F401 - fixtures used by name
    act,
    fill_and_submit,
    person,
    sim,
    simulator,
    staff,
    start_bundle,
)
from tests.support.simulator import RunningSimulator

pytestmark = pytest.mark.usefixtures("isolated_db")


async def accept_mail_deadline(
    sm: async_sessionmaker[AsyncSession], user_id: str, case_id: str
) -> list[object]:
    """The dates the acceptance e-mail of the bundle (not of its parts) promises."""
    async with sm() as session:
        payloads: list[dict[str, Any]] = list(
            (
                await session.execute(
                    select(OutboxMessage.payload).where(
                        OutboxMessage.recipient_user_id == uuid.UUID(user_id),
                        OutboxMessage.template == "case.accept",
                    )
                )
            ).scalars()
        )
    # Every acceptance message of the bundle (the acceptance and its dispatch to the parts).
    return [p["params"]["deadline"] for p in payloads if p["params"]["case_id"] == case_id]


async def test_the_bundle_promises_one_date_on_confirmation_case_page_and_email(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    sim: RunningSimulator,  # noqa: F811
) -> None:
    user = await person(client, "刘洋")
    draft = await start_bundle(client, user, sessionmaker)
    submitted = await fill_and_submit(client, user, draft, route="returnee")
    promised = submitted["deadline"]["due_on"]

    window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
    accepted = await act(client, window, submitted["id"], "accept")
    assert accepted["status"] == "in_progress"
    assert accepted["deadline"]["due_on"] == promised
    mine = (await client.get(f"/api/v1/cases/{submitted['id']}", headers=user.headers)).json()
    assert mine["deadline"]["due_on"] == promised
    mailed = await accept_mail_deadline(sessionmaker, user.account["user_id"], submitted["id"])
    assert mailed and all(d == {"date": promised} for d in mailed), mailed


async def test_times_in_the_api_carry_their_offset(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    sim: RunningSimulator,  # noqa: F811
) -> None:
    user = await person(client, "刘洋")
    draft = await start_bundle(client, user, sessionmaker)
    case = await fill_and_submit(client, user, draft, route="returnee")
    for value in [case["submitted_at"], *(t["at"] for t in case["timeline"])]:
        assert datetime.fromisoformat(value).utcoffset() is not None, value
