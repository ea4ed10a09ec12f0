"""Password change and reset, and refresh-token families (issue 14, item 8; ASVS 6.2, 6.4):
a change needs the current password, a reset needs the single-use, short-lived link that the
outbox emails (read here from a real SMTP server on loopback); either ends every login of the
account; a refresh token that was already replaced revokes its whole login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.settings import NotificationSettings
from app.models import AuditEntry, PasswordResetToken
from app.models.base import utcnow
from app.tasks.outbox import deliver_due
from tests import factories as f
from tests.support.smtp_sink import SmtpSink, running_sink

pytestmark = pytest.mark.usefixtures("isolated_db")

Maker = async_sessionmaker[AsyncSession]
NEW_PASSWORD = "Another-Talent-2027?"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


async def _deliver(sessionmaker: Maker, smtp: SmtpSink) -> None:
    settings = NotificationSettings(  # type: ignore[call-arg]
        notify_email_transport="smtp", smtp_host=smtp.host, smtp_port=smtp.port
    )
    await deliver_due(sessionmaker, batch=500, settings=settings)


def _mails_to(smtp: SmtpSink, email: str) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in smtp.messages if m["To"] == email]  # type: ignore[union-attr]


def _reset_mails(smtp: SmtpSink, email: str) -> list[str]:
    return [body for body in _mails_to(smtp, email) if "/reset-password?token=" in body]


def _reset_token(body: str) -> str:
    match = re.search(r"/reset-password\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF token"
    return match.group(1)


async def _web_login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": _csrf(page.text)}
    )


async def _ask_reset(
    sessionmaker: Maker, smtp: SmtpSink, app_client: httpx.AsyncClient, email: str
) -> str:
    r = await app_client.post("/api/v1/auth/password/forgot", json={"email": email})
    assert r.status_code == 202, r.text
    await _deliver(sessionmaker, smtp)
    [body] = _reset_mails(smtp, email)
    return _reset_token(body)


async def _actions(sessionmaker: Maker, action: str) -> int:
    async with sessionmaker() as session:
        rows = await session.execute(select(AuditEntry.seq).where(AuditEntry.action == action))
        return len(rows.all())


class TestChangePassword:
    async def test_needs_the_current_password_and_the_policy(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        wrong = await client.post(
            "/api/v1/auth/password",
            headers=user.headers,
            json={
                "current_password": "not-my-password",
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        weak = await client.post(
            "/api/v1/auth/password",
            headers=user.headers,
            json={
                "current_password": user.password,
                "new_password": "short",
                "new_password_confirm": "other",
            },
        )
        assert weak.status_code == 422
        fields = {e["field"] for e in weak.json()["errors"]}
        assert fields == {"new_password", "new_password_confirm"}
        # Nothing changed: the old password still signs in.
        await f.login(client, user.email, user.password)

    async def test_ends_every_login_and_continues_in_a_new_one(
        self, client: httpx.AsyncClient, app: object
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        other = await f.login(client, user.email, user.password)
        r = await client.post(
            "/api/v1/auth/password",
            headers=user.headers,
            json={
                "current_password": user.password,
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        )
        assert r.status_code == 200, r.text
        fresh = r.json()
        for token in (user.access_token, other["access_token"]):
            me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 401
        for refresh in (user.refresh_token, other["refresh_token"]):
            again = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
            assert again.status_code == 401
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        )
        assert me.status_code == 200
        old = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password}
        )
        assert old.status_code == 401
        await f.login(client, user.email, NEW_PASSWORD)

    async def test_page_keeps_this_browser_signed_in_and_ends_the_others(
        self, app: object, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        assert (await _web_login(client, user.email, user.password)).status_code == 303
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as laptop:
            assert (await _web_login(laptop, user.email, user.password)).status_code == 303
            assert (await laptop.get("/account")).status_code == 200
            page = await client.get("/account/password")
            assert page.status_code == 200
            r = await client.post(
                "/account/password",
                data={
                    "csrf_token": _csrf(page.text),
                    "current_password": user.password,
                    "new_password": NEW_PASSWORD,
                    "new_password_confirm": NEW_PASSWORD,
                },
            )
            assert r.status_code == 303, r.text
            assert r.headers["location"] == "/account?password_changed=1"
            account = await client.get(r.headers["location"])
            assert account.status_code == 200
            assert "密码已更改" in account.text
            # The other browser's session ended.
            gone = await laptop.get("/account")
            assert gone.status_code in (303, 401)
        assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401


class TestReset:
    async def test_same_answer_for_unknown_and_registered_addresses(
        self, client: httpx.AsyncClient, sessionmaker: Maker, smtp: SmtpSink
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        nobody = f.unique_email("nobody")
        known = await client.post("/api/v1/auth/password/forgot", json={"email": user.email})
        unknown = await client.post("/api/v1/auth/password/forgot", json={"email": nobody})
        assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
        pages = []
        for email in (user.email, nobody):
            page = await client.get("/forgot-password")
            r = await client.post(
                "/forgot-password", data={"email": email, "csrf_token": _csrf(page.text)}
            )
            assert r.status_code == 303
            pages.append(r.headers["location"])
        assert pages[0] == pages[1] == "/forgot-password?sent=1"
        sent = await client.get(pages[0])
        assert "请查收电子邮件" in sent.text
        await _deliver(sessionmaker, smtp)
        assert len(_reset_mails(smtp, user.email)) == 2
        assert _mails_to(smtp, nobody) == []

    async def test_the_emailed_link_works_once_and_ends_every_login(
        self, client: httpx.AsyncClient, sessionmaker: Maker, smtp: SmtpSink
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        token = await _ask_reset(sessionmaker, smtp, client, user.email)
        async with sessionmaker() as session:
            stored = (await session.execute(select(PasswordResetToken.token_hash))).scalars()
            assert token not in set(stored), "only a digest of the token is stored"
        page = await client.get(f"/reset-password?token={token}")
        assert page.status_code == 200
        form = {
            "csrf_token": _csrf(page.text),
            "token": token,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        }
        r = await client.post("/reset-password", data=form)
        assert r.status_code == 303, r.text
        assert "密码已更改" in (await client.get(r.headers["location"])).text
        assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401
        stale = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert stale.status_code == 401
        await f.login(client, user.email, NEW_PASSWORD)
        # Used once: the same link cannot set another password.
        again = await client.post(
            "/api/v1/auth/password/reset",
            json={
                "token": token,
                "new_password": "Third-Talent-2028#",
                "new_password_confirm": "Third-Talent-2028#",
            },
        )
        assert again.status_code == 422
        assert again.json()["errors"][0]["field"] == "token"
        # The owner is told the password changed.
        await _deliver(sessionmaker, smtp)
        assert any("账户密码已更改" in body for body in _mails_to(smtp, user.email))
        assert await _actions(sessionmaker, "account.password_reset") >= 1

    async def test_an_expired_link_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: Maker, smtp: SmtpSink
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        token = await _ask_reset(sessionmaker, smtp, client, user.email)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        r = await client.post(
            "/api/v1/auth/password/reset",
            json={
                "token": token,
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        )
        assert r.status_code == 422
        await f.login(client, user.email, user.password)


class TestRefreshFamily:
    async def test_a_replaced_refresh_token_revokes_the_whole_login(
        self, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        first = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert first.status_code == 200
        rotated = first.json()
        # The stolen copy of the first refresh token comes back.
        replay = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert replay.status_code == 401
        # The whole family is revoked: the current pair is dead too.
        current = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
        )
        assert current.status_code == 401
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
        )
        assert me.status_code == 401
        assert await _actions(sessionmaker, "auth.refresh_reused") >= 1
        # Another login of the same person is not affected.
        await f.login(client, user.email, user.password)
