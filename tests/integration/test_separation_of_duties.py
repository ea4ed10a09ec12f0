"""Issue 14, items 1 and 2: a case is read and decided by its own department, a supervisor's
cross-department reach is audited, and who reviewed a case does not also decide it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry
from tests.integration.test_cases_api import act, staff, submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")


async def _audited(sm: async_sessionmaker[AsyncSession], action: str, case_id: str) -> int:
    async with sm() as session:
        rows = await session.execute(
            select(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.object_id == str(uuid.UUID(case_id))
            )
        )
        return len(rows.scalars().all())


class TestDepartmentScope:
    async def test_police_cannot_review_or_approve_a_housing_case(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client, district="yangpu")
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        police = await staff(
            client, sessionmaker, "yangpu", ["reviewer", "approver"], "public_security"
        )
        r = await act(client, clerk, case_id, 1, "accept")
        assert r.status_code == 200, r.text
        version = r.json()["version"]

        url = f"/api/v1/staff/cases/{case_id}"
        assert (await client.get(url, headers=police)).status_code == 404
        assert (await act(client, police, case_id, version, "start_review")).status_code == 404
        r = await client.post(f"{url}/notes", headers=police, json={"body": "看一下"})
        assert r.status_code == 404
        r = await client.post(f"{url}/assignee", headers=police, json={})
        assert r.status_code == 404
        queue = (await client.get("/api/v1/staff/cases", headers=police)).json()
        assert case_id not in {i["id"] for i in queue["items"]}

    async def test_education_officer_cannot_reject_a_rent_subsidy_case(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client, district="changning")
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"], "housing")
        education = await staff(client, sessionmaker, "changning", ["approver"], "education")
        r = await act(client, clerk, case_id, 1, "accept")
        r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
        assert r.status_code == 200, r.text
        r = await act(
            client, education, case_id, r.json()["version"], "reject", reason="不符", clause="三"
        )
        assert r.status_code == 404

    async def test_a_supervisor_reads_across_departments_and_it_is_audited(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client, district="changning")
        case_id = result["case"]["id"]
        supervisor = await staff(client, sessionmaker, "changning", ["supervisor"], "talent_office")
        housing = await staff(client, sessionmaker, "changning", ["reviewer"], "housing")
        url = f"/api/v1/staff/cases/{case_id}"
        assert (await client.get(url, headers=housing)).status_code == 200
        assert await _audited(sessionmaker, "case.oversight_access", case_id) == 0
        assert (await client.get(url, headers=supervisor)).status_code == 200
        assert await _audited(sessionmaker, "case.oversight_access", case_id) == 1


class TestFourEyes:
    async def test_who_reviewed_a_case_cannot_decide_it_unless_the_service_allows(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client, district="changning")
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        both = await staff(client, sessionmaker, "changning", ["reviewer", "approver"], "housing")
        other = await staff(client, sessionmaker, "changning", ["approver"], "housing")
        r = await act(client, clerk, case_id, 1, "accept")
        r = await act(client, both, case_id, r.json()["version"], "start_review")
        assert r.status_code == 200, r.text
        version = r.json()["version"]
        assert "approve" not in r.json()["allowed_actions"]
        assert r.json()["reviewer"] and r.json()["reviewer_may_decide"] is False

        r = await act(client, both, case_id, version, "approve")
        assert r.status_code == 403 and r.json()["code"] == "reviewer_cannot_decide"
        r = await act(client, both, case_id, version, "reject", reason="不符", clause="第三条")
        assert r.status_code == 403 and r.json()["code"] == "reviewer_cannot_decide"
        page = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=other)).json()
        assert "approve" in page["allowed_actions"]

        # The district's admin relaxes it for the service: the setting shows on the case.
        admin = await staff(client, sessionmaker, "changning", ["district_admin"], "talent_office")
        r = await client.patch(
            f"/api/v1/admin/services/{result['case']['service_id']}",
            headers=admin,
            json={"reviewer_may_decide": True},
        )
        assert r.status_code == 200, r.text
        assert r.json()["reviewer_may_decide"] is True
        r = await act(client, both, case_id, version, "approve")
        assert r.status_code == 200, r.text
        assert r.json()["reviewer_may_decide"] is True
