"""The city-wide holiday calendar, edited by the city calendar administrators (issue 14, item 4:
no longer by a district's admins); open deadlines follow the edit."""

from __future__ import annotations

import re
from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.base import utcnow
from app.services.calendar import work_calendar
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import act, staff, submitted_rent_case


async def _admin(client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    # Issue 14, item 4: a district admin may no longer edit the calendar every district uses.
    return await staff(client, sm, "changning", ["city_admin"], "talent_office")


class TestCalendarApi:
    async def test_a_new_holiday_moves_the_deadline_of_an_accepted_case(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        accepted = await act(client, clerk, case_id, 1, "accept")
        assert accepted.status_code == 200, accepted.text
        due_before = date.fromisoformat(accepted.json()["deadline"]["due_on"])
        async with sessionmaker() as session:
            calendar = await work_calendar(session)
        holiday = calendar.add_working_days(local_date(utcnow()), 2)
        assert holiday < due_before
        expected = calendar.add_working_days(due_before, 1)

        admin = await _admin(client, sessionmaker)
        try:
            r = await client.put(
                f"/api/v1/admin/calendar/{holiday.isoformat()}",
                headers=admin,
                json={"is_workday": False, "note": "临时假日"},
            )
            assert r.status_code == 200, r.text
            assert r.json()["deadlines_moved"] >= 1 and r.json()["source"] == "admin"
            case = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
            assert case["deadline"]["due_on"] == expected.isoformat()
            queue = (
                await client.get("/api/v1/staff/cases", headers=clerk, params={"limit": 200})
            ).json()
            listed = next((c for c in queue["items"] if c["id"] == case_id), None)
            if listed is not None:  # the queue reads the stored deadline
                assert listed["deadline"]["due_on"] == expected.isoformat()

            year = await client.get(
                "/api/v1/admin/calendar", headers=admin, params={"year": holiday.year}
            )
            assert year.status_code == 200
            row = next(d for d in year.json() if d["day"] == holiday.isoformat())
            assert row == {
                "day": holiday.isoformat(),
                "is_workday": False,
                "source": "admin",
                "note": "临时假日",
            }
        finally:
            restored = await client.put(
                f"/api/v1/admin/calendar/{holiday.isoformat()}",
                headers=admin,
                json={"is_workday": True},
            )
            assert restored.status_code == 200
        case = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert case["deadline"]["due_on"] == due_before.isoformat()

    async def test_only_admins_edit_and_bad_input_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        auditor = await staff(client, sessionmaker, "changning", ["auditor"], "talent_office")
        for who in (reviewer, auditor):
            assert (
                await client.get("/api/v1/admin/calendar", headers=who, params={"year": 2026})
            ).status_code == 403
            assert (
                await client.put(
                    "/api/v1/admin/calendar/2031-06-02", headers=who, json={"is_workday": False}
                )
            ).status_code == 403
        admin = await _admin(client, sessionmaker)
        assert (
            await client.get("/api/v1/admin/calendar", headers=admin, params={"year": 1900})
        ).status_code == 422
        assert (
            await client.put(
                "/api/v1/admin/calendar/1999-01-04", headers=admin, json={"is_workday": False}
            )
        ).status_code == 422
        assert (
            await client.put(
                "/api/v1/admin/calendar/2031-06-02", headers=admin, json={"is_workday": "maybe"}
            )
        ).status_code == 422
        package = await client.get("/api/v1/admin/calendar", headers=admin, params={"year": 2026})
        national_day = next(d for d in package.json() if d["day"] == "2026-10-01")
        assert national_day["is_workday"] is False and national_day["source"] == "package"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


class TestCalendarPage:
    async def test_admin_marks_a_day_after_confirming(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        client.cookies.clear()
        # Issue 14, item 4: the editor is the city-level role, no longer a district admin.
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["city_admin"], department="talent_office"
        )
        await page_login(client, email)
        page = await client.get("/staff/admin/calendar", params={"year": 2026})
        assert page.status_code == 200
        assert "2026-10-01" in page.text
        form = {
            "day": "2031-06-02",
            "kind": "holiday",
            "note": "端午节",
            "csrf_token": _csrf(page.text),
        }
        unconfirmed = await client.post("/staff/admin/calendar", data=form)
        assert unconfirmed.status_code == 422
        assert 'class="error-summary"' in unconfirmed.text and 'href="#confirm"' in unconfirmed.text
        bad = await client.post(
            "/staff/admin/calendar", data={**form, "day": "2031-02-30", "confirm": "yes"}
        )
        assert bad.status_code == 422 and 'href="#day"' in bad.text
        saved = await client.post("/staff/admin/calendar", data={**form, "confirm": "yes"})
        assert saved.status_code == 303
        shown = await client.get(saved.headers["location"])
        assert "2031-06-02" in shown.text and "端午节" in shown.text

        client.cookies.clear()
        clerk = await f.create_staff(sessionmaker, district="yangpu", roles=["window_clerk"])
        await page_login(client, clerk)
        assert (await client.get("/staff/admin/calendar")).status_code == 403


class TestCalendarKeptByWorkers:
    async def test_a_submission_after_any_edit_counts_on_the_edited_calendar(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """A worker keeps the calendar it read and reuses it while the database's revision is
        unchanged. An edit made straight in the table (not through the admin service) still
        bumps the revision (triggers), so the next submission's deadline follows it."""
        import uuid

        from sqlalchemy import delete, select

        from app.models import CalendarDay, CalendarRevision, Case

        async def deadline_of(result: dict[str, object]) -> date:
            case = result["case"]
            assert isinstance(case, dict)
            async with sessionmaker() as session:
                due = await session.scalar(
                    select(Case.deadline_date).where(Case.id == uuid.UUID(case["id"]))
                )
            assert due is not None
            return due

        async def revision() -> int:
            async with sessionmaker() as session:
                value = await session.scalar(select(CalendarRevision.revision))
            assert value is not None
            return value

        _, first = await submitted_rent_case(client)  # the worker now holds the calendar
        due_first = await deadline_of(first)
        async with sessionmaker() as session:
            calendar = await work_calendar(session)
            today = local_date(utcnow())
            holiday = calendar.add_working_days(today, 2)
            assert holiday < due_first
            before = await session.get(CalendarDay, holiday)
            kept = (before.is_workday, before.source, before.note) if before else None
        revision_before = await revision()
        try:
            async with sessionmaker() as session, session.begin():
                await session.merge(
                    CalendarDay(day=holiday, is_workday=False, source="admin", note="直接改表")
                )
            assert await revision() > revision_before
            _, second = await submitted_rent_case(client)
            assert await deadline_of(second) == calendar.add_working_days(due_first, 1)
        finally:
            async with sessionmaker() as session, session.begin():
                if kept is None:
                    await session.execute(delete(CalendarDay).where(CalendarDay.day == holiday))
                else:
                    await session.merge(
                        CalendarDay(day=holiday, is_workday=kept[0], source=kept[1], note=kept[2])
                    )
        _, third = await submitted_rent_case(client)
        assert await deadline_of(third) == due_first
