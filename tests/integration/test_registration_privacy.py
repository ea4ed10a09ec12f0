"""Registration does not tell who is registered (issue 14, item 9): an email address or ID
number that already has an account gets the same answer as a new one, nothing is made, and the
owner is told by email instead (read here from a real SMTP server on loopback). A new account
signs in once its email address is confirmed by the emailed link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.settings import NotificationSettings
from app.models import User
from app.tasks.outbox import deliver_due
from tests import factories as f
from tests.integration.test_cases_api import staff
from tests.support.smtp_sink import SmtpSink, running_sink

pytestmark = pytest.mark.usefixtures("isolated_db")

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


async def _deliver(sessionmaker: Maker, smtp: SmtpSink) -> None:
    settings = NotificationSettings(  # type: ignore[call-arg]
        notify_email_transport="smtp", smtp_host=smtp.host, smtp_port=smtp.port
    )
    await deliver_due(sessionmaker, batch=500, settings=settings)


def _mails(smtp: SmtpSink, email: str) -> list[tuple[str, str]]:
    return [
        (str(m["Subject"]), m.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        for m in smtp.messages
        if m["To"] == email
    ]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF token"
    return match.group(1)


async def _accounts(sessionmaker: Maker, email: str) -> int:
    async with sessionmaker() as session:
        found = await session.execute(select(func.count()).where(User.email == email))
        return int(found.scalar_one())


def _answer(r: httpx.Response) -> tuple[int, Any]:
    return r.status_code, r.json()


class TestSameAnswer:
    async def test_api_answers_alike_and_tells_the_owners(
        self, client: httpx.AsyncClient, sessionmaker: Maker, smtp: SmtpSink
    ) -> None:
        owner = await f.register_and_login(client, f.domestic_payload())
        first = f.domestic_payload()
        await f.register_and_login(client, first)

        new = f.domestic_payload()
        # A stranger's password: signing in with it must not work either.
        same_email = f.domestic_payload(email=owner.email, password="Stranger-Talent-2031!")
        same_id = f.domestic_payload(id_number=first["id_number"])
        answers = [
            _answer(await client.post("/api/v1/auth/register", json=payload))
            for payload in (new, same_email, same_id)
        ]
        assert answers[0] == answers[1] == answers[2] == (202, {"status": "confirmation_sent"})
        # Nothing was made for the taken ones; the new one waits for its confirmation.
        assert await _accounts(sessionmaker, same_id["email"]) == 0
        assert await _accounts(sessionmaker, owner.email) == 1
        for payload in (same_email, same_id):
            refused = await client.post(
                "/api/v1/auth/login",
                json={"email": payload["email"], "password": payload["password"]},
            )
            assert refused.status_code == 401

        await _deliver(sessionmaker, smtp)
        owner_subjects = [subject for subject, _ in _mails(smtp, owner.email)]
        assert "有人尝试用您的电子邮箱注册" in owner_subjects
        first_subjects = [subject for subject, _ in _mails(smtp, first["email"])]
        assert "有人尝试用您的证件号码注册" in first_subjects
        # The stranger's address gets nothing; the new one gets its confirmation link.
        assert _mails(smtp, same_id["email"]) == []
        [(subject, body)] = _mails(smtp, new["email"])
        assert subject == "确认您的电子邮箱" and "/confirm-email?token=" in body

    async def test_pages_answer_alike(self, client: httpx.AsyncClient) -> None:
        owner = await f.register_and_login(client, f.domestic_payload())
        locations = []
        for payload in (
            f.domestic_payload(),
            f.domestic_payload(email=owner.email),
            f.domestic_payload(id_number=f.domestic_payload()["id_number"]),
        ):
            page = await client.get("/register/domestic")
            form = {k: v for k, v in payload.items() if k != "applicant_type"}
            form |= {"consent_personal_info": "yes", "csrf_token": _csrf(page.text)}
            r = await client.post("/register/domestic", data=form)
            assert r.status_code == 303, r.text
            locations.append(r.headers["location"])
        assert locations == ["/register/sent"] * 3


class TestConfirmation:
    async def test_sign_in_waits_for_the_link_which_works_once(
        self, client: httpx.AsyncClient
    ) -> None:
        payload = f.domestic_payload()
        assert (await client.post("/api/v1/auth/register", json=payload)).status_code == 202
        login = {"email": payload["email"], "password": payload["password"]}
        early = await client.post("/api/v1/auth/login", json=login)
        assert (early.status_code, early.json()["code"]) == (403, "email_not_confirmed")
        # A wrong password still answers like any wrong password.
        wrong = await client.post(
            "/api/v1/auth/login", json={**login, "password": "wrong-password-9"}
        )
        assert wrong.status_code == 401
        token = await f.emailed_token(client, payload["email"])
        ok = await client.post("/api/v1/auth/confirm-email", json={"token": token})
        assert ok.status_code == 204
        again = await client.post("/api/v1/auth/confirm-email", json={"token": token})
        assert again.status_code == 422
        assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200

    async def test_registering_again_unconfirmed_sends_a_new_link(
        self, client: httpx.AsyncClient
    ) -> None:
        payload = f.domestic_payload()
        await client.post("/api/v1/auth/register", json=payload)
        first = await f.emailed_token(client, payload["email"])
        await client.post("/api/v1/auth/register", json=f.domestic_payload(email=payload["email"]))
        second = await f.emailed_token(client, payload["email"])
        assert second != first
        ok = await client.post("/api/v1/auth/confirm-email", json={"token": second})
        assert ok.status_code == 204


class TestWindow:
    async def test_the_clerk_is_told_and_the_walk_in_confirms_the_email(
        self, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        # A clerk can find applicants by ID number anyway: the window keeps its explicit answer.
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        payload = f.domestic_payload()
        made = await client.post(
            "/api/v1/staff/window/applicants", headers=clerk, json={"registration": payload}
        )
        assert made.status_code == 201, made.text
        twin = f.domestic_payload(id_number=payload["id_number"])
        again = await client.post(
            "/api/v1/staff/window/applicants", headers=clerk, json={"registration": twin}
        )
        assert again.status_code == 422
        assert again.json()["errors"][0]["code"] == "id_taken"
        login = {"email": payload["email"], "password": payload["password"]}
        assert (await client.post("/api/v1/auth/login", json=login)).status_code == 403
        await f.confirm_email(client, payload["email"])
        assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200
