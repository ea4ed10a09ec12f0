"""Issue 21 item 3: filing at the window for a service that cannot be accepted yet (the employer
confirms first) is not called accepted: the clerk is told what happens instead and the slip is a
receipt of documents (收件回执), listing the documents, the window's address and phone and the
lookup address in full; an accepted filing gets the acceptance receipt (受理回执), titled once."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.windows import SERVICE_WINDOWS
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import PDF, service_id
from tests.integration.test_window_api import _file

pytestmark = pytest.mark.usefixtures("isolated_db")


async def _walk_in(client: httpx.AsyncClient, clerk: dict[str, str]) -> str:
    r = await client.post(
        "/api/v1/staff/window/applicants",
        headers=clerk,
        json={"registration": f.overseas_payload()},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


class TestWindowReceipts:
    async def test_a_service_needing_the_employer_first_gets_a_receipt_of_documents(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["window_clerk"], department="service_center"
        )
        clerk = await f.staff_login(client, email)
        walk_in = await _walk_in(client, clerk)
        sid = await service_id(client, "yangpu", "service_card")
        employer, _hr = await f.create_employer_with_hr(
            sessionmaker, district="yangpu", name="某科技"
        )
        filed = await client.post(
            f"/api/v1/staff/window/applicants/{walk_in}/filings",
            headers={**clerk, "Idempotency-Key": uuid.uuid4().hex},
            data={
                "service_id": sid,
                "answers": json.dumps(
                    {
                        "talent_programs": [],
                        "annual_salary_cny": 500000,
                        "employer_district": "yangpu",
                        "professional_title": "senior",
                        "employer_uscc": employer,
                    }
                ),
            },
            files={
                f"file_{code}": (f"{code}.pdf", PDF, "application/pdf")
                for code in ("id_document", "employment_contract")
            },
        )
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["case_id"]
        receipt = (await client.get(filed.json()["receipt_url"], headers=clerk)).json()
        assert receipt["accepted"] is False and receipt["accepted_on"] is None
        assert "employer" in receipt["instead"] or "单位" in receipt["instead"]
        case = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert case["status"] == "awaiting_employer"
        assert len(receipt["documents"]) == 2

        client.cookies.clear()
        await page_login(client, email)
        page = await client.get(f"/staff/cases/{case_id}/receipt")
        assert page.status_code == 200
        assert "收件回执" in page.text and "受理回执" not in page.text
        assert 'id="window-outcome"' in page.text  # the clerk is told, on screen only
        window = SERVICE_WINDOWS["yangpu"]
        assert window.phone in page.text
        assert "http://" in page.text.split('class="lookup-url"', 1)[1][:80]

    async def test_an_accepted_filing_gets_the_acceptance_receipt_titled_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["window_clerk"], department="service_center"
        )
        clerk = await f.staff_login(client, email)
        walk_in = await _walk_in(client, clerk)
        sid = await service_id(client, "yangpu", "rent_subsidy")
        filed = await _file(client, clerk, walk_in, sid, uuid.uuid4().hex)
        assert filed.status_code == 201, filed.text
        receipt = (await client.get(filed.json()["receipt_url"], headers=clerk)).json()
        assert receipt["accepted"] is True and receipt["instead"] is None
        client.cookies.clear()
        await page_login(client, email)
        page = await client.get(f"/staff/cases/{filed.json()['case_id']}/receipt")
        body = page.text.split("<main", 1)[1]
        assert body.count("受理回执") == 1
        assert "收件回执" not in body
        assert SERVICE_WINDOWS["yangpu"].phone in body
