"""Fifty holders of an approved youth-station case book the last free bed of a station for the
same nights at the same moment, on the real server and PostgreSQL, each request on a connection
of its own (issue 17: "50 concurrent bookings ... of the last bed give exactly one booking").
The (bed, night) key of station_bed_night decides: exactly one stay is booked, every other
request is told no bed is free, and no night of any bed is held twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.faults.conftest import Process, report
from tests.faults.test_kill9 import rows
from tests.integration.test_youth_stations import approve_for, make_station, today

pytestmark = pytest.mark.timeout(600)

RACERS = 50


async def test_fifty_bookings_of_the_last_bed_give_exactly_one(
    portal: tuple[Process, str],
    database_url: str,
    http: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, base = portal
    code = await make_station(sessionmaker, rooms=(("1", "any", 2),))
    first_night = (today() + timedelta(days=2)).isoformat()
    body = {"point_code": code, "first_night": first_night, "days": 2}
    first = await f.register_and_login(http, f.domestic_payload())
    await approve_for(sessionmaker, first, "yangpu")
    r = await http.post("/api/v1/youth-stations/stays", headers=first.headers, json=body)
    assert r.status_code == 201, r.text  # one of the two beds: the other is the last
    racers = [await f.register_and_login(http, f.domestic_payload()) for _ in range(RACERS)]
    for who in racers:
        await approve_for(sessionmaker, who, "yangpu")
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in racers]
    try:
        answers = await asyncio.gather(
            *[
                c.post("/api/v1/youth-stations/stays", headers=who.headers, json=body)
                for c, who in zip(clients, racers, strict=True)
            ]
        )
    finally:
        for c in clients:
            await c.aclose()
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (RACERS - 1), [a.text for a in answers if a.status_code != 409]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"no_bed_free"}
    stays = rows(
        database_url,
        "SELECT s.bed_id FROM youth_station_stay s JOIN service_point p ON p.id = s.point_id "
        "WHERE p.code = %s AND s.status = 'booked'",
        code,
    )
    assert len(stays) == 2 and len({b for (b,) in stays}) == 2
    nights = rows(
        database_url,
        "SELECT n.bed_id, n.night FROM station_bed_night n JOIN station_bed b ON b.id = n.bed_id "
        "JOIN service_point p ON p.id = b.point_id WHERE p.code = %s",
        code,
    )
    assert len(nights) == 4 == len(set(nights))
    report(
        "race: 50 bookings of the last youth-station bed",
        booked=codes.count(201),
        refused=codes.count(409),
        stays_held=len(stays),
    )
