"""The CSRF token is bound to the session it was issued in, and cookies carry the ``__Host-``
prefix when the site runs over https (issue 14, item 11)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import get_settings
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF token"
    return match.group(1)


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    form = {"email": email, "password": password, "csrf_token": _csrf(page.text)}
    return await client.post("/login", data=form)


@pytest.fixture
def https_site() -> Iterator[None]:
    saved = os.environ.get("TALENT_BASE_URL")
    os.environ["TALENT_BASE_URL"] = "https://talent.example.gov.cn"
    get_settings.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TALENT_BASE_URL", None)
        else:
            os.environ["TALENT_BASE_URL"] = saved
        get_settings.cache_clear()


class TestCsrfBoundToSession:
    async def test_a_token_from_one_session_is_refused_in_another(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        alice = await f.register_and_login(client, f.domestic_payload())
        bob = await f.register_and_login(client, f.domestic_payload())
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as a,
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as b,
        ):
            assert (await _sign_in(a, alice.email, alice.password)).status_code == 303
            assert (await _sign_in(b, bob.email, bob.password)).status_code == 303
            alice_token = _csrf((await a.get("/account")).text)
            # Bob's browser carries Alice's CSRF seed and token, but its own session.
            b.cookies.set("tp_csrf", a.cookies["tp_csrf"])
            stolen = await b.post("/logout", data={"csrf_token": alice_token})
            assert stolen.status_code == 403
            assert (await b.get("/account")).status_code == 200  # still signed in
            # In its own session the same token works.
            assert (await a.post("/logout", data={"csrf_token": alice_token})).status_code == 303

    async def test_the_token_changes_when_the_session_does(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        before = _csrf((await client.get("/login")).text)
        seed = client.cookies["tp_csrf"]
        assert (await _sign_in(client, user.email, user.password)).status_code == 303
        client.cookies.set("tp_csrf", seed)  # even with the old seed put back
        after = _csrf((await client.get("/account")).text)
        assert after != before


class TestCookieNames:
    async def test_plain_names_over_http(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        r = await _sign_in(client, user.email, user.password)
        names = {h.split("=", 1)[0] for h in r.headers.get_list("set-cookie")}
        assert {"tp_session", "tp_csrf"} <= names
        assert not any(n.startswith("__Host-") for n in names)

    async def test_host_prefixed_secure_cookies_over_https(
        self, app: FastAPI, client: httpx.AsyncClient, https_site: None
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            page = await c.get("/login")
            [seed] = [
                h for h in page.headers.get_list("set-cookie") if h.startswith("__Host-csrf=")
            ]
            r = await c.post(
                "/login",
                data={
                    "email": user.email,
                    "password": user.password,
                    "csrf_token": _csrf(page.text),
                },
            )
            assert r.status_code == 303, r.text
            cookies = {h.split("=", 1)[0]: h for h in r.headers.get_list("set-cookie")}
            session = cookies["__Host-session"]
            for cookie in (seed, session, cookies["__Host-csrf"]):
                assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
            assert "tp_session" not in cookies and "tp_csrf" not in cookies
            # The prefixed cookies are the ones read back.
            assert (await c.get("/account")).status_code == 200
            out = await c.post(
                "/logout", data={"csrf_token": _csrf((await c.get("/account")).text)}
            )
            assert out.status_code == 303
            gone = next(
                h for h in out.headers.get_list("set-cookie") if h.startswith("__Host-session=")
            )
            assert "Secure" in gone and "Max-Age=0" in gone
