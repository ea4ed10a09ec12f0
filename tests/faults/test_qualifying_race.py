"""Two senders of one notice of newly qualifying at the same moment on PostgreSQL, each in a
transaction on a connection of its own (issue 17: "sent once per person and policy version"):
two workers' daily rounds, and ten re-evaluations at once. The unique key of qualifying_notice
decides: the insert of the later sender waits for the first to commit and then adds nothing,
so exactly one notice row and one message per channel exist."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import OutboxMessage, QualifyingCheck, QualifyingNotice
from app.services.eligibility import qualifying
from tests.faults.conftest import report
from tests.integration.test_qualifying_notices import (
    TODAY,
    YOUTH,
    YOUTH_VERSION,
    applicant_id,
    person,
    youth_facts,
)

pytestmark = pytest.mark.timeout(300)

SENDERS = 10


async def counts(
    sm: async_sessionmaker[AsyncSession], who_applicant: uuid.UUID, user_id: uuid.UUID
) -> tuple[int, int, int]:
    async with sm() as session:
        notices = await session.scalar(
            select(func.count())
            .select_from(QualifyingNotice)
            .where(QualifyingNotice.applicant_id == who_applicant)
        )
        messages = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.recipient_user_id == user_id,
                OutboxMessage.template == qualifying.TEMPLATE,
            )
        )
        channels = await session.scalar(
            select(func.count(func.distinct(OutboxMessage.channel))).where(
                OutboxMessage.recipient_user_id == user_id,
                OutboxMessage.template == qualifying.TEMPLATE,
            )
        )
    return int(notices or 0), int(messages or 0), int(channels or 0)


async def test_ten_senders_of_one_notice_send_it_once(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    who = await person(client, sessionmaker, consents=True)
    found = [qualifying.Qualified(applicant_id(who), YOUTH, YOUTH_VERSION)]

    async def send() -> int:
        async with sessionmaker() as session, session.begin():
            sent = await qualifying.notify(session, found, qualifying.POLICY_CHANGE)
            # Hold the transaction open, so the others' inserts meet an uncommitted row.
            await asyncio.sleep(0.3)
            return sent

    results = await asyncio.gather(*[send() for _ in range(SENDERS)])
    notices, messages, channels = await counts(
        sessionmaker, applicant_id(who), uuid.UUID(who.account["user_id"])
    )
    report("qualifying notice, concurrent senders", senders=SENDERS, sent=sum(results))
    assert sorted(results) == [0] * (SENDERS - 1) + [1]
    assert notices == 1 and messages == channels >= 1


async def test_two_workers_daily_rounds_tell_once(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    who = await person(
        client, sessionmaker, consents=True, facts=youth_facts(TODAY + timedelta(days=330))
    )
    async with sessionmaker() as session, session.begin():
        session.add(
            QualifyingCheck(applicant_id=applicant_id(who), checked_on=TODAY - timedelta(days=60))
        )
    await asyncio.gather(
        qualifying.run_time_checks(sessionmaker, TODAY),
        qualifying.run_time_checks(sessionmaker, TODAY),
    )
    notices, messages, channels = await counts(
        sessionmaker, applicant_id(who), uuid.UUID(who.account["user_id"])
    )
    report("qualifying notice, two daily rounds", notices=notices, messages=messages)
    assert notices == 1 and messages == channels >= 1
