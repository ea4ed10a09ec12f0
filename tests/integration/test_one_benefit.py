"""One benefit, paid once (issue 14, item 3): one open application or current enrolment per person
per benefit, refused at submission, enforced by the database, flagged to staff, and paid once by
the monthly cycle even where two enrolments exist.

Both districts' rent subsidies (and Changning's returnee transition support) are one benefit,
the monthly housing allowance: each policy refuses anyone who already has a housing benefit
(``no_other_housing_benefit``) and re-checks it every month, so a person holds one of them at a
time, in one district.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.models import Application, AuditEntry, Case, Enrolment, Entitlement
from app.models.base import utcnow
from app.repositories import submissions as submissions_repo
from app.repositories.submissions import benefit_held
from tests import factories as f
from tests.integration.test_cases_api import rent_documents, service_id, staff
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_subsidies import approve, enrol

pytestmark = pytest.mark.usefixtures("isolated_db")


async def filled_rent_draft(client: httpx.AsyncClient, user: f.ApiUser, district: str) -> str:
    """A rent-subsidy draft of ``district``, answered and with its documents, ready to submit."""
    sid = await service_id(client, district, "rent_subsidy")
    r = await client.post("/api/v1/applications", json={"service_id": sid}, headers=user.headers)
    assert r.status_code == 201, r.text
    draft_id = str(r.json()["id"])
    answers = f.renting_returnee_profile(employer_district=district)
    docs = await rent_documents(client, user)
    for body in ({"answers": answers}, {"documents": docs}):
        r = await client.patch(f"/api/v1/applications/{draft_id}", headers=user.headers, json=body)
        assert r.status_code == 200, r.text
    return draft_id


async def submit(
    client: httpx.AsyncClient, user: f.ApiUser, draft_id: str, lang: str = "zh"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/applications/{draft_id}/submit",
        headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex, "Accept-Language": lang},
        json={"declaration": True, "sensitive_consent": True},
    )


async def cases_of_applicant(sm: async_sessionmaker[AsyncSession], case_id: str) -> list[str]:
    """The numbers of all cases of the applicant of ``case_id``."""
    async with sm() as session:
        case = await session.get(Case, uuid.UUID(case_id))
        assert case is not None
        rows = await session.execute(
            select(Case.number).where(Case.applicant_id == case.applicant_id)
        )
        return list(rows.scalars())


class TestOneOpenApplication:
    async def test_the_second_and_third_changning_rent_subsidy_are_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Each new draft comes after the last submission (a second draft of the same service
        is the same draft until it is submitted)."""
        user = await f.register_and_login(client, f.domestic_payload())
        first = await submit(client, user, await filled_rent_draft(client, user, "changning"))
        assert first.status_code == 201, first.text
        number = first.json()["case"]["number"]
        for lang, words in (("zh", "同一人"), ("en", "once at a time")):
            draft = await filled_rent_draft(client, user, "changning")
            r = await submit(client, user, draft, lang)
            assert r.status_code == 409, r.text
            problem = r.json()
            assert r.headers["content-type"].startswith("application/problem+json")
            assert problem["code"] == "benefit_already_held"
            assert number in problem["detail"] and words in problem["detail"]
        assert await cases_of_applicant(sessionmaker, first.json()["case"]["id"]) == [number]

    async def test_a_new_application_is_allowed_once_the_first_is_withdrawn(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        first_draft = await filled_rent_draft(client, user, "changning")
        first = (await submit(client, user, first_draft)).json()["case"]
        second_draft = await filled_rent_draft(client, user, "changning")
        assert (await submit(client, user, second_draft)).status_code == 409
        r = await client.post(
            f"/api/v1/cases/{first['id']}/actions",
            headers=user.headers,
            json={"action": "withdraw", "expected_version": first["version"]},
        )
        assert r.json()["status"] == "withdrawn", r.text
        r = await submit(client, user, second_draft)
        assert r.status_code == 201, r.text

    async def test_yangpu_and_changning_rent_subsidies_are_one_housing_allowance(
        self, client: httpx.AsyncClient
    ) -> None:
        """Each district's policy excludes anyone with another housing benefit, so the same
        person cannot hold (or apply for) both districts' rent subsidies at once."""
        user = await f.register_and_login(client, f.domestic_payload())
        changning = await submit(client, user, await filled_rent_draft(client, user, "changning"))
        number = changning.json()["case"]["number"]
        r = await submit(client, user, await filled_rent_draft(client, user, "yangpu"), "en")
        assert r.status_code == 409, r.text
        assert number in r.json()["detail"]

    async def test_the_web_check_page_shows_the_refusal_in_its_error_summary(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        first = await submit(client, user, await filled_rent_draft(client, user, "changning"))
        second = await filled_rent_draft(client, user, "changning")
        await web_login(client, user)
        page = await client.get(f"/applications/{second}/check")
        r = await client.post(
            f"/applications/{second}/submit",
            data={
                "csrf_token": csrf_of(page.text),
                "idempotency_key": uuid.uuid4().hex,
                "declaration": "on",
                "sensitive_consent": "on",
            },
        )
        assert r.status_code == 409, r.text
        assert 'class="error-summary"' in r.text
        assert first.json()["case"]["number"] in r.text


class TestStaffSeeOverlaps:
    async def test_a_case_from_before_the_rule_is_flagged_on_both_case_pages(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        old = (
            await submit(client, user, await filled_rent_draft(client, user, "changning"))
        ).json()
        # As a case left open from before cases carried their benefit (the migration marks only
        # the earliest open one of a person's duplicates).
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Case).where(Case.id == uuid.UUID(old["case"]["id"])).values(benefit=None)
            )
        new = await submit(client, user, await filled_rent_draft(client, user, "changning"))
        assert new.status_code == 201, new.text
        headers = await staff(client, sessionmaker, "changning", ["window_clerk", "reviewer"])
        for case, other in ((new.json(), old), (old, new.json())):
            r = await client.get(f"/api/v1/staff/cases/{case['case']['id']}", headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["benefit_overlaps"] == [other["case"]["number"]]


class TestPaidOnce:
    async def test_the_cycle_pays_a_person_once_even_with_two_enrolments(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        result = (
            await submit(client, user, await filled_rent_draft(client, user, "yangpu"))
        ).json()
        case_id = result["case"]["id"]
        await approve(client, sessionmaker, "yangpu", case_id)
        month = date(2043, 3, 1)
        first = await enrol(client, sessionmaker, user, case_id, "6222020200177880001", month)
        # A second approved case and enrolment for the same person, written directly as a fault
        # or an enrolment from before the rule would be (the enrolment without its benefit,
        # which the unique index would otherwise refuse).
        # Its own application with the same answers, so the cycle's re-check finds it eligible.
        twin_case_id, twin_enrolment_id, twin_app_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None and case.application_id is not None
            application = await session.get(Application, case.application_id)
            assert application is not None
            session.add(
                Application(**{**_columns(application), "id": twin_app_id, "idempotency_key": None})
            )
            await session.flush()
            session.add(
                Case(
                    **{
                        **_columns(case),
                        "id": twin_case_id,
                        "number": f"{case.number}-B",
                        "application_id": twin_app_id,
                        "benefit": None,
                    }
                )
            )
        r = await client.post(
            "/api/v1/my/subsidies",
            headers=user.headers,
            json={
                "case_id": str(twin_case_id),
                "account_name": "王小明",
                "bank_account": "6222020200177880002",
            },
        )
        assert r.status_code == 409, r.text  # enrolling it is refused, naming the first case
        assert r.json()["code"] == "benefit_already_held"
        assert case.number in r.json()["detail"]
        async with sessionmaker() as session, session.begin():
            enrolment = await session.get(Enrolment, uuid.UUID(first["id"]))
            assert enrolment is not None
            session.add(
                Enrolment(
                    **{
                        **_columns(enrolment),
                        "id": twin_enrolment_id,
                        "case_id": twin_case_id,
                        "benefit": None,
                        "created_at": utcnow(),
                    }
                )
            )
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        r = await client.post(
            "/api/v1/finance/cycles", headers=maker, json={"month": month.isoformat()}
        )
        assert r.status_code == 201, r.text
        async with sessionmaker() as session:
            paid = (
                await session.execute(
                    select(Entitlement.enrolment_id).where(
                        Entitlement.cycle_id == uuid.UUID(r.json()["id"]),
                        Entitlement.enrolment_id.in_([uuid.UUID(first["id"]), twin_enrolment_id]),
                    )
                )
            ).scalars()
            assert list(paid) == [uuid.UUID(first["id"])]
            audit = (
                await session.execute(
                    select(AuditEntry).where(
                        AuditEntry.action == "subsidy.cycle_generated",
                        AuditEntry.object_id == r.json()["id"],
                    )
                )
            ).scalar_one()
            assert audit.detail["duplicates_not_paid"] == [str(twin_enrolment_id)]


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in type(row).__table__.columns}


class TestConcurrentSubmissions:
    @pytest.mark.shared_db(reason="two submissions at once race in transactions of their own")
    async def test_two_submissions_at_once_open_one_case_and_refuse_the_other(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """On PostgreSQL both pass the check before either has written (each waits here for
        the other); the unique index over open cases refuses the second, which answers 409
        like the check, never 500. SQLite runs one writing transaction at a time from its
        start (BEGIN IMMEDIATE), so there the second one's check sees the first case."""
        racing = not get_settings().is_sqlite
        checked = asyncio.Event()
        arrivals: list[object] = []

        async def check_then_wait(*args: Any) -> str | None:
            held = await benefit_held(*args)
            arrivals.append(held)
            if len(arrivals) == 2:
                checked.set()
            if racing:
                await asyncio.wait_for(checked.wait(), 10)
            return held

        monkeypatch.setattr(submissions_repo, "benefit_held", check_then_wait)
        user = await f.register_and_login(client, f.domestic_payload())
        draft = await filled_rent_draft(client, user, "changning")
        # Two drafts of the service at once, as the window's filings or two devices make them.
        twin = uuid.uuid4()
        async with sessionmaker() as session, session.begin():
            original = await session.get(Application, uuid.UUID(draft))
            assert original is not None
            session.add(Application(**{**_columns(original), "id": twin}))
        drafts = [draft, str(twin)]
        answers = await asyncio.gather(*(submit(client, user, d, "en") for d in drafts))
        assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
        if racing:
            assert arrivals == [None, None]  # neither saw the other: the database decided
        refused = next(r for r in answers if r.status_code == 409)
        assert refused.json()["code"] == "benefit_already_held"
        opened = next(r for r in answers if r.status_code == 201).json()["case"]
        assert await cases_of_applicant(sessionmaker, opened["id"]) == [opened["number"]]
