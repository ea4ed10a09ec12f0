"""The staff queue's search: a case by number, by the masked ID number lists show, or by the
start of the applicant's name; always within the caller's district, and paged like the queue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.identity import mask_resident_id
from tests import factories as f
from tests.integration.test_cases_api import new_draft, rent_documents, staff

pytestmark = pytest.mark.usefixtures("isolated_db")


async def rent_case_of(
    client: httpx.AsyncClient, payload: dict[str, Any], district: str = "changning"
) -> dict[str, Any]:
    """A submitted rent-subsidy case of a new applicant registered with ``payload``."""
    user, draft = await new_draft(client, district, "rent_subsidy", payload)
    answers = f.renting_returnee_profile(employer_district=district)
    docs = await rent_documents(client, user)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        headers=user.headers,
        json={"answers": answers, "documents": docs},
    )
    assert r.status_code == 200, r.text
    return (await f.submit_application(client, user, draft["id"]))["case"]  # type: ignore[no-any-return]


async def found(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    r = await client.get("/api/v1/staff/cases", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return [i["number"] for i in r.json()["items"]]


class TestCaseSearch:
    async def test_by_number_masked_id_and_name_prefix(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        id_number = f.resident_id()
        zhang = await rent_case_of(
            client, f.domestic_payload(full_name="张晓燕", id_number=id_number)
        )
        rossi = await rent_case_of(client, f.overseas_payload(full_name="Maria Rossi"))
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])

        assert await found(client, reviewer, q=zhang["number"]) == [zhang["number"]]
        assert await found(client, reviewer, q=zhang["number"].lower()) == [zhang["number"]]
        masked = mask_resident_id(id_number)
        assert await found(client, reviewer, q=masked) == [zhang["number"]]
        assert await found(client, reviewer, q="张晓") == [zhang["number"]]
        # Names match from their start, letters in either case.
        assert await found(client, reviewer, q="maria r") == [rossi["number"]]
        assert await found(client, reviewer, q="Rossi") == []
        # LIKE wildcards are the characters themselves, not patterns.
        assert await found(client, reviewer, q="%") == []
        assert await found(client, reviewer, q="_aria") == []
        # Blank is no search: the whole queue.
        assert set(await found(client, reviewer, q="  ")) >= {zhang["number"], rossi["number"]}

    async def test_search_stays_in_the_callers_district(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        yangpu = await rent_case_of(
            client, f.domestic_payload(full_name="杨浦人"), district="yangpu"
        )
        changning = await staff(client, sessionmaker, "changning", ["reviewer"])
        assert await found(client, changning, q=yangpu["number"]) == []
        assert await found(client, changning, q="杨浦") == []

    async def test_search_is_paged_and_combines_with_filters(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        numbers = [
            (await rent_case_of(client, f.domestic_payload(full_name=f"欧阳{n}")))["number"]
            for n in "一二三"
        ]
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        r = await client.get(
            "/api/v1/staff/cases", headers=reviewer, params={"q": "欧阳", "limit": 2}
        )
        first = r.json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        r = await client.get(
            "/api/v1/staff/cases",
            headers=reviewer,
            params={"q": "欧阳", "limit": 2, "cursor": first["next_cursor"]},
        )
        rest = r.json()
        assert rest["next_cursor"] is None
        assert sorted([i["number"] for i in first["items"] + rest["items"]]) == sorted(numbers)
        assert await found(client, reviewer, q="欧阳", status="approved") == []
        too_long = await client.get(
            "/api/v1/staff/cases", headers=reviewer, params={"q": "x" * 101}
        )
        assert too_long.status_code == 422

    async def test_the_queue_page_searches(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        case = await rent_case_of(client, f.domestic_payload(full_name="页面搜索"))
        other = await rent_case_of(client, f.domestic_payload(full_name="别的人"))
        from tests.integration.test_audit import page_login

        email = await f.create_staff(
            sessionmaker, district="changning", roles=["reviewer"], department="housing"
        )
        client.cookies.clear()
        await page_login(client, email)
        page = await client.get("/staff/cases", params={"q": "页面"})
        assert page.status_code == 200
        assert case["number"] in page.text and other["number"] not in page.text
        assert 'value="页面"' in page.text
