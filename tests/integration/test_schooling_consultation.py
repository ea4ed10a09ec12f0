"""Schooling help for talent families without a Shanghai hukou (issue 17, point 4): the
consultation request checks the child's age and the district, goes to the education bureau, is
explained (not silently refused) to a Shanghai hukou family, and its sessions are booked at a
point offering it and shown on the case to the family and the officer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import ServicePoint
from app.models.base import utcnow
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_cases_api import new_draft, staff
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_service_points import APPOINTMENTS, free_slots, make_point

pytestmark = pytest.mark.usefixtures("isolated_db")

SERVICE = "schooling_consultation"


def years_ago(years: int, days: int = 0) -> str:
    today = local_date(utcnow())
    return (today.replace(year=today.year - years) - timedelta(days=days)).isoformat()


async def answer(
    client: httpx.AsyncClient, user: f.ApiUser, draft: dict[str, Any], **answers: object
) -> httpx.Response:
    return await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )


async def offering_point(sm: async_sessionmaker[AsyncSession], district: str = "yangpu") -> str:
    code = await make_point(sm, district=district)
    async with sm() as session, session.begin():
        row = await session.scalar(select(ServicePoint).where(ServicePoint.code == code))
        assert row is not None
        row.service_codes = [*row.service_codes, SERVICE]
    return code


class TestTheRequest:
    async def test_the_childs_age_is_checked(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(client, "yangpu", SERVICE)
        tomorrow = (local_date(utcnow()) + timedelta(days=1)).isoformat()
        for value, message in (
            (tomorrow, "晚于今天"),  # not in the future
            (years_ago(19), "0至18岁"),
            ("2020-02-30", "真实的日期"),
        ):
            r = await answer(client, user, draft, child_birth_date=value)
            assert r.status_code == 422, (value, r.text)
            error = r.json()["errors"][0]
            assert error["field"] == "child_birth_date" and message in error["message"], error
        # A newborn and a child on the eve of their 19th birthday are both in.
        for value in (local_date(utcnow()).isoformat(), years_ago(19, days=-1)):
            r = await answer(client, user, draft, child_birth_date=value)
            assert r.status_code == 200, (value, r.text)

    async def test_the_district_is_one_of_shanghais(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(client, "yangpu", SERVICE)
        assert (await answer(client, user, draft, school_district="beijing")).status_code == 422
        assert (await answer(client, user, draft, school_district="pudong")).status_code == 200

    async def test_a_shanghai_hukou_is_told_why_and_not_filed(
        self, client: httpx.AsyncClient
    ) -> None:
        user, draft = await new_draft(client, "yangpu", SERVICE)
        r = await answer(
            client,
            user,
            draft,
            hukou="shanghai",
            child_birth_date=years_ago(7),
            school_district="yangpu",
        )
        assert r.status_code == 200, r.text
        view = (
            await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)
        ).json()
        verdict = view["eligibility"]
        assert verdict["status"] == "ineligible", verdict
        assert "无需本咨询" in str(verdict), verdict
        r = await client.post(
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**user.headers, "Idempotency-Key": "k-shanghai"},
            json={"declaration": True, "sensitive_consent": True},
        )
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "shanghai_hukou_not_covered"
        assert "义务教育入学办法" in body["detail"]  # the ordinary enrolment, explained
        cases = (await client.get("/api/v1/cases", headers=user.headers)).json()
        assert cases == [] or cases.get("items") == [], cases

    async def test_the_check_page_explains_it_too(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(client, "yangpu", SERVICE)
        r = await answer(
            client,
            user,
            draft,
            hukou="shanghai",
            child_birth_date=years_ago(3),
            school_district="xuhui",
        )
        assert r.status_code == 200, r.text
        check = f"/applications/{draft['id']}/check"
        await web_login(client, user, check)
        page = await client.get(check)
        r = await client.post(
            f"/applications/{draft['id']}/submit",
            data={
                "csrf_token": csrf_of(page.text),
                "idempotency_key": "web-shanghai-1",
                "declaration": "on",
                "sensitive_consent": "on",
            },
        )
        assert r.status_code == 422, r.text
        assert "error-summary" in r.text and "义务教育入学办法" in r.text


class TestRoutingAndSessions:
    async def test_filed_to_education_booked_and_seen_by_the_officer(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, draft = await new_draft(client, "yangpu", SERVICE, f.overseas_payload())
        r = await answer(
            client,
            user,
            draft,
            hukou="none",
            child_birth_date=years_ago(6),
            school_district="yangpu",
        )
        assert r.status_code == 200, r.text
        case = (await f.submit_application(client, user, draft["id"]))["case"]
        assert case["department"] == "education"

        elsewhere = await make_point(sessionmaker)  # a window that does not hold them
        there = await offering_point(sessionmaker)
        start = (await free_slots(client, there))[0]["start"]
        wrong = await client.post(
            APPOINTMENTS,
            headers=user.headers,
            json={"point_code": elsewhere, "slot_start": start, "case_id": case["id"]},
        )
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "case_id"
        # Booked for the service, the session is linked to the open consultation case.
        made = await client.post(
            APPOINTMENTS,
            headers=user.headers,
            json={"point_code": there, "slot_start": start, "service_code": SERVICE},
        )
        assert made.status_code == 201, made.text
        assert made.json()["case_id"] == case["id"]

        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert mine["sessions"]["can_book"] is True
        assert [p["code"] for p in mine["sessions"]["points"]] == [there]
        assert [a["id"] for a in mine["sessions"]["appointments"]] == [made.json()["id"]]

        officer = await staff(client, sessionmaker, "yangpu", ["reviewer"], "education")
        queue = (await client.get("/api/v1/staff/cases", headers=officer)).json()
        assert case["number"] in [i["number"] for i in queue["items"]]
        seen = (await client.get(f"/api/v1/staff/cases/{case['id']}", headers=officer)).json()
        booked = seen["sessions"]["appointments"][0]
        assert booked["id"] == made.json()["id"] and booked["case_number"] == case["number"]
        assert seen["sessions"]["can_book"] is False
        # The housing department does not see the education bureau's case.
        housing = await staff(client, sessionmaker, "yangpu", ["reviewer"], "housing")
        r = await client.get(f"/api/v1/staff/cases/{case['id']}", headers=housing)
        assert r.status_code == 404
