"""Issue 14, item 4: one city-wide calendar that a district's admin cannot move, whose every
edit each district's auditor sees; the system administrator cannot edit a district's catalog."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.base import utcnow
from app.services.calendar import work_calendar
from app.workflow.values import local_date
from tests.integration.test_cases_api import act, staff, submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")


class TestCityCalendar:
    async def test_a_yangpu_admin_cannot_move_a_changning_deadline(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _, result = await submitted_rent_case(client, district="changning")
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        accepted = await act(client, clerk, case_id, 1, "accept")
        due_before = accepted.json()["deadline"]["due_on"]
        async with sessionmaker() as session:
            calendar = await work_calendar(session)
        holiday = calendar.add_working_days(local_date(utcnow()), 2)

        yangpu_admin = await staff(
            client, sessionmaker, "yangpu", ["district_admin"], "talent_office"
        )
        r = await client.put(
            f"/api/v1/admin/calendar/{holiday.isoformat()}",
            headers=yangpu_admin,
            json={"is_workday": False, "note": "杨浦自定假日"},
        )
        assert r.status_code == 403
        case = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert case["deadline"]["due_on"] == due_before
        # District admins still read the calendar that applies to them.
        r = await client.get(
            "/api/v1/admin/calendar", headers=yangpu_admin, params={"year": holiday.year}
        )
        assert r.status_code == 200

    async def test_every_districts_auditor_sees_a_city_edit_and_what_it_moved(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _, result = await submitted_rent_case(client, district="changning")
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        await act(client, clerk, result["case"]["id"], 1, "accept")
        async with sessionmaker() as session:
            calendar = await work_calendar(session)
        holiday: date = calendar.add_working_days(local_date(utcnow()), 2)
        city = await staff(client, sessionmaker, "yangpu", ["city_admin"], "talent_office")
        try:
            r = await client.put(
                f"/api/v1/admin/calendar/{holiday.isoformat()}",
                headers=city,
                json={"is_workday": False, "note": "市级调整"},
            )
            assert r.status_code == 200, r.text
            for district in ("changning", "yangpu"):
                auditor = await staff(client, sessionmaker, district, ["auditor"], "talent_office")
                page = await client.get(
                    "/api/v1/admin/audit",
                    headers=auditor,
                    params={"action": "calendar.updated", "limit": 50},
                )
                assert page.status_code == 200, page.text
                edits = [e for e in page.json()["entries"] if e["object_id"] == holiday.isoformat()]
                assert edits, district
                if district == "changning":
                    assert edits[0]["detail"]["deadlines_moved"] >= 1
        finally:
            await client.put(
                f"/api/v1/admin/calendar/{holiday.isoformat()}",
                headers=city,
                json={"is_workday": True},
            )


class TestCatalogOwnership:
    async def test_the_system_administrator_cannot_edit_a_districts_catalog(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        admin = await staff(client, sessionmaker, "changning", ["district_admin"], "talent_office")
        services = (await client.get("/api/v1/admin/services", headers=admin)).json()
        service_id = services[0]["id"]
        sysadmin = await staff(client, sessionmaker, "changning", ["sysadmin"], "talent_office")
        assert (await client.get("/api/v1/admin/services", headers=sysadmin)).status_code == 403
        r = await client.patch(
            f"/api/v1/admin/services/{service_id}",
            headers=sysadmin,
            json={"time_limit_days": 1},
        )
        assert r.status_code == 403
        after = (await client.get(f"/api/v1/admin/services/{service_id}", headers=admin)).json()
        assert after["time_limit_days"] == services[0]["time_limit_days"]
