"""A failed form post is answered with its page and the error summary, after the request scope
has undone the failed work: the page never lists what was rolled back, and writes an error asks
to keep (a failed sign-in's audit entry) are kept."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry, Document
from tests import factories as f
from tests.integration.test_documents import PDF
from tests.integration.test_held_answers import csrf_of, draft_for, web_login


async def _documents_of(sm: async_sessionmaker[AsyncSession], applicant_id: str) -> int:
    async with sm() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.owner_applicant_id == uuid.UUID(applicant_id))
        )
        return int(count or 0)


class TestFailedPostsAreUndoneBeforeThePageIsShown:
    async def test_an_upload_for_a_document_the_service_does_not_ask_for(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        draft = await draft_for(client, user)
        await web_login(client, user)
        page = await client.get(f"/applications/{draft['id']}/documents")
        assert page.status_code == 200
        r = await client.post(
            f"/applications/{draft['id']}/documents/upload",
            data={"csrf_token": csrf_of(page.text), "requirement": "no_such_material"},
            files={"file": ("rolled-back-scan.pdf", PDF, "application/pdf")},
        )
        # The file went into the wallet before the application refused it: the page, read
        # after the rollback, lists the wallet without it, and nothing was kept.
        assert r.status_code == 422
        assert 'class="error-summary"' in r.text
        assert "rolled-back-scan.pdf" not in r.text
        assert await _documents_of(sessionmaker, user.account["applicant"]["id"]) == 0

    async def test_a_failed_sign_in_is_shown_on_the_page_and_its_audit_entry_kept(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        user_id = uuid.UUID(user.account["user_id"])
        page = await client.get("/login")
        r = await client.post(
            "/login",
            data={
                "email": user.email,
                "password": "Not-The-Password-1",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert r.status_code == 401
        assert 'class="error-summary"' in r.text and user.email in r.text
        async with sessionmaker() as session:
            failed = await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action == "auth.login_failed",
                    AuditEntry.actor_user_id == user_id,
                )
            )
        assert failed == 1
