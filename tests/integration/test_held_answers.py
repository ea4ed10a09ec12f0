"""Issue 4: answers posted to a question page after the sign-in expired are not lost. They are
kept (encrypted, under a token only this browser holds) and go into the draft once the
applicant signs in again, and only into their own draft."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuthSession, HeldForm
from app.models.base import utcnow
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


async def web_login(client: httpx.AsyncClient, user: f.ApiUser, next_url: str = "") -> str:
    page = await client.get("/login", params={"next": next_url} if next_url else None)
    form = {"email": user.email, "password": user.password, "csrf_token": csrf_of(page.text)}
    if next_url:
        form["next"] = next_url
    r = await client.post("/login", data=form)
    assert r.status_code == 303, r.text
    return r.headers["location"]


async def expire_web_sessions(sm: async_sessionmaker[AsyncSession], user: f.ApiUser) -> None:
    """As if the applicant had left the page open for an hour: idle timeout passed."""
    long_ago = utcnow() - timedelta(hours=1)
    user_id = uuid.UUID(user.account["user_id"])
    async with sm() as session, session.begin():
        await session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.kind == "web")
            .values(last_seen_at=long_ago, token_expires_at=long_ago)
        )


async def draft_for(client: httpx.AsyncClient, user: f.ApiUser) -> dict[str, Any]:
    services = (await client.get("/api/v1/services", params={"district": "changning"})).json()
    sid = next(s["id"] for s in services if s["code"] == "rent_subsidy")
    r = await client.post("/api/v1/applications", headers=user.headers, json={"service_id": sid})
    assert r.status_code == 201, r.text
    return dict(r.json())


def answers_of(draft: dict[str, Any]) -> dict[str, Any]:
    return {q["fact"]: q["answer"] for q in draft["questions"]}


async def held_rows(sm: async_sessionmaker[AsyncSession]) -> int:
    async with sm() as session:
        return int(await session.scalar(select(func.count()).select_from(HeldForm)) or 0)


class TestAnswersSurviveAnExpiredSession:
    async def test_answers_posted_while_signed_out_are_in_the_draft_after_signing_in(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        # A passport holder: a resident ID number gives the birth date, which is then not asked
        # (issue 21, item 11).
        user = await f.register_and_login(client, f.overseas_payload())
        draft = await draft_for(client, user)
        await web_login(client, user)
        page_url = f"/applications/{draft['id']}/questions/1"
        page = await client.get(page_url)
        assert page.status_code == 200
        assert draft["questions"][0]["fact"] == "birth_date"  # on page 1
        posted = {"birth_date": "1990-05-01", "csrf_token": csrf_of(page.text)}

        await expire_web_sessions(sessionmaker, user)
        r = await client.post(page_url, data=posted)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")
        assert client.cookies.get("tp_held")
        # Nothing reaches the draft while nobody is signed in ...
        now = (await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)).json()
        assert answers_of(now).get("birth_date") is None
        async with sessionmaker() as session:
            row = await session.scalar(
                select(HeldForm).where(HeldForm.application_id == uuid.UUID(draft["id"]))
            )
        assert row is not None and b"1990-05-01" not in row.fields_enc  # stored encrypted

        # ... and after signing in again the applicant is back on the page, answers saved.
        location = await web_login(client, user, next_url=page_url)
        assert location == page_url
        back = await client.get(location)
        assert back.status_code == 200
        assert "were kept and are now saved" in back.text or "已为您保存" in back.text
        assert 'value="1990-05-01"' in back.text
        now = (await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)).json()
        assert answers_of(now)["birth_date"] == "1990-05-01"
        # The token is used once.
        async with sessionmaker() as session:
            assert await session.get(HeldForm, row.id) is None
        assert not client.cookies.get("tp_held")

    async def test_held_answers_never_reach_another_accounts_draft(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        owner = await f.register_and_login(client, f.domestic_payload())
        other = await f.register_and_login(client, f.domestic_payload())
        draft = await draft_for(client, owner)
        await web_login(client, other)
        page = await client.get("/account")
        token = csrf_of(page.text)
        await expire_web_sessions(sessionmaker, other)
        # Signed out, someone posts to a draft that is not theirs ...
        r = await client.post(
            f"/applications/{draft['id']}/questions/1",
            data={"birth_date": "1990-05-01", "csrf_token": token},
        )
        assert r.status_code == 303
        # ... and signs in as themselves: nothing is merged anywhere, and the draft stays hidden.
        await web_login(client, other)
        r = await client.get(f"/applications/{draft['id']}/questions/1")
        assert r.status_code == 404
        now = (
            await client.get(f"/api/v1/applications/{draft['id']}", headers=owner.headers)
        ).json()
        assert answers_of(now).get("birth_date") is None

    async def test_a_post_without_the_forms_csrf_token_keeps_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        draft = await draft_for(client, user)
        before = await held_rows(sessionmaker)
        r = await client.post(
            f"/applications/{draft['id']}/questions/1",
            data={"birth_date": "1990-05-01", "csrf_token": "forged"},
        )
        assert r.status_code == 403
        assert await held_rows(sessionmaker) == before
