"""一窗通办 through the API: a walk-in found or registered, a service filed for them with scanned
documents and accepted, the acceptance receipt read — as counter and mobile apps do it."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_cases_api import PDF, service_id, staff

pytestmark = pytest.mark.usefixtures("isolated_db")

SCANS = ("id_document", "degree_certificate", "overseas_degree_verification", "employment_contract")


async def _file(
    client: httpx.AsyncClient, clerk: dict[str, str], applicant_id: str, sid: str, key: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/staff/window/applicants/{applicant_id}/filings",
        headers={**clerk, "Idempotency-Key": key},
        data={
            "service_id": sid,
            "answers": json.dumps(f.renting_returnee_profile(employer_district="yangpu")),
            "original_seen": ["id_document", "degree_certificate"],
        },
        files={f"file_{code}": (f"{code}.pdf", PDF, "application/pdf") for code in SCANS},
    )


class TestWindowApi:
    async def test_walk_in_to_filing_to_receipt(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        payload = f.overseas_payload()
        lookup = {"find": {"id_kind": "passport", "id_number": payload["passport_number"]}}

        unknown = await client.post("/api/v1/staff/window/applicants", headers=clerk, json=lookup)
        assert unknown.status_code == 404
        registered = await client.post(
            "/api/v1/staff/window/applicants", headers=clerk, json={"registration": payload}
        )
        assert registered.status_code == 201, registered.text
        walk_in = registered.json()
        assert walk_in["applicant_type"] == "overseas"
        assert payload["passport_number"] not in registered.text  # masked
        found = await client.post("/api/v1/staff/window/applicants", headers=clerk, json=lookup)
        assert found.status_code == 200 and found.json()["id"] == walk_in["id"]

        sid = await service_id(client, "yangpu", "rent_subsidy")
        key = uuid.uuid4().hex
        filed = await _file(client, clerk, walk_in["id"], sid, key)
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["case_id"]
        again = await _file(client, clerk, walk_in["id"], sid, key)
        assert again.status_code == 201 and again.json()["case_id"] == case_id

        case = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert case["status"] == "accepted" and case["channel"] == "window"
        seen = {d["requirement"] for d in case["documents"] if d["original_seen"]}
        assert seen == {"id_document", "degree_certificate"}

        r = await client.get(filed.json()["receipt_url"], headers=clerk)
        assert r.status_code == 200, r.text
        receipt = r.json()
        assert receipt["number"] == case["number"]
        assert receipt["deadline"]["due_on"] == case["deadline"]["due_on"]
        assert receipt["deadline"]["provisional"] is False
        assert receipt["lookup_code"] and receipt["district"] == "yangpu"
        assert receipt["status_url"].endswith(
            f"/status?number={receipt['number']}&code={receipt['lookup_code']}"
        )
        link = urlsplit(receipt["status_url"])
        status_page = await client.get(f"{link.path}?{link.query}")
        assert status_page.status_code == 200 and receipt["number"] in status_page.text

    async def test_bad_requests_and_who_may_use_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        both = await client.post(
            "/api/v1/staff/window/applicants",
            headers=clerk,
            json={"find": {"id_number": "x"}, "registration": f.domestic_payload()},
        )
        assert both.status_code == 422
        no_consent = await client.post(
            "/api/v1/staff/window/applicants",
            headers=clerk,
            json={"registration": f.domestic_payload(consent_personal_info=False)},
        )
        assert no_consent.status_code == 422
        walk_in = (
            await client.post(
                "/api/v1/staff/window/applicants",
                headers=clerk,
                json={"registration": f.domestic_payload()},
            )
        ).json()
        url = f"/api/v1/staff/window/applicants/{walk_in['id']}/filings"
        no_key = await client.post(url, headers=clerk, data={"service_id": str(uuid.uuid4())})
        assert no_key.status_code == 422
        bad_answers = await client.post(
            url,
            headers={**clerk, "Idempotency-Key": uuid.uuid4().hex},
            data={"service_id": await service_id(client, "yangpu", "rent_subsidy"), "answers": "["},
        )
        assert bad_answers.status_code == 422 and "answers" in bad_answers.text
        changning_service = await service_id(client, "changning", "returnee_apartment_subsidy")
        elsewhere = await client.post(
            url,
            headers={**clerk, "Idempotency-Key": uuid.uuid4().hex},
            data={"service_id": changning_service},
        )
        assert elsewhere.status_code == 404

        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"])
        for method, path in (
            ("POST", "/api/v1/staff/window/applicants"),
            ("POST", url),
            ("GET", f"/api/v1/staff/window/cases/{uuid.uuid4()}/receipt"),
        ):
            r = await client.request(method, path, headers=reviewer, json={})
            assert r.status_code == 403, (path, r.status_code)
