"""Youth-station stays (issue 17, point 2): stations with beds by room and gender, free beds
by night, booking only by the holder of an approved youth-station case in the case's district,
at most 3 days a stay and 15 a year (recorded, booked and declared days together), check-in
and check-out by the district's station staff, no-shows released by staff and by the worker's
round (their days not counted), and who may read or act on a stay."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.models import (
    Application,
    BedNight,
    Case,
    OutboxMessage,
    Service,
    ServicePoint,
    StationBed,
    Stay,
)
from app.models.base import utcnow
from app.services.youth_stations import desk
from app.workflow.values import SHANGHAI, local_date
from tests import factories as f
from tests.integration.test_cases_api import service_id, staff

pytestmark = pytest.mark.usefixtures("isolated_db")

SM = async_sessionmaker[AsyncSession]
API = "/api/v1/youth-stations"


async def make_station(
    sm: SM,
    *,
    district: str = "yangpu",
    rooms: tuple[tuple[str, str, int], ...] = (("1", "any", 1),),
) -> str:
    code = f"ys-{uuid.uuid4().hex[:10]}"
    async with sm() as session, session.begin():
        point = ServicePoint(
            code=code,
            district=district,
            kind="youth_station",
            name_zh="测试驿站",
            name_en="Test station",
            address_zh="测试路2号",
            address_en="2 Test Road",
            latitude=31.26,
            longitude=121.52,
            opening_hours=["09:00-21:00"],
            slot_minutes=30,
            counters=1,
            service_codes=["youth_station"],
            languages=["zh"],
            accessibility=[],
            bookable=False,
            is_demo=False,
        )
        session.add(point)
        await session.flush()
        for room, gender, count in rooms:
            for n in range(count):
                session.add(
                    StationBed(
                        point_id=point.id,
                        district=district,
                        room=room,
                        label=f"{room}-{n}",
                        gender=gender,
                        active=True,
                    )
                )
    return code


async def holder(
    client: httpx.AsyncClient, sm: SM, district: str = "yangpu", *, declared: int | None = None
) -> f.ApiUser:
    """An applicant whose youth-station case in ``district`` is approved."""
    who = await f.register_and_login(client, f.domestic_payload())
    await approve_for(sm, who, district, declared=declared)
    return who


async def approve_for(
    sm: SM, who: f.ApiUser, district: str, *, declared: int | None = None
) -> None:
    applicant_id = uuid.UUID(who.account["applicant"]["id"])
    async with sm() as session, session.begin():
        service = (
            await session.execute(
                select(Service).where(Service.district == district, Service.code == "youth_station")
            )
        ).scalar_one()
        app = None
        if declared is not None:
            app = Application(
                applicant_id=applicant_id,
                service_id=service.id,
                status="submitted",
                answers={"youth_station_days_elsewhere": declared},
            )
            session.add(app)
            await session.flush()
        session.add(
            Case(
                number=f"T-{uuid.uuid4().hex[:12]}",
                lookup_code_enc=b"x",
                application_id=app.id if app else None,
                applicant_id=applicant_id,
                service_id=service.id,
                district=district,
                department=service.department,
                status="approved",
                channel="web",
                time_limit_days=3,
                deadline_date=f.local_today(),
            )
        )


async def book(
    client: httpx.AsyncClient, who: f.ApiUser, code: str, first: date, days: int, **extra: Any
) -> httpx.Response:
    body = {"point_code": code, "first_night": first.isoformat(), "days": days, **extra}
    return await client.post(f"{API}/stays", headers=who.headers, json=body)


def today() -> date:
    return local_date(utcnow())


async def station_staff(
    client: httpx.AsyncClient, sm: SM, district: str = "yangpu"
) -> dict[str, str]:
    return await staff(client, sm, district, ["station_staff"], "talent_office")


class TestCalendar:
    async def test_free_beds_by_night_and_gender(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker, rooms=(("201", "female", 2), ("202", "male", 1)))
        r = await client.get(f"{API}/{code}/calendar")
        assert r.status_code == 200, r.text
        station = r.json()
        assert station["gendered"] is True and station["beds"] == 3
        first = station["nights"][0]
        assert first["day"] == today().isoformat()
        assert (first["free_female"], first["free_male"], first["free_any"]) == (2, 1, 0)
        who = await holder(client, sessionmaker)
        r = await book(client, who, code, today() + timedelta(days=1), 2, guest_gender="female")
        assert r.status_code == 201, r.text
        nights = (await client.get(f"{API}/{code}/calendar")).json()["nights"]
        assert [n["free_female"] for n in nights[:4]] == [2, 1, 1, 2]
        assert r.json()["bed"].startswith("201")

    async def test_a_gendered_station_asks_which_room(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker, rooms=(("201", "female", 1),))
        who = await holder(client, sessionmaker)
        r = await book(client, who, code, today() + timedelta(days=1), 1)
        assert r.status_code == 422, r.text
        r = await book(client, who, code, today() + timedelta(days=1), 1, guest_gender="male")
        assert r.status_code == 409 and r.json()["code"] == "no_bed_free", r.text


class TestBooking:
    async def test_only_the_holder_of_an_approved_case_in_the_district(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        nobody = await f.register_and_login(client, f.domestic_payload())
        r = await book(client, nobody, code, today() + timedelta(days=1), 1)
        assert r.status_code == 409, r.text
        assert "获批" in r.json()["detail"]
        elsewhere = await holder(client, sessionmaker, "changning")
        r = await book(client, elsewhere, code, today() + timedelta(days=1), 1)
        assert r.status_code == 409, r.text
        yes = await holder(client, sessionmaker)
        r = await book(client, yes, code, today() + timedelta(days=1), 3)
        assert r.status_code == 201, r.text
        stay = r.json()
        assert stay["leave_on"] == (today() + timedelta(days=4)).isoformat()
        assert stay["status"] == "booked" and stay["counted_days"] == 0 and stay["case_number"]

    async def test_at_most_three_days_a_stay_and_not_in_the_past(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who = await holder(client, sessionmaker)
        r = await book(client, who, code, today() + timedelta(days=1), 4)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "days"
        r = await book(client, who, code, today() - timedelta(days=1), 1)
        assert r.status_code == 422, r.text
        r = await book(client, who, code, today() + timedelta(days=400), 1)
        assert r.status_code == 422, r.text

    async def test_a_bed_is_never_booked_twice_for_a_night(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        first, second = await holder(client, sessionmaker), await holder(client, sessionmaker)
        day = today() + timedelta(days=2)
        assert (await book(client, first, code, day, 3)).status_code == 201
        r = await book(client, second, code, day + timedelta(days=2), 1)
        assert r.status_code == 409 and r.json()["code"] == "no_bed_free", r.text
        # The morning the first guest leaves, the bed is free again.
        assert (await book(client, second, code, day + timedelta(days=3), 1)).status_code == 201
        # The database itself refuses a second row for a bed's night.
        async with sessionmaker() as session:
            held = await session.scalar(select(func.count()).select_from(BedNight))
        assert held == 4

    async def test_the_sixteenth_day_of_a_year_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who = await holder(client, sessionmaker, declared=3)
        start = today() + timedelta(days=1)
        if (start + timedelta(days=12)).year != start.year:
            pytest.skip("the year ends within the stays this test books")
        # 3 declared elsewhere + 4 stays of 3 days = 15.
        for i in range(4):
            r = await book(client, who, code, start + timedelta(days=3 * i), 3)
            assert r.status_code == 201, r.text
        days = (await client.get(f"{API}/days", headers=who.headers)).json()
        assert (days["counted"], days["booked"], days["declared"], days["left"]) == (0, 12, 3, 0)
        r = await book(client, who, code, start + timedelta(days=12), 1)
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "year_limit_reached"
        assert "15天" in r.json()["detail"]
        en = await client.post(
            f"{API}/stays",
            headers={**who.headers, "Accept-Language": "en"},
            json={
                "point_code": code,
                "first_night": (start + timedelta(days=12)).isoformat(),
                "days": 1,
            },
        )
        assert en.status_code == 409, en.text
        assert "You have used all 15 youth-station days" in en.json()["detail"]

    async def test_tonight_is_not_given_after_the_days_cut_off(
        self, client: httpx.AsyncClient, sessionmaker: SM, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        code = await make_station(sessionmaker)
        who = await holder(client, sessionmaker)
        monkeypatch.setattr(get_settings(), "youth_station_checkin_cutoff", time(0, 0))
        r = await book(client, who, code, today(), 1)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "first_night"
        assert (await book(client, who, code, today() + timedelta(days=1), 1)).status_code == 201

    async def test_cancel_frees_the_bed_and_counts_nothing(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who, other = await holder(client, sessionmaker), await holder(client, sessionmaker)
        day = today() + timedelta(days=1)
        stay = (await book(client, who, code, day, 2)).json()
        r = await client.post(f"{API}/stays/{stay['id']}/cancel", headers=who.headers)
        assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
        assert (await book(client, other, code, day, 2)).status_code == 201
        # Someone else's stay is not found.
        r = await client.post(f"{API}/stays/{stay['id']}/cancel", headers=other.headers)
        assert r.status_code == 404
        days = (await client.get(f"{API}/days", headers=who.headers)).json()
        assert days["counted"] == days["booked"] == 0


async def stay_today(sm: SM, stay_id: str, first: date) -> None:
    """Moves a booked stay to start on ``first``, its bed's nights with it (the clock cannot be
    moved; a stay for tonight cannot be booked after the day's cut-off)."""
    async with sm() as session, session.begin():
        sid = uuid.UUID(stay_id)
        stay = await session.get(Stay, sid)
        assert stay is not None
        stay.first_night = first
        rows = (await session.execute(select(BedNight).where(BedNight.stay_id == sid))).scalars()
        for row in list(rows):
            await session.delete(row)
        await session.flush()
        for i in range(stay.days):
            session.add(BedNight(bed_id=stay.bed_id, night=first + timedelta(days=i), stay_id=sid))


class TestDesk:
    async def test_check_in_and_out_count_the_nights(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who = await holder(client, sessionmaker)
        stay = (await book(client, who, code, today() + timedelta(days=1), 3)).json()
        officer = await station_staff(client, sessionmaker)
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-in", headers=officer)
        assert r.status_code == 409, r.text  # not its first day
        await stay_today(sessionmaker, stay["id"], today())
        listed = (await client.get(f"{API}/desk", headers=officer)).json()
        mine = next(s for s in listed if s["id"] == stay["id"])
        assert mine["can_check_in"] and mine["applicant_name"]
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-in", headers=officer)
        assert r.status_code == 200 and r.json()["status"] == "checked_in", r.text
        days = (await client.get(f"{API}/days", headers=who.headers)).json()
        assert (days["counted"], days["booked"]) == (3, 0)
        # Leaving on the first morning after one night: one night counted, the rest freed.
        async with sessionmaker() as session, session.begin():
            row = await session.get(Stay, uuid.UUID(stay["id"]))
            assert row is not None
            row.first_night = today() - timedelta(days=1)
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-out", headers=officer)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "checked_out" and r.json()["counted_days"] == 1
        days = (await client.get(f"{API}/days", headers=who.headers)).json()
        assert days["counted"] == 1 or (today() - timedelta(days=1)).year != today().year

    async def test_staff_of_another_district_or_role_cannot_act(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who = await holder(client, sessionmaker)
        stay = (await book(client, who, code, today() + timedelta(days=1), 1)).json()
        await stay_today(sessionmaker, stay["id"], today())
        other = await station_staff(client, sessionmaker, "changning")
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-in", headers=other)
        assert r.status_code == 404
        assert stay["id"] not in {
            s["id"] for s in (await client.get(f"{API}/desk", headers=other)).json()
        }
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-in", headers=clerk)
        assert r.status_code == 403
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-in", headers=who.headers)
        assert r.status_code == 403

    async def test_no_shows_are_released_by_the_round_and_not_counted(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who, other = await holder(client, sessionmaker), await holder(client, sessionmaker)
        stay = (await book(client, who, code, today() + timedelta(days=1), 2)).json()
        await stay_today(sessionmaker, stay["id"], today())
        before_cutoff = datetime.combine(today(), time(19, 59), SHANGHAI)
        after_cutoff = datetime.combine(today(), time(20, 0), SHANGHAI)
        async with sessionmaker() as session, session.begin():
            assert await desk.release_no_shows(session, before_cutoff) == 0
        async with sessionmaker() as session, session.begin():
            assert await desk.release_no_shows(session, after_cutoff) == 1
        r = await client.get(f"{API}/stays/{stay['id']}", headers=who.headers)
        assert r.json()["status"] == "no_show" and r.json()["counted_days"] == 0
        days = (await client.get(f"{API}/days", headers=who.headers)).json()
        assert days["counted"] == days["booked"] == 0
        # The bed is free again for its nights, and the guest was told.
        r = await book(client, other, code, today() + timedelta(days=1), 1)
        assert r.status_code == 201, r.text
        async with sessionmaker() as session:
            told = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.template == "youth_stay.released")
            )
        assert told

    async def test_staff_release_a_guest_only_after_the_first_days_cut_off(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker, rooms=(("1", "any", 2),))
        officer = await station_staff(client, sessionmaker)
        coming = await holder(client, sessionmaker)
        early = (await book(client, coming, code, today() + timedelta(days=1), 1)).json()
        r = await client.post(f"{API}/desk/stays/{early['id']}/no-show", headers=officer)
        assert r.status_code == 409, r.text
        late = await holder(client, sessionmaker)
        missed = (await book(client, late, code, today() + timedelta(days=2), 1)).json()
        await stay_today(sessionmaker, missed["id"], today() - timedelta(days=1))
        r = await client.post(f"{API}/desk/stays/{missed['id']}/no-show", headers=officer)
        assert r.status_code == 200 and r.json()["status"] == "no_show", r.text


class TestDaysFeedTheRule:
    async def test_the_portal_counts_and_the_applicant_declares_only_stays_elsewhere(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        code = await make_station(sessionmaker)
        who = await holder(client, sessionmaker)
        stay = (await book(client, who, code, today() + timedelta(days=1), 2)).json()
        await stay_today(sessionmaker, stay["id"], today())
        officer = await station_staff(client, sessionmaker)
        r = await client.post(f"{API}/desk/stays/{stay['id']}/check-in", headers=officer)
        assert r.status_code == 200, r.text
        sid = await service_id(client, "yangpu", "youth_station")
        r = await client.post("/api/v1/applications", headers=who.headers, json={"service_id": sid})
        assert r.status_code == 201, r.text
        draft = r.json()
        asked = {q["fact"] for q in draft["questions"]}
        assert "youth_station_days_elsewhere" in asked
        assert "youth_station_days_used_this_year" not in asked
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers={**who.headers, "Accept-Language": "en"},
            json={"answers": {"youth_station_days_elsewhere": 5}},
        )
        assert r.status_code == 200, r.text
        r = await client.get(
            f"/api/v1/applications/{draft['id']}", headers={**who.headers, "Accept-Language": "en"}
        )
        view = r.json()
        (counted,) = [v for v in view["verifications"] if v["system"] == "youth_station_stays"]
        assert counted["facts"] == {"youth_station_days_used_this_year": 7}
        assert "2 counted by the portal" in counted["note"] and "5" in counted["note"]
        assert "declared" in counted["note"]
        # The rule is told 7: its explanation states the number it used.
        rule = next(c for c in view["eligibility"]["criteria"] if c["id"] == "days_left_this_year")
        assert rule["actual"] == 7 and rule["message"] == "7 days used this year; some left"
        # The draft carries the number, so the case opened from it is decided on it.
        async with sessionmaker() as session, session.begin():
            app = await session.get(Application, uuid.UUID(draft["id"]))
            assert app is not None
            assert app.answers["youth_station_days_used_this_year"] == 7
