"""Failed sign-ins slow the guesser down without locking the owner out (issue 14, item 10)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import AccountLocked, InvalidCredentials
from app.models.base import utcnow
from app.services import accounts as accounts_service
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")

Maker = async_sessionmaker[AsyncSession]


class TestGrowingDelays:
    async def test_guesses_from_one_address_do_not_keep_the_owner_out(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        attacker = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=attacker, base_url="http://testserver") as bad:
            statuses = []
            for _ in range(12):
                r = await bad.post(
                    "/api/v1/auth/login", json={"email": user.email, "password": "wrong-guess-1"}
                )
                statuses.append(r.status_code)
            assert statuses == [401] * 10 + [429] * 2
            assert r.json()["code"] == "login_delayed"
            assert int(r.headers["Retry-After"]) == 30
            # Even the right password waits at the guesser's address...
            held = await bad.post(
                "/api/v1/auth/login",
                json={"email": user.email, "password": user.password},
                headers={"Accept-Language": "en"},
            )
            assert held.status_code == 429
            assert "Try again in 30 seconds" in held.json()["detail"]
        # ...while the owner, elsewhere, signs in at once.
        mine = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password}
        )
        assert mine.status_code == 200

    async def test_delays_double_and_refused_attempts_do_not_renew_them(
        self, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        t0 = utcnow()

        async def attempt(at: float, password: str = "wrong-guess-1") -> str:
            async with sessionmaker() as session, session.begin():
                try:
                    await accounts_service.login(
                        session,
                        user.email,
                        password,
                        None,
                        kind="api",
                        client="198.51.100.7",
                        now=t0 + timedelta(seconds=at),
                    )
                except InvalidCredentials:
                    return "wrong"
                except AccountLocked as held:
                    return f"wait {held.params['seconds']}"
            return "in"

        assert [await attempt(0) for _ in range(10)] == ["wrong"] * 10
        assert await attempt(1) == "wait 29"
        assert await attempt(29) == "wait 1"  # asking again does not extend the wait
        assert await attempt(30) == "wrong"
        assert await attempt(30) == "wait 60"
        assert await attempt(90) == "wrong"
        assert await attempt(90) == "wait 120"
        assert await attempt(210, user.password) == "in"
        assert await attempt(210) == "wrong"  # success starts the count again
        assert await attempt(210) == "wrong"

    async def test_the_delay_has_a_ceiling(self, sessionmaker: Maker) -> None:
        email, t = f.unique_email("ghost"), utcnow()

        async def attempt() -> int:
            async with sessionmaker() as session, session.begin():
                try:
                    await accounts_service.login(
                        session, email, "x" * 9, None, kind="api", client="198.51.100.8", now=t
                    )
                except InvalidCredentials:
                    return 0
                except AccountLocked as held:
                    return int(held.params["seconds"])
            raise AssertionError("signed in with a wrong password")

        assert [await attempt() for _ in range(10)] == [0] * 10
        waits = []
        for _ in range(8):
            waits.append(await attempt())
            t += timedelta(seconds=waits[-1])
            assert await attempt() == 0
        assert waits == [30, 60, 120, 240, 480, 900, 900, 900]


class TestAccountCeiling:
    async def _fail_from_many_addresses(self, sessionmaker: Maker, email: str, n: int) -> None:
        for i in range(n):
            async with sessionmaker() as session, session.begin():
                with pytest.raises(InvalidCredentials):
                    await accounts_service.login(
                        session,
                        email,
                        "wrong-guess-1",
                        None,
                        kind="api",
                        client=f"10.0.{i // 250}.{i % 250}",
                    )

    async def test_an_applicant_account_waits_after_100_failures_in_an_hour(
        self, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        await self._fail_from_many_addresses(sessionmaker, user.email, 100)
        r = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password}
        )
        assert r.status_code == 429
        assert 3500 < int(r.headers["Retry-After"]) <= 3600

    async def test_staff_are_never_held_by_password_guesses_alone(
        self, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        await self._fail_from_many_addresses(sessionmaker, email, 101)
        # The code is still needed, and suffices with the password.
        headers = await f.staff_login(client, email)
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
