"""Service points and appointments (issue 17, point 1): the directory nearest first, slots from
opening hours on working days only, booking rules (no past or closed time, one booking per
person and purpose, a full slot refused), reschedule and cancel, who may see and act on a
booking, the clerk's check-in into the walk-in desk, no-shows, and the day-before reminder."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Appointment, OutboxMessage, ServicePoint
from app.models.base import utcnow
from app.services.service_points import booking
from app.workflow.values import SHANGHAI, local_date
from tests import factories as f
from tests.integration.test_cases_api import staff, submitted_rent_case
from tests.integration.test_held_answers import csrf_of, web_login

pytestmark = pytest.mark.usefixtures("isolated_db")

POINTS = "/api/v1/service-points"
APPOINTMENTS = "/api/v1/appointments"


async def make_point(
    sm: async_sessionmaker[AsyncSession],
    *,
    district: str = "yangpu",
    counters: int = 2,
    hours: tuple[str, ...] = ("09:00-12:00", "13:30-17:00"),
    where: tuple[float, float] = (31.26, 121.52),
) -> str:
    code = f"t-{uuid.uuid4().hex[:12]}"
    async with sm() as session, session.begin():
        session.add(
            ServicePoint(
                code=code,
                district=district,
                kind="window",
                name_zh="测试窗口",
                name_en="Test window",
                address_zh="测试路1号",
                address_en="1 Test Road",
                latitude=where[0],
                longitude=where[1],
                opening_hours=list(hours),
                slot_minutes=30,
                counters=counters,
                service_codes=["rent_subsidy", "talent_introduction"],
                languages=["zh", "en"],
                accessibility=["step_free"],
                bookable=True,
                is_demo=False,
            )
        )
    return code


async def free_slots(client: httpx.AsyncClient, code: str) -> list[dict[str, object]]:
    """The point's free slots starting an hour or more from now, so that none passes while
    the test books it (a slot about to start would turn into a past one on a slow machine)."""
    r = await client.get(f"{POINTS}/{code}/slots")
    assert r.status_code == 200, r.text
    soon = utcnow() + timedelta(hours=1)
    return [
        s for d in r.json() for s in d["slots"] if datetime.fromisoformat(str(s["start"])) > soon
    ]


async def applicant(client: httpx.AsyncClient) -> f.ApiUser:
    return await f.register_and_login(client, f.domestic_payload())


async def book(
    client: httpx.AsyncClient, who: f.ApiUser, code: str, start: object, **purpose: object
) -> httpx.Response:
    body = {
        "point_code": code,
        "slot_start": start,
        **(purpose or {"service_code": "rent_subsidy"}),
    }
    return await client.post(APPOINTMENTS, headers=who.headers, json=body)


async def insert_booking(
    sm: async_sessionmaker[AsyncSession], code: str, who: f.ApiUser, start: datetime
) -> str:
    """A booking placed directly (the clock cannot be moved to the slot's day)."""
    async with sm() as session, session.begin():
        point = (
            await session.execute(select(ServicePoint).where(ServicePoint.code == code))
        ).scalar_one()
        row = Appointment(
            point_id=point.id,
            district=point.district,
            applicant_id=uuid.UUID(who.account["applicant"]["id"]),
            service_code="rent_subsidy",
            slot_start=start,
            slot_end=start + timedelta(minutes=30),
            seat_no=1,
            status="booked",
            version=1,
        )
        session.add(row)
        await session.flush()
        return str(row.id)


class TestDirectory:
    async def test_nearest_first_with_names_and_the_week_against_the_calendar(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        near = await make_point(sessionmaker, where=(31.4011, 121.6011))
        far = await make_point(sessionmaker, district="changning", where=(31.1, 121.3))
        r = await client.get(POINTS, params={"lat": 31.4011, "lon": 121.6011})
        assert r.status_code == 200, r.text
        points = r.json()
        assert points[0]["code"] == near and points[0]["distance_km"] == 0.0
        codes = [p["code"] for p in points]
        assert codes.index(near) < codes.index(far)
        first = points[0]
        # Names, not codes: the catalog's service names in the reader's language.
        assert {"rent_subsidy", "talent_introduction"} == {s["code"] for s in first["services"]}
        assert all(s["name"] and s["name"] != s["code"] for s in first["services"])
        assert [lang["code"] for lang in first["languages"]] == ["zh", "en"]
        # Weekends and holidays closed; working days show the hours.
        for day in first["week"]:
            weekday = date.fromisoformat(day["day"]).weekday()
            if weekday >= 5 and not day["open"]:
                assert day["hours"] == ""
            if day["open"]:
                assert day["hours"] == "09:00–12:00, 13:30–17:00"
        assert any(not d["open"] for d in first["week"])  # a week has a weekend

        by_district = (await client.get(POINTS, params={"district": "changning"})).json()
        assert by_district[0]["district"] == "changning"

    async def test_bad_coordinates_are_refused(self, client: httpx.AsyncClient) -> None:
        r = await client.get(POINTS, params={"lat": 95, "lon": 121})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        only_one = await client.get(POINTS, params={"lat": 31})
        assert only_one.status_code == 422
        page = await client.get("/service-points", params={"lat": "north", "lon": "1"})
        assert page.status_code == 422 and "error-summary" in page.text


class TestSlots:
    async def test_slots_on_working_days_within_hours_with_the_counters_as_seats(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker, counters=3)
        slots = await free_slots(client, code)
        assert slots
        now = utcnow()
        for s in slots:
            start = datetime.fromisoformat(str(s["start"])).astimezone(SHANGHAI)
            assert start > now
            assert s["free"] == 3
            assert "09:00" <= s["time"] < "12:00" or "13:30" <= s["time"] < "17:00"
            assert s["time"] != "11:45"
        async with sessionmaker() as session:
            from app.services.calendar import work_calendar

            calendar = await work_calendar(session)
        assert all(calendar.is_workday(date.fromisoformat(str(s["day"]))) for s in slots)

    async def test_a_holiday_closes_the_point(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker)
        slots = await free_slots(client, code)
        holiday = date.fromisoformat(str(slots[0]["day"]))
        on_holiday = next(s for s in slots if s["day"] == holiday.isoformat())
        admin = await staff(client, sessionmaker, "yangpu", ["city_admin"], "talent_office")
        r = await client.put(
            f"/api/v1/admin/calendar/{holiday.isoformat()}",
            headers=admin,
            json={"is_workday": False, "note": "临时假日"},
        )
        assert r.status_code == 200, r.text
        after = await free_slots(client, code)
        assert all(s["day"] != holiday.isoformat() for s in after)
        week = next(p for p in (await client.get(POINTS)).json() if p["code"] == code)["week"]
        assert next(d for d in week if d["day"] == holiday.isoformat())["open"] is False
        who = await applicant(client)
        refused = await book(client, who, code, on_holiday["start"])
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "slot_start"


class TestBooking:
    async def test_book_list_reschedule_cancel(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker, counters=1)
        slots = await free_slots(client, code)
        who = await applicant(client)
        made = await book(client, who, code, slots[0]["start"])
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["status"] == "booked" and body["can_change"] is True
        assert body["service_name"] and body["service_name"] != "rent_subsidy"
        assert body["point_name"]
        mine = (await client.get(APPOINTMENTS, headers=who.headers)).json()
        assert [a["id"] for a in mine] == [body["id"]]
        # The slot (one counter) is full now, for everyone.
        assert all(s["start"] != slots[0]["start"] for s in await free_slots(client, code))
        other = await applicant(client)
        full = await book(client, other, code, slots[0]["start"])
        assert full.status_code == 409 and full.json()["code"] == "slot_taken"
        # One booking per person and purpose: move it instead.
        again = await book(client, who, code, slots[1]["start"])
        assert again.status_code == 409, again.text

        moved = await client.post(
            f"{APPOINTMENTS}/{body['id']}/reschedule",
            headers=who.headers,
            json={"slot_start": slots[1]["start"]},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["id"] == body["id"]
        assert datetime.fromisoformat(moved.json()["slot_start"]) == datetime.fromisoformat(
            str(slots[1]["start"])
        )
        # The old time is free again: the other applicant takes it.
        took = await book(client, other, code, slots[0]["start"])
        assert took.status_code == 201, took.text
        # Moving onto a full time keeps the booking where it was.
        onto_full = await client.post(
            f"{APPOINTMENTS}/{body['id']}/reschedule",
            headers=who.headers,
            json={"slot_start": slots[0]["start"]},
        )
        assert onto_full.status_code == 409
        kept = (await client.get(f"{APPOINTMENTS}/{body['id']}", headers=who.headers)).json()
        assert kept["status"] == "booked" and kept["seat_no"] == 1
        assert datetime.fromisoformat(kept["slot_start"]) == datetime.fromisoformat(
            str(slots[1]["start"])
        )

        cancelled = await client.post(f"{APPOINTMENTS}/{body['id']}/cancel", headers=who.headers)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        twice = await client.post(f"{APPOINTMENTS}/{body['id']}/cancel", headers=who.headers)
        assert twice.status_code == 409
        assert any(s["start"] == slots[1]["start"] for s in await free_slots(client, code))
        async with sessionmaker() as session:
            sent = (
                await session.execute(
                    select(OutboxMessage.template).where(
                        OutboxMessage.recipient_user_id == uuid.UUID(who.account["user_id"]),
                        OutboxMessage.template.like("appointment.%"),
                        OutboxMessage.channel == "inapp",
                    )
                )
            ).scalars()
            assert sorted(sent) == [
                "appointment.booked",
                "appointment.cancelled",
                "appointment.rescheduled",
            ]

    async def test_past_closed_far_and_unoffered_times_are_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker)
        slots = await free_slots(client, code)
        who = await applicant(client)
        start = datetime.fromisoformat(str(slots[0]["start"]))
        past = start - timedelta(days=21)
        for when in (past, start + timedelta(minutes=10), start + timedelta(days=40)):
            r = await book(client, who, code, when.isoformat())
            assert r.status_code == 422, (when, r.text)
            assert r.json()["errors"][0]["field"] == "slot_start"
        unoffered = await book(client, who, code, slots[0]["start"], service_code="youth_station")
        assert unoffered.status_code == 422
        assert unoffered.json()["errors"][0]["field"] == "service_code"
        none = await client.post(
            APPOINTMENTS,
            headers=who.headers,
            json={"point_code": code, "slot_start": start.isoformat()},
        )
        assert none.status_code == 422
        unknown = await book(client, who, "no-such-point", slots[0]["start"])
        assert unknown.status_code == 404
        async with sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(Appointment))
        assert count == 0

    async def test_one_person_cannot_hold_two_bookings_at_one_time(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        first = await make_point(sessionmaker)
        second = await make_point(sessionmaker)
        slots = await free_slots(client, first)
        who = await applicant(client)
        assert (await book(client, who, first, slots[0]["start"])).status_code == 201
        elsewhere = await book(
            client, who, second, slots[0]["start"], service_code="talent_introduction"
        )
        assert elsewhere.status_code == 409, elsewhere.text


class TestForACase:
    async def test_a_booking_for_ones_own_case_in_its_district_only(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        who, result = await submitted_rent_case(client, "changning")
        case = result["case"]
        there = await make_point(sessionmaker, district="changning")
        elsewhere = await make_point(sessionmaker, district="yangpu")
        start = (await free_slots(client, there))[0]["start"]
        wrong = await book(client, who, elsewhere, start, case_id=case["id"])
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "case_id"
        made = await book(client, who, there, start, case_id=case["id"])
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["case_number"] == case["number"] and body["service_code"] == "rent_subsidy"
        assert body["service_name"] and body["service_name"] != "rent_subsidy"
        # Someone else cannot book for that case (it is not theirs to see).
        other = await applicant(client)
        theirs = await book(client, other, there, start, case_id=case["id"])
        assert theirs.status_code == 404


class TestAccess:
    async def test_others_cannot_see_or_change_a_booking(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker, district="yangpu")
        slots = await free_slots(client, code)
        who = await applicant(client)
        made = (await book(client, who, code, slots[0]["start"])).json()
        other = await applicant(client)
        url = f"{APPOINTMENTS}/{made['id']}"
        assert (await client.get(url, headers=other.headers)).status_code == 404
        assert (await client.post(f"{url}/cancel", headers=other.headers)).status_code == 404
        moved = await client.post(
            f"{url}/reschedule", headers=other.headers, json={"slot_start": slots[1]["start"]}
        )
        assert moved.status_code == 404
        assert (await client.get(APPOINTMENTS, headers=other.headers)).json() == []

        day = slots[0]["day"]
        elsewhere = await staff(
            client, sessionmaker, "changning", ["window_clerk"], "service_center"
        )
        listed = await client.get(APPOINTMENTS, headers=elsewhere, params={"day": day})
        assert listed.status_code == 200 and made["id"] not in {a["id"] for a in listed.json()}
        assert (await client.get(url, headers=elsewhere)).status_code == 404
        checked = await client.post(
            f"/api/v1/staff/appointments/{made['id']}/check-in", headers=elsewhere
        )
        assert checked.status_code == 404
        home = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        mine = (await client.get(APPOINTMENTS, headers=home, params={"day": day})).json()
        row = next(a for a in mine if a["id"] == made["id"])
        assert row["applicant_name"] and row["id_number_masked"]
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"], "housing")
        assert (await client.get(url, headers=reviewer)).status_code == 403
        # Applicants cannot act as the clerk.
        assert (
            await client.post(
                f"/api/v1/staff/appointments/{made['id']}/check-in", headers=who.headers
            )
        ).status_code == 403


class TestDesk:
    async def test_check_in_opens_the_window_desk_with_the_person_found(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker)
        who = await applicant(client)
        now = utcnow()
        today_id = await insert_booking(sessionmaker, code, who, now + timedelta(minutes=1))
        if local_date(now + timedelta(minutes=1)) != local_date(now):
            pytest.skip("a minute before midnight in Shanghai")
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["window_clerk"], department="service_center"
        )
        from tests.integration.test_audit import page_login

        await page_login(client, email)
        page = await client.get("/staff/appointments")
        assert page.status_code == 200 and today_id in page.text
        token = csrf_of(page.text)
        r = await client.post(
            f"/staff/appointments/{today_id}/check-in", data={"csrf_token": token}
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == f"/staff/window/applicants/{who.account['applicant']['id']}"
        desk = await client.get(r.headers["location"])
        assert desk.status_code == 200
        again = await client.post(
            f"/staff/appointments/{today_id}/check-in", data={"csrf_token": token}
        )
        assert again.status_code == 409 and "error-summary" in again.text

    async def test_no_show_only_after_the_slot_and_check_in_only_on_its_day(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker)
        who = await applicant(client)
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        past = await insert_booking(sessionmaker, code, who, utcnow() - timedelta(days=2))
        later = await insert_booking(sessionmaker, code, who, utcnow() + timedelta(days=3))
        base = "/api/v1/staff/appointments"
        early = await client.post(f"{base}/{later}/no-show", headers=clerk)
        assert early.status_code == 409
        wrong_day = await client.post(f"{base}/{later}/check-in", headers=clerk)
        assert wrong_day.status_code == 409
        gone = await client.post(f"{base}/{past}/no-show", headers=clerk)
        assert gone.status_code == 200 and gone.json()["status"] == "no_show"
        # The applicant cannot change a booking whose time has passed.
        assert (
            await client.post(f"{APPOINTMENTS}/{past}/cancel", headers=who.headers)
        ).status_code == 409


class TestReminders:
    async def test_the_day_before_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker)
        who = await applicant(client)
        today = local_date(utcnow())
        tomorrow_ten = datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI)
        booking_id = await insert_booking(
            sessionmaker, code, who, tomorrow_ten + timedelta(hours=10)
        )
        for _ in range(2):
            async with sessionmaker() as session, session.begin():
                await booking.remind_day_before(session, today)
        async with sessionmaker() as session:
            rows = (
                (
                    await session.execute(
                        select(OutboxMessage).where(
                            OutboxMessage.template == "appointment.reminder"
                        )
                    )
                )
                .scalars()
                .all()
            )
        mine = [r for r in rows if r.recipient_user_id == uuid.UUID(who.account["user_id"])]
        assert {r.channel for r in mine} >= {"inapp", "email"}
        assert len(mine) == len({r.channel for r in mine})  # once per channel
        assert all(booking_id in r.dedup_key for r in mine)


class TestPages:
    async def test_find_book_and_see_the_confirmation(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker, where=(31.5, 121.7))
        listing = await client.get("/service-points", params={"lat": "31.5", "lon": "121.7"})
        assert listing.status_code == 200 and code in listing.text
        who = await applicant(client)
        await web_login(client, who)
        form = await client.get(f"/service-points/{code}/book")
        assert form.status_code == 200
        token = csrf_of(form.text)
        missing = await client.post(f"/service-points/{code}/book", data={"csrf_token": token})
        assert missing.status_code == 422 and 'href="#slot_start"' in missing.text
        assert 'href="#purpose"' in missing.text
        slot = (await free_slots(client, code))[0]
        r = await client.post(
            f"/service-points/{code}/book",
            data={
                "csrf_token": token,
                "purpose": "service:rent_subsidy",
                "slot_start": slot["start"],
            },
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"].endswith("?done=booked")
        done = await client.get(r.headers["location"])
        assert "panel-confirmation" in done.text and "UTC+8" in done.text
        listed = await client.get("/appointments")
        assert listed.status_code == 200
        appointment_url = r.headers["location"].split("?")[0]
        cancel = await client.post(f"{appointment_url}/cancel", data={"csrf_token": token})
        assert cancel.status_code == 303 and cancel.headers["location"].endswith("?done=cancelled")


class TestSeatConstraint:
    @pytest.mark.shared_db  # the refusal is the database's, between two transactions
    async def test_the_database_refuses_a_second_holder_of_a_seat(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        code = await make_point(sessionmaker, counters=1)
        slot = datetime.fromisoformat(str((await free_slots(client, code))[0]["start"]))
        first, second = await applicant(client), await applicant(client)
        await insert_booking(sessionmaker, code, first, slot)
        with pytest.raises(IntegrityError):
            await insert_booking(sessionmaker, code, second, slot)
        # A cancelled booking no longer holds its seat.
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Appointment)
                .where(Appointment.applicant_id == uuid.UUID(first.account["applicant"]["id"]))
                .values(status="cancelled")
            )
        await insert_booking(sessionmaker, code, second, slot)
