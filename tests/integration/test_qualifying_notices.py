"""Notices of newly qualifying (issue 17, point 6): sent once per person and policy version,
only with consent, never to someone holding the service, in the person's language; after a
policy change (``rules reevaluate --notify``) and when time makes stored facts qualify."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import Conflict
from app.models import Applicant, OutboxMessage, QualifyingCheck, QualifyingNotice, User
from app.models.base import utcnow
from app.services import notifications
from app.services.eligibility import qualifying
from app.services.eligibility.reevaluation import Change, ReevaluationReport
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_cases_api import submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")

YOUTH = "shanghai.youth_station"
YOUTH_VERSION = "2024-11-25"
TODAY = local_date(utcnow())


def youth_facts(graduation: date) -> dict[str, Any]:
    """Eligible for a youth station from twelve months before graduation on."""
    return {
        "graduation_date": graduation.isoformat(),
        "hukou": "other",
        "owns_home_in_shanghai": False,
        "youth_station_days_used_this_year": 0,
    }


async def person(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    *,
    consents: bool,
    facts: dict[str, Any] | None = None,
    language: str = "zh",
) -> f.ApiUser:
    who = await f.register_and_login(client, f.domestic_payload())
    if consents:
        r = await client.put(
            "/api/v1/account/consents/qualifying_notices", headers=who.headers, json={"given": True}
        )
        assert r.status_code == 200, r.text
    async with sm() as session, session.begin():
        applicant = await session.get(Applicant, applicant_id(who))
        assert applicant is not None
        applicant.profile_facts = facts or {}
        user = await session.get(User, applicant.user_id)
        assert user is not None
        user.language = language
    return who


def applicant_id(who: f.ApiUser) -> uuid.UUID:
    return uuid.UUID(who.account["applicant"]["id"])


def report(*changes: tuple[str, uuid.UUID, str | None, str | None]) -> ReevaluationReport:
    return ReevaluationReport(
        YOUTH,
        "2020-01-01",
        YOUTH_VERSION,
        TODAY,
        len(changes),
        0,
        [Change(kind, sid, None, old, new) for kind, sid, old, new in changes],
    )


async def notices(sm: async_sessionmaker[AsyncSession], who: f.ApiUser) -> list[QualifyingNotice]:
    async with sm() as session:
        stmt = select(QualifyingNotice).where(QualifyingNotice.applicant_id == applicant_id(who))
        return list((await session.execute(stmt)).scalars())


async def messages(sm: async_sessionmaker[AsyncSession], who: f.ApiUser) -> list[OutboxMessage]:
    async with sm() as session:
        stmt = select(OutboxMessage).where(
            OutboxMessage.recipient_user_id == uuid.UUID(who.account["user_id"]),
            OutboxMessage.template == qualifying.TEMPLATE,
        )
        return list((await session.execute(stmt)).scalars())


class TestAfterAPolicyChange:
    async def test_once_per_person_and_version_and_only_with_consent(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        told = await person(client, sessionmaker, consents=True, language="en")
        silent = await person(client, sessionmaker, consents=False)
        worse = await person(client, sessionmaker, consents=True)
        changes = report(
            ("applicant", applicant_id(told), "ineligible", "eligible"),
            ("applicant", applicant_id(silent), "ineligible", "eligible"),
            ("applicant", applicant_id(worse), "eligible", "ineligible"),
            ("application", uuid.uuid4(), "unknown", "eligible"),
        )
        for _run in range(2):  # a rerun sends nothing twice
            async with sessionmaker() as session, session.begin():
                sent = await qualifying.notify_after_reevaluation(session, changes)
            assert sent == (1 if _run == 0 else 0)
        [notice] = await notices(sessionmaker, told)
        assert (notice.policy_id, notice.policy_version, notice.trigger) == (
            YOUTH,
            YOUTH_VERSION,
            "policy_change",
        )
        assert notice.service_codes == ["youth_station"]
        assert await notices(sessionmaker, silent) == []
        assert await notices(sessionmaker, worse) == []
        sent_messages = await messages(sessionmaker, told)
        assert sent_messages and {m.language for m in sent_messages} == {"en"}
        assert len({m.channel for m in sent_messages}) == len(sent_messages)  # one per channel
        text = notifications.render(
            qualifying.TEMPLATE, "en", notifications.params_of(sent_messages[0].payload)
        )
        assert "Youth station stay" in text.subject
        assert "/services#" in (text.url or "")
        assert "turn these notices off" in text.body

    async def test_a_new_version_is_told_again_a_withdrawn_consent_not(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        who = await person(client, sessionmaker, consents=True)
        policy = "shanghai.returnee_settlement"
        for version in ("2022-07-01", "2023-07-01", "2023-07-01"):
            async with sessionmaker() as session, session.begin():
                await qualifying.notify(
                    session,
                    [qualifying.Qualified(applicant_id(who), policy, version)],
                    qualifying.POLICY_CHANGE,
                )
        assert sorted(n.policy_version for n in await notices(sessionmaker, who)) == [
            "2022-07-01",
            "2023-07-01",
        ]
        r = await client.put(
            "/api/v1/account/consents/qualifying_notices",
            headers=who.headers,
            json={"given": False},
        )
        assert r.status_code == 200
        async with sessionmaker() as session, session.begin():
            sent = await qualifying.notify(
                session,
                [qualifying.Qualified(applicant_id(who), YOUTH, YOUTH_VERSION)],
                qualifying.POLICY_CHANGE,
            )
        assert sent == 0

    async def test_not_told_while_holding_the_service(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        who, _result = await submitted_rent_case(client, "changning")
        r = await client.put(
            "/api/v1/account/consents/qualifying_notices", headers=who.headers, json={"given": True}
        )
        assert r.status_code == 200
        async with sessionmaker() as session, session.begin():
            sent = await qualifying.notify(
                session,
                [qualifying.Qualified(applicant_id(who), "changning.rent_subsidy", "2021-11-12")],
                qualifying.POLICY_CHANGE,
            )
        assert sent == 0 and await notices(sessionmaker, who) == []

    async def test_only_the_version_in_force_is_announced(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        old = ReevaluationReport(
            "shanghai.returnee_settlement", "2023-07-01", "2022-07-01", TODAY, 0, 0, []
        )
        async with sessionmaker() as session:
            with pytest.raises(Conflict):
                await qualifying.notify_after_reevaluation(session, old)


class TestWhenTimeMakesOneQualify:
    async def test_a_waiting_period_ending_is_told_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        # Twelve months before graduation opens the youth stations: eleven months before it
        # today, thirteen on the day of the last check.
        facts = youth_facts(TODAY + timedelta(days=330))
        waiting = await person(client, sessionmaker, consents=True, facts=facts)
        newcomer = await person(client, sessionmaker, consents=True, facts=facts)
        unasked = await person(client, sessionmaker, consents=False, facts=facts)
        always = await person(
            client, sessionmaker, consents=True, facts=youth_facts(TODAY - timedelta(days=30))
        )
        earlier = TODAY - timedelta(days=60)
        async with sessionmaker() as session, session.begin():
            for who in (waiting, always):
                session.add(QualifyingCheck(applicant_id=applicant_id(who), checked_on=earlier))

        await qualifying.run_time_checks(sessionmaker, TODAY)
        [notice] = await notices(sessionmaker, waiting)
        assert (notice.policy_id, notice.trigger) == (YOUTH, "time")
        first_messages = len(await messages(sessionmaker, waiting))
        assert first_messages >= 1
        # Already eligible then, first checked now, or not asking: nothing to tell.
        for who in (newcomer, unasked, always):
            assert await notices(sessionmaker, who) == []
        async with sessionmaker() as session:
            checked = dict(
                (
                    await session.execute(
                        select(QualifyingCheck.applicant_id, QualifyingCheck.checked_on)
                    )
                ).all()
            )
        assert checked[applicant_id(newcomer)] == TODAY == checked[applicant_id(waiting)]
        assert applicant_id(unasked) not in checked  # never read: it could not be told

        # The same day again, and a retry as if the check day had not moved: still one notice.
        await qualifying.run_time_checks(sessionmaker, TODAY)
        async with sessionmaker() as session, session.begin():
            row = await session.get(QualifyingCheck, applicant_id(waiting))
            assert row is not None
            row.checked_on = earlier
        await qualifying.run_time_checks(sessionmaker, TODAY)
        assert len(await notices(sessionmaker, waiting)) == 1
        assert len(await messages(sessionmaker, waiting)) == first_messages
