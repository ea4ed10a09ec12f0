"""Names and free text refuse control characters and bidi overrides with a clear message, a date
of birth must be plausible, and no input answers 500 (on PostgreSQL a NUL byte in a name or a
login email did)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_cases_api import new_draft, staff, submitted_rent_case
from tests.integration.test_sessions_and_pages import _csrf, _register_via_pages

pytestmark = pytest.mark.usefixtures("isolated_db")

NUL = "\x00"
# "Trojan source": a right-to-left override makes the name display other than it is stored.
BIDI = ["\u202e", "\u202a", "\u2066", "\u2069"]
C1 = "\x85"
MESSAGE_EN = "Remove the control or text-direction characters"
MESSAGE_ZH = "请删除其中的控制字符或文字方向字符"


def _fields(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 422, (r.status_code, r.text)
    return {e["field"]: e["code"] for e in r.json()["errors"]}


class TestApi:
    @pytest.mark.parametrize("bad", [NUL, C1, "\x1b", *BIDI])
    async def test_registration_names_refuse_control_and_bidi_characters(
        self, client: httpx.AsyncClient, bad: str
    ) -> None:
        payload = f.domestic_payload(full_name=f"王{bad}小明")
        r = await client.post("/api/v1/auth/register", json=payload)
        assert _fields(r) == {"full_name": "control_character"}
        assert MESSAGE_ZH in r.text  # Chinese by default
        r = await client.post(
            "/api/v1/auth/register", json=payload, headers={"Accept-Language": "en"}
        )
        assert MESSAGE_EN in r.text

    async def test_a_name_is_one_line(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/api/v1/auth/register", json=f.domestic_payload(full_name="王\n小明")
        )
        assert _fields(r) == {"full_name": "line_break"}

    @pytest.mark.parametrize("email", [f"a{NUL}@example.com", f"{NUL}", "x\u202e@example.com"])
    async def test_login_with_a_nul_or_bidi_email_is_422_not_500(
        self, client: httpx.AsyncClient, email: str
    ) -> None:
        r = await client.post("/api/v1/auth/login", json={"email": email, "password": "x" * 12})
        assert _fields(r) == {"email": "control_character"}
        r = await client.post(
            "/api/v1/auth/register", json=f.domestic_payload(email=email.replace("x", "y"))
        )
        assert r.status_code == 422

    async def test_notes_and_messages_keep_lines_but_refuse_controls(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _, submitted = await submitted_rent_case(client, "yangpu")
        case_id = submitted["case"]["id"]
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"])
        url = f"/api/v1/staff/cases/{case_id}/notes"
        ok = await client.post(url, headers=reviewer, json={"body": "line one\n\tline two"})
        assert ok.status_code == 201, ok.text
        for bad in (NUL, "\u202e", "\x07"):
            r = await client.post(url, headers=reviewer, json={"body": f"see{bad}here"})
            assert _fields(r) == {"body": "control_character"}

    async def test_answers_refuse_a_nul_anywhere(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(client, "yangpu", "rent_subsidy")
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": {"hukou": f"shanghai{NUL}"}},
        )
        assert r.status_code == 422, r.text

    @pytest.mark.parametrize(("born", "ok"), [("1850-06-01", False), ("2999-01-01", False)])
    async def test_a_date_of_birth_must_be_plausible(
        self, client: httpx.AsyncClient, born: str, ok: bool
    ) -> None:
        user, draft = await new_draft(client, "yangpu", "rent_subsidy")
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": {"birth_date": born}},
        )
        assert _fields(r) == {"birth_date": "out_of_range" if born < "1900" else "future_date"}

    async def test_a_plausible_date_of_birth_is_kept(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(client, "yangpu", "rent_subsidy")
        for born in ("1900-01-01", "1996-05-01"):
            r = await client.patch(
                f"/api/v1/applications/{draft['id']}",
                headers=user.headers,
                json={"answers": {"birth_date": born}},
            )
            assert r.status_code == 200, r.text


class TestPages:
    async def test_registration_page_shows_the_summary_not_a_500(
        self, client: httpx.AsyncClient
    ) -> None:
        payload = f.domestic_payload(full_name=f"王{NUL}小明")
        r = await _register_via_pages(client, payload)
        assert r.status_code == 422
        assert 'class="error-summary"' in r.text
        assert MESSAGE_ZH in r.text or MESSAGE_EN in r.text

    async def test_login_page_with_a_nul_email_is_not_a_500(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/login")
        form: dict[str, Any] = {
            "csrf_token": _csrf(page.text),
            "email": f"a{NUL}b@example.com",
            "password": "x" * 12,
        }
        r = await client.post("/login", data=form)
        assert r.status_code < 500
        assert 'class="error-summary"' in r.text
