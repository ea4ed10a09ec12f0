"""English first for passport holders (issue 18, point 4): a Latin name with an optional Chinese
name, a phone number in international form (E.164 stored), an ISO 3166-1 nationality, at
registration and in the profile; staff see the Chinese name beside the Latin one and the
person's preferred language on the case page and in the queue. A resident ID holder's mainland
mobile behaves as before."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Applicant, User
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import submitted_rent_case
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_overseas_tax_subsidy import claim

pytestmark = pytest.mark.usefixtures("isolated_db")


async def stored(sm: async_sessionmaker[AsyncSession], email: str) -> Applicant:
    async with sm() as session:
        return (
            await session.execute(
                select(Applicant)
                .join(User, User.id == Applicant.user_id)
                .where(User.email == email)
            )
        ).scalar_one()


async def post_form(
    client: httpx.AsyncClient, page_url: str, url: str, data: dict[str, str]
) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(url, data={**data, "csrf_token": csrf_of(page.text)})


class TestRegistration:
    async def test_a_passport_holder_registers_with_a_chinese_name_and_an_international_phone(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        client.cookies.set("lang", "en")
        payload = f.overseas_payload(nationality="GB")
        form = {
            "full_name": "Maria Rossi",
            "chinese_name": "罗马丽",
            "passport_number": payload["passport_number"],
            "nationality": "GB",
            "mobile": "07911 123456",
            "email": payload["email"],
            "password": payload["password"],
            "consent_personal_info": "yes",
        }
        page = await client.get("/register/overseas")
        assert "Chinese name (optional)" in page.text and "+44 7911 123456" in page.text
        r = await post_form(client, "/register/overseas", "/register/overseas", form)
        assert r.status_code == 303, r.text
        applicant = await stored(sessionmaker, payload["email"])
        assert applicant.chinese_name == "罗马丽"
        assert applicant.mobile == "+447911123456"
        assert applicant.full_name == "Maria Rossi"
        # The account page shows both names and the number in international form, masked.
        await f.confirm_email(client, payload["email"], sessionmaker)
        user = f.ApiUser(payload["email"], payload["password"], "", "", {})
        await web_login(client, user)
        client.cookies.set("lang", "en")
        account = await client.get("/account")
        assert "Maria Rossi" in account.text and "罗马丽" in account.text
        assert "+44 **** **3456" in account.text

    async def test_bad_names_nationality_and_phone_are_shown_in_the_error_summary(
        self, client: httpx.AsyncClient
    ) -> None:
        client.cookies.set("lang", "en")
        payload = f.overseas_payload()
        form = {
            "full_name": "罗马丽",
            "chinese_name": "Maria",
            "passport_number": payload["passport_number"],
            "nationality": "XK",
            "mobile": "12345",
            "email": payload["email"],
            "password": payload["password"],
            "consent_personal_info": "yes",
        }
        r = await post_form(client, "/register/overseas", "/register/overseas", form)
        assert r.status_code == 422, r.text
        assert "error-summary" in r.text
        for text in (
            "Enter your name in Latin letters",
            "Enter your Chinese name in Chinese characters",
            "ISO 3166-1",
            "international form with its country code",
        ):
            assert text in r.text, text

    async def test_the_api_stores_e164_and_answers_the_international_form(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(
            client, f.overseas_payload(mobile="+1 650 253 0000", chinese_name="王安娜")
        )
        applicant = user.account["applicant"]
        assert applicant["chinese_name"] == "王安娜"
        assert applicant["mobile_international"] == "+1 650-253-0000"
        assert applicant["mobile_masked"] == "+1 ***-***-0000"


class TestProfile:
    async def test_a_passport_holder_corrects_phone_and_chinese_name(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.overseas_payload(nationality="DE"))
        await web_login(client, user)
        client.cookies.set("lang", "en")
        page = await client.get("/account/my-data/correct")
        assert "Chinese name (optional)" in page.text
        bad = await post_form(
            client,
            "/account/my-data/correct",
            "/account/my-data/profile",
            {"full_name": "Maria Rossi", "mobile": "99", "chinese_name": "Rossi"},
        )
        assert bad.status_code == 422 and "error-summary" in bad.text
        assert "international form" in bad.text and "Chinese characters" in bad.text
        ok = await post_form(
            client,
            "/account/my-data/correct",
            "/account/my-data/profile",
            {"full_name": "Maria Rossi", "mobile": "030 901820", "chinese_name": "罗西"},
        )
        assert ok.status_code == 303, ok.text
        applicant = await stored(sessionmaker, user.email)
        assert applicant.mobile == "+4930901820" and applicant.chinese_name == "罗西"
        again = await client.get("/account/my-data/correct")
        assert 'value="+49 30 901820"' in again.text

    async def test_a_resident_id_holder_keeps_the_mainland_mobile(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        await web_login(client, user)
        page = await client.get("/account/my-data/correct")
        assert "chinese_name" not in page.text
        for mobile, status in (("+447911123456", 422), ("13900139000", 303)):
            r = await post_form(
                client,
                "/account/my-data/correct",
                "/account/my-data/profile",
                {"full_name": "王小明", "mobile": mobile},
            )
            assert r.status_code == status, r.text
        assert (await stored(sessionmaker, user.email)).mobile == "13900139000"


class TestStaffSeeLanguageAndNames:
    async def test_case_page_and_queue_show_the_chinese_name_and_preferred_language(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(
            client, f.overseas_payload(language="en", chinese_name="罗马丽", nationality="GB")
        )
        _, r = await claim(client, user)
        assert r.status_code == 201, r.text
        case_id = uuid.UUID(r.json()["case"]["id"])
        _, domestic = await claim_by_domestic_case(client)
        client.cookies.clear()
        clerk = await f.create_staff(
            sessionmaker, district="changning", roles=["window_clerk"], department="service_center"
        )
        await page_login(client, clerk)
        client.cookies.set("lang", "zh")
        page = await client.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200, page.text
        assert "Maria Rossi" in page.text and "（罗马丽）" in page.text
        assert "Preferred language" not in page.text  # the page is in the officer's language
        assert '<dd class="preferred-language"><span lang="en">English</span></dd>' in page.text
        queue = await client.get("/staff/cases")
        assert queue.status_code == 200
        rows = re.findall(r"<tr>.*?</tr>", queue.text, flags=re.S)
        row = next(row for row in rows if r.json()["case"]["number"] in row)
        assert '<td><span lang="en">English</span></td>' in row
        row = next(row for row in rows if domestic in row)
        assert '<td><span lang="zh">中文</span></td>' in row


async def claim_by_domestic_case(client: httpx.AsyncClient) -> tuple[f.ApiUser, str]:
    """A resident ID holder's case in Changning (a rent subsidy), for the queue's 中文."""
    user, submitted = await submitted_rent_case(client, "changning")
    return user, str(submitted["case"]["number"])
