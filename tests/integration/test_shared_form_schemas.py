"""A form that a page and an API route both take is validated by one schema
(app/schemas/forms.py): the same input gets the same refusal and the same message on either
channel, and the window page passes its hidden idempotency key through as the API passes its
Idempotency-Key header."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Application
from tests import factories as f
from tests.integration.test_cases_api import PDF, service_id
from tests.integration.test_housing import _page_session
from tests.integration.test_window_api import SCANS

BAD_DAY = "2026-02-30"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _idempotency_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _scans() -> dict[str, tuple[str, bytes, str]]:
    return {f"file_{code}": (f"{code}.pdf", PDF, "application/pdf") for code in SCANS}


def _page_answers() -> dict[str, Any]:
    """f.renting_returnee_profile() as the window page's question fields post them."""
    answers: dict[str, Any] = {"talent_programs__present": "1"}
    for name, value in {**f.renting_returnee_profile(), "employer_district": "yangpu"}.items():
        if isinstance(value, bool):
            answers[name] = "yes" if value else "no"
        elif not isinstance(value, list):
            answers[name] = str(value)
    return answers


async def _applications_of(sm: async_sessionmaker[AsyncSession], applicant_id: str) -> int:
    async with sm() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.applicant_id == uuid.UUID(applicant_id))
        )
        return int(count or 0)


async def _clerk_and_walk_in(
    app: FastAPI, client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[dict[str, str], httpx.AsyncClient, str, str]:
    """A window clerk's API headers, another clerk's page session, a walk-in and the rent
    subsidy of their district."""
    api_clerk = await f.staff_login(
        client,
        await f.create_staff(
            sm, district="yangpu", roles=["window_clerk"], department="service_center"
        ),
    )
    page_clerk = await f.create_staff(
        sm, district="yangpu", roles=["window_clerk"], department="service_center"
    )
    pages = await _page_session(app, page_clerk, f.PASSWORD, totp=True)
    walk_in = await client.post(
        "/api/v1/staff/window/applicants",
        headers=api_clerk,
        json={"registration": f.domestic_payload()},
    )
    assert walk_in.status_code == 201, walk_in.text
    sid = await service_id(client, "yangpu", "rent_subsidy")
    return api_clerk, pages, walk_in.json()["id"], sid


class TestWindowFiling:
    async def test_the_page_refuses_the_bad_date_the_api_refuses(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        api_clerk, pages, applicant_id, sid = await _clerk_and_walk_in(app, client, sessionmaker)
        try:
            api = await client.post(
                f"/api/v1/staff/window/applicants/{applicant_id}/filings",
                headers={**api_clerk, "Idempotency-Key": uuid.uuid4().hex},
                data={"service_id": sid, "answers": "{}", "pending_due_on": BAD_DAY},
                files=_scans(),
            )
            assert api.status_code == 422
            [problem] = api.json()["errors"]
            assert problem["field"] == "pending_due_on"

            url = f"/staff/window/applicants/{applicant_id}/services/{sid}"
            form = await pages.get(url)
            assert form.status_code == 200
            r = await pages.post(
                url,
                data={
                    **_page_answers(),
                    "csrf_token": _csrf(form.text),
                    "idempotency_key": _idempotency_key(form.text),
                    "pending_due_on": BAD_DAY,
                },
                files=_scans(),
            )
            assert r.status_code == 422
            assert 'class="error-summary"' in r.text
            assert f'<a href="#pending_due_on">{problem["message"]}</a>' in r.text
            # Before, the page filed the case without the date it could not read.
            assert await _applications_of(sessionmaker, applicant_id) == 0
        finally:
            await pages.aclose()

    async def test_the_same_form_posted_twice_files_one_case(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        _api_clerk, pages, applicant_id, sid = await _clerk_and_walk_in(app, client, sessionmaker)
        try:
            url = f"/staff/window/applicants/{applicant_id}/services/{sid}"
            form = await pages.get(url)
            posted = {
                **_page_answers(),
                "csrf_token": _csrf(form.text),
                "idempotency_key": _idempotency_key(form.text),
                "original_seen": ["id_document", "degree_certificate"],
            }
            first = await pages.post(url, data=posted, files=_scans())
            assert first.status_code == 303, first.text
            again = await pages.post(url, data=posted, files=_scans())
            assert again.status_code == 303
            assert again.headers["location"] == first.headers["location"]
            assert await _applications_of(sessionmaker, applicant_id) == 1
            # Without the form's key the post is refused, never given a key of its own.
            del posted["idempotency_key"]
            refused = await pages.post(url, data=posted, files=_scans())
            assert refused.status_code == 422 and 'class="error-summary"' in refused.text
            assert await _applications_of(sessionmaker, applicant_id) == 1
        finally:
            await pages.aclose()


class TestQueueFilters:
    @pytest.mark.parametrize(
        ("page_param", "api_param", "value"),
        [
            ("department", "department", "nowhere"),
            ("status", "status", "lost"),
            ("light", "light", "green"),
            ("service", "service_id", "not-a-service"),
            ("mine", "mine", "perhaps"),
            ("q", "q", "x" * 101),
        ],
    )
    async def test_a_bad_filter_gets_the_same_error_on_the_page_and_the_api(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        page_param: str,
        api_param: str,
        value: str,
    ) -> None:
        headers = await f.staff_login(
            client, await f.create_staff(sessionmaker, district="changning", roles=["reviewer"])
        )
        page_reviewer = await f.create_staff(sessionmaker, district="changning", roles=["reviewer"])
        pages = await _page_session(app, page_reviewer, f.PASSWORD, totp=True)
        try:
            api = await client.get(
                "/api/v1/staff/cases", headers=headers, params={api_param: value, "lang": "en"}
            )
            assert api.status_code == 422
            [problem] = api.json()["errors"]
            assert problem["field"] == api_param
            page = await pages.get("/staff/cases", params={page_param: value, "lang": "en"})
            assert page.status_code == 422
            # The page names its own input: the service select is "service".
            assert f'<a href="#{page_param}">{problem["message"]}</a>' in page.text
        finally:
            await pages.aclose()
