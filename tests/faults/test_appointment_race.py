"""Fifty applicants book the last seat of one appointment slot at the same moment, on the real
server and PostgreSQL, each request on a connection of its own (issue 17: "50 concurrent
bookings of the last appointment slot give exactly one booking"). The seat index
(uq_appointment_seat) decides: exactly one is booked, every other is told the time is taken."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.faults.conftest import Process, report
from tests.faults.test_kill9 import rows
from tests.integration.test_service_points import free_slots, make_point

pytestmark = pytest.mark.timeout(600)

RACERS = 50


async def test_fifty_bookings_of_the_last_seat_give_exactly_one(
    portal: tuple[Process, str],
    database_url: str,
    http: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, base = portal
    code = await make_point(sessionmaker, counters=2)
    slot = (await free_slots(http, code))[0]
    first = await f.register_and_login(http, f.domestic_payload())
    r = await http.post(
        "/api/v1/appointments",
        headers=first.headers,
        json={"point_code": code, "slot_start": slot["start"], "service_code": "rent_subsidy"},
    )
    assert r.status_code == 201, r.text  # one of the two seats: the other is the last
    racers = [await f.register_and_login(http, f.domestic_payload()) for _ in range(RACERS)]
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in racers]
    try:
        answers = await asyncio.gather(
            *[
                c.post(
                    "/api/v1/appointments",
                    headers=who.headers,
                    json={
                        "point_code": code,
                        "slot_start": slot["start"],
                        "service_code": "rent_subsidy",
                    },
                )
                for c, who in zip(clients, racers, strict=True)
            ]
        )
    finally:
        for c in clients:
            await c.aclose()
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (RACERS - 1), [a.text for a in answers if a.status_code != 409]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"slot_taken"}
    held = rows(
        database_url,
        "SELECT seat_no FROM appointment a JOIN service_point p ON p.id = a.point_id "
        "WHERE p.code = %s AND a.slot_start = %s::timestamptz AND a.status = 'booked' "
        "ORDER BY seat_no",
        code,
        str(slot["start"]),
    )
    assert [s for (s,) in held] == [1, 2]
    winner = next(a.json() for a in answers if a.status_code == 201)
    assert uuid.UUID(winner["id"]) and winner["seat_no"] in {1, 2}
    report(
        "race: 50 bookings of the last appointment seat",
        booked=codes.count(201),
        refused=codes.count(409),
        seats_held=len(held),
    )
