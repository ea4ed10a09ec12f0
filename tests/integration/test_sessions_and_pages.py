"""Page sessions (cookies, timeouts, rotation), the language switch and form handling."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.base import utcnow
from app.services import accounts as accounts_service
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF token"
    return match.group(1)


async def _register_via_pages(client: httpx.AsyncClient, payload: dict[str, str]) -> httpx.Response:
    page = await client.get("/register/domestic")
    form = {k: v for k, v in payload.items() if k not in ("applicant_type",)}
    form["consent_personal_info"] = "yes"
    form["csrf_token"] = _csrf(page.text)
    return await client.post("/register/domestic", data=form)


async def _confirm_via_pages(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """Opens the emailed confirmation link and presses its button."""
    token = await f.emailed_token(client, email)
    page = await client.get(f"/confirm-email?token={token}")
    return await client.post(
        "/confirm-email", data={"token": token, "csrf_token": _csrf(page.text)}
    )


async def _sign_in_via_pages(
    client: httpx.AsyncClient, email: str, password: str
) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": _csrf(page.text)}
    )


async def _sign_up_via_pages(client: httpx.AsyncClient, payload: dict[str, str]) -> httpx.Response:
    """What a new applicant does on the pages: registers, opens the confirmation link from the
    email, signs in. Returns the sign-in's answer."""
    registered = await _register_via_pages(client, payload)
    assert registered.status_code == 303, registered.text
    assert (await _confirm_via_pages(client, payload["email"])).status_code == 303
    return await _sign_in_via_pages(client, payload["email"], payload["password"])


class TestPageRegistration:
    async def test_register_confirm_then_sign_in_with_a_safe_cookie(
        self, client: httpx.AsyncClient
    ) -> None:
        payload = f.domestic_payload()
        r = await _register_via_pages(client, payload)
        assert r.status_code == 303
        assert r.headers["location"] == "/register/sent"
        # Not signed in until the email address is confirmed (issue 14, item 9).
        assert not any(h.startswith("tp_session=") for h in r.headers.get_list("set-cookie"))
        assert "请查收电子邮件" in (await client.get(r.headers["location"])).text
        early = await _sign_in_via_pages(client, payload["email"], payload["password"])
        assert early.status_code == 403
        assert "请打开我们发送到您电子邮箱的链接完成注册" in early.text
        confirmed = await _confirm_via_pages(client, payload["email"])
        assert confirmed.status_code == 303
        assert "账户已创建" in (await client.get(confirmed.headers["location"])).text
        r = await _sign_in_via_pages(client, payload["email"], payload["password"])
        assert r.status_code == 303
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("tp_session="))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        account = await client.get(r.headers["location"])
        assert account.status_code == 200
        assert payload["id_number"] not in account.text
        assert payload["id_number"][-4:] in account.text

    async def test_errors_are_summarised_and_nothing_is_stored(
        self, client: httpx.AsyncClient
    ) -> None:
        payload = f.domestic_payload(id_number=f.bad_check_digit(f.resident_id()), mobile="123")
        r = await _register_via_pages(client, payload)
        assert r.status_code == 422
        assert 'class="error-summary"' in r.text
        assert 'href="#id_number"' in r.text and 'href="#mobile"' in r.text
        # Entered values are kept, except the password.
        assert payload["email"] in r.text
        assert payload["password"] not in r.text
        login = await client.post(
            "/api/v1/auth/login", json={"email": payload["email"], "password": payload["password"]}
        )
        assert login.status_code == 401

    async def test_account_page_needs_sign_in(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/account")
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=%2Faccount"

    async def test_sign_in_rotates_the_session(self, client: httpx.AsyncClient) -> None:
        payload = f.domestic_payload()
        await _sign_up_via_pages(client, payload)
        first = client.cookies.get("tp_session")
        page = await client.get("/login")
        assert page.status_code == 303  # already signed in
        client.cookies.delete("tp_session")
        login_page = await client.get("/login")
        r = await client.post(
            "/login",
            data={
                "email": payload["email"],
                "password": payload["password"],
                "csrf_token": _csrf(login_page.text),
            },
        )
        assert r.status_code == 303
        assert client.cookies.get("tp_session") not in (None, first)

    async def test_a_password_with_spaces_works_the_same_on_api_and_pages(
        self, client: httpx.AsyncClient
    ) -> None:
        password = " Violet-Tram-Harbour "
        by_api = f.domestic_payload(password=password)
        assert (await client.post("/api/v1/auth/register", json=by_api)).status_code == 202
        await f.confirm_email(client, by_api["email"])
        login_page = await client.get("/login")
        r = await client.post(
            "/login",
            data={
                "email": by_api["email"],
                "password": password,
                "csrf_token": _csrf(login_page.text),
            },
        )
        assert r.status_code == 303, r.text
        client.cookies.clear()

        by_page = f.domestic_payload(password=password)
        assert (await _sign_up_via_pages(client, by_page)).status_code == 303
        client.cookies.clear()
        for payload in (by_api, by_page):
            exact = {"email": payload["email"], "password": password}
            trimmed = {"email": payload["email"], "password": password.strip()}
            assert (await client.post("/api/v1/auth/login", json=exact)).status_code == 200
            assert (await client.post("/api/v1/auth/login", json=trimmed)).status_code == 401

    async def test_logout_revokes_the_cookie_server_side(self, client: httpx.AsyncClient) -> None:
        await _sign_up_via_pages(client, f.domestic_payload())
        token = client.cookies.get("tp_session")
        account = await client.get("/account")
        r = await client.post("/logout", data={"csrf_token": _csrf(account.text)})
        assert r.status_code == 303
        client.cookies.set("tp_session", token or "")
        assert (await client.get("/account")).status_code == 303


class TestSessionTimeouts:
    async def test_idle_and_absolute_timeouts(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        payload = f.domestic_payload()
        await client.post("/api/v1/auth/register", json=payload)
        await f.confirm_email(client, payload["email"])
        now = utcnow()
        async with sessionmaker() as session, session.begin():
            issued = await accounts_service.login(
                session, payload["email"], payload["password"], None, kind="web", now=now
            )
        async with sessionmaker() as session, session.begin():
            assert await accounts_service.resolve(session, issued.token, "web", now) is not None
            # Activity within the idle window keeps the session alive ...
            later = now + timedelta(minutes=25)
            assert await accounts_service.resolve(session, issued.token, "web", later)
        async with sessionmaker() as session, session.begin():
            still = now + timedelta(minutes=50)
            assert await accounts_service.resolve(session, issued.token, "web", still)
            # ... 31 idle minutes end it ...
            idle = still + timedelta(minutes=31)
            assert await accounts_service.resolve(session, issued.token, "web", idle) is None
        async with sessionmaker() as session, session.begin():
            issued2 = await accounts_service.login(
                session, payload["email"], payload["password"], None, kind="web", now=now
            )
        # ... and however active, a login ends after the absolute limit (12 hours).
        async with sessionmaker() as session, session.begin():
            for step in range(1, 36):  # active every 20 minutes up to 11 h 40 min
                t = now + timedelta(minutes=20 * step)
                assert await accounts_service.resolve(session, issued2.token, "web", t), t - now
            t = now + timedelta(hours=12, minutes=1)
            assert await accounts_service.resolve(session, issued2.token, "web", t) is None

    async def test_api_access_token_expires_after_15_minutes(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        token = user.access_token
        async with sessionmaker() as session:
            soon = utcnow() + timedelta(minutes=14)
            late = utcnow() + timedelta(minutes=16)
            assert await accounts_service.resolve(session, token, "api", soon)
            assert await accounts_service.resolve(session, token, "api", late) is None
            # A bearer token is not a page cookie, and the other way round.
            assert await accounts_service.resolve(session, token, "web", soon) is None


class TestLanguage:
    async def test_switch_is_remembered_and_stored_for_the_user(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/lang/en?next=/register")
        assert r.status_code == 303
        assert r.headers["location"] == "/register"
        page = await client.get("/register")
        assert "Create an account" in page.text
        assert '<html lang="en">' in page.text
        await client.get("/lang/zh?next=/")
        assert "注册账户" in (await client.get("/")).text

    async def test_accept_language_without_cookie(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert "Talent services in Yangpu and Changning" in r.text

    async def test_switch_is_not_an_open_redirect(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/lang/en?next=//evil.example/")
        assert r.headers["location"] == "/"


class TestLogs:
    async def test_no_personal_data_in_logs(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        # INFO is the production level; DEBUG of database drivers echoes SQL parameters by design.
        caplog.set_level(logging.INFO)
        payload = f.domestic_payload()
        await f.register_and_login(client, payload)
        await client.post(
            "/api/v1/auth/login", json={"email": payload["email"], "password": "wrong-password-1"}
        )
        text = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
        assert "request" in text  # the access log did run
        for secret in (payload["id_number"], payload["email"], payload["password"], "13800138000"):
            assert secret not in text


class TestCalculatorProfile:
    async def test_saved_answers_prefill_the_calculator(self, client: httpx.AsyncClient) -> None:
        payload = f.domestic_payload()
        await _sign_up_via_pages(client, payload)
        page = await client.get("/calculator")
        assert page.status_code == 200
        form = {
            "csrf_token": _csrf(page.text),
            "known": "{}",
            "asked": ["birth_date", "highest_degree"],
            "birth_date": "1994-04-01",
            "highest_degree": "doctorate",
            "save": "1",
        }
        r = await client.post("/calculator", data=form)
        assert r.status_code == 303
        again = await client.get("/calculator")
        # The saved answers are listed as known, so they are not asked again.
        assert "1994-04-01" in again.text
        assert 'name="asked" value="birth_date"' not in again.text
