"""The talent office's list of service cards whose programme membership ended (issue 16,
point 4: the daily round flags such a card rather than ending it): only the district's active
flagged cards, the longest waiting first, to those who decide on cards; nobody else reads it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import ServiceCard
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_talent_awards import a_case, signed_in_person

pytestmark = pytest.mark.usefixtures("isolated_db")


async def card(
    sm: async_sessionmaker[AsyncSession],
    applicant_id: uuid.UUID,
    *,
    basis_ended_on: date | None,
    status: str = "active",
) -> ServiceCard:
    today = f.local_today()
    async with sm() as session, session.begin():
        row = ServiceCard(
            number=f"YP-C-R-{uuid.uuid4().hex[:8]}",
            applicant_id=applicant_id,
            case_id=await a_case(session, applicant_id, "service_card", "approved"),
            district="yangpu",
            level="programme",
            status=status,
            issued_on=today - timedelta(days=400),
            valid_until=today + timedelta(days=700),
            verify_token=uuid.uuid4().hex,
            basis_ended_on=basis_ended_on,
        )
        session.add(row)
    return row


async def staff_headers(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    *,
    district: str = "yangpu",
    department: str = "talent_office",
    role: str = "approver",
) -> dict[str, str]:
    email = await f.create_staff(sm, district=district, roles=[role], department=department)
    return await f.staff_login(client, email)


class TestCardsToReview:
    async def test_the_office_reads_its_flagged_cards_oldest_first_and_nothing_else(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        today = f.local_today()
        people = [(await signed_in_person(client, sessionmaker))[1] for _ in range(4)]
        recent = await card(sessionmaker, people[0].id, basis_ended_on=today - timedelta(days=2))
        oldest = await card(sessionmaker, people[1].id, basis_ended_on=today - timedelta(days=40))
        await card(sessionmaker, people[2].id, basis_ended_on=None)
        await card(
            sessionmaker, people[3].id, basis_ended_on=today - timedelta(days=90), status="revoked"
        )
        headers = await staff_headers(client, sessionmaker)
        r = await client.get(
            "/api/v1/service-cards/to-review", headers={**headers, "Accept-Language": "en"}
        )
        assert r.status_code == 200, r.text
        listed = r.json()
        assert [c["number"] for c in listed] == [oldest.number, recent.number]
        first = listed[0]
        assert first["holder_name"] == people[1].full_name
        assert first["basis_ended_on"] == str(today - timedelta(days=40))
        assert first["level_label"] and first["level_label"] != "programme"

    async def test_others_may_not_read_it_and_another_district_sees_none(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, someone = await signed_in_person(client, sessionmaker)
        await card(sessionmaker, someone.id, basis_ended_on=f.local_today())
        path = "/api/v1/service-cards/to-review"
        assert (await client.get(path, headers=user.headers)).status_code == 403
        assert (await client.get(path)).status_code == 401
        for who in (
            {"role": "reviewer"},  # reviews cases; renewal and revocation are the approver's
            {"department": "hr_bureau"},  # another department's approver
        ):
            headers = await staff_headers(client, sessionmaker, **who)
            r = await client.get(path, headers=headers)
            assert r.status_code == 403, (who, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        changning = await staff_headers(client, sessionmaker, district="changning")
        r = await client.get(path, headers=changning)
        assert r.status_code == 200 and r.json() == []

    async def test_the_page_lists_them_in_both_languages_and_the_home_links_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _, someone = await signed_in_person(client, sessionmaker)
        flagged = await card(sessionmaker, someone.id, basis_ended_on=f.local_today())
        client.cookies.clear()
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="talent_office"
        )
        await page_login(client, email)
        for lang, heading, link in (
            ("en", "Service cards to review", "Cards whose talent programme membership"),
            ("zh", "待复核的服务卡", "所依据的人才计划资格已到期的服务卡"),
        ):
            await client.get(f"/lang/{lang}")
            home = await client.get("/staff")
            assert link in home.text and 'href="/staff/service-cards"' in home.text
            page = await client.get("/staff/service-cards")
            assert page.status_code == 200, page.text
            assert heading in page.text
            assert f'href="/staff/service-cards/{flagged.id}"' in page.text
            assert someone.full_name in page.text
        # Changning issues no card: its talent office is not sent to an empty list.
        client.cookies.clear()
        other = await f.create_staff(
            sessionmaker, district="changning", roles=["approver"], department="talent_office"
        )
        await page_login(client, other)
        home = await client.get("/staff")
        assert home.status_code == 200
        assert 'href="/staff/service-cards"' not in home.text
        page = await client.get("/staff/service-cards")
        assert page.status_code == 200 and flagged.number not in page.text

    async def test_a_renewed_card_leaves_the_list_and_an_ended_one_is_not_on_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        today = f.local_today()
        people = [(await signed_in_person(client, sessionmaker))[1] for _ in range(2)]
        kept = await card(sessionmaker, people[0].id, basis_ended_on=today - timedelta(days=5))
        ended = await card(sessionmaker, people[1].id, basis_ended_on=today - timedelta(days=9))
        async with sessionmaker() as session, session.begin():
            row = await session.get(ServiceCard, ended.id)
            assert row is not None
            row.valid_until = today - timedelta(days=1)  # its term is over: nothing to decide
        headers = await staff_headers(client, sessionmaker)
        path = "/api/v1/service-cards/to-review"
        assert [c["number"] for c in (await client.get(path, headers=headers)).json()] == [
            kept.number
        ]
        r = await client.post(f"/api/v1/service-cards/{kept.id}/renew", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["basis_ended_on"] is None
        assert (await client.get(path, headers=headers)).json() == []
