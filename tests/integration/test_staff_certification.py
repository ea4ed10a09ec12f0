"""An organisation applies for its staff member's high-level talent classification (issue 16,
point 5): a verified organisation lists the people it confirmed as employees, files the case in
the person's name with itself named, the person is told, and the approval writes the register
entry with the organisation recorded. Another organisation's staff member is not found; an
unverified organisation, unmet criteria and a second open case are refused."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import (
    Applicant,
    Case,
    Employer,
    OutboxMessage,
    TalentRegisterEntry,
    User,
)
from tests import factories as f
from tests.integration.test_cases_api import act, staff
from tests.integration.test_housing import _page_session
from tests.integration.test_talent_awards import a_case

pytestmark = pytest.mark.usefixtures("isolated_db")

STAFF = "/api/v1/employer/staff"
FACTS = {"professional_title": "senior", "highest_degree": "master", "annual_salary_cny": 300000}


async def organisation(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str = "yangpu"
) -> tuple[uuid.UUID, str, dict[str, str]]:
    """A verified organisation with one HR user: (id, HR email, HR headers)."""
    code, hr_email = await f.create_employer_with_hr(sm, district=district, name="杨浦测试科技")
    async with sm() as session, session.begin():
        employer = (
            await session.execute(select(Employer).where(Employer.uscc == code))
        ).scalar_one()
        employer.status = "verified"
        employer_id = employer.id
    return employer_id, hr_email, await f.employer_login(client, hr_email)


async def employee(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    employer_id: uuid.UUID,
    confirmed: bool = True,
) -> tuple[f.ApiUser, Applicant]:
    """A person with a case on which the organisation answered the employment question."""
    payload = f.domestic_payload()
    user = await f.register_and_login(client, payload)
    async with sm() as session, session.begin():
        person = (
            await session.execute(
                select(Applicant).join(User).where(User.email == payload["email"].lower())
            )
        ).scalar_one()
        await a_case(
            session,
            person.id,
            "rent_subsidy",
            "submitted",
            employer_id=employer_id,
            employer_confirmed=confirmed,
        )
    return user, person


class TestOrganisationApplies:
    async def test_the_classification_lands_in_the_register_with_the_organisation(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        org_id, _email, hr = await organisation(client, sessionmaker)
        _user, someone = await employee(client, sessionmaker, org_id)
        _u2, not_confirmed = await employee(client, sessionmaker, org_id, confirmed=False)
        listed = await client.get(STAFF, headers=hr)
        assert listed.status_code == 200, listed.text
        assert [p["applicant_id"] for p in listed.json()] == [str(someone.id)]
        assert not_confirmed.id  # denied employment: not the organisation's staff

        r = await client.post(f"{STAFF}/{someone.id}/certification", headers=hr, json=FACTS)
        assert r.status_code == 201, r.text
        case = r.json()
        assert case["status"] == "submitted"
        async with sessionmaker() as session:
            stored = await session.get(Case, uuid.UUID(case["id"]))
            assert stored is not None
            assert (stored.applicant_id, stored.employer_id, stored.organisation_id) == (
                someone.id,
                org_id,
                None,
            )
            told = (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.recipient_user_id == someone.user_id,
                        OutboxMessage.template == "talent_register.certification_filed",
                    )
                )
            ).scalars()
            assert [m.channel for m in told].count("inapp") == 1
        again = await client.post(f"{STAFF}/{someone.id}/certification", headers=hr, json=FACTS)
        assert again.status_code == 409, again.text
        assert (await client.get(STAFF, headers=hr)).json()[0]["open_case_number"] == case["number"]

        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"], "talent_office")
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], "talent_office")
        r = await act(client, clerk, case["id"], case["version"], "accept")
        assert r.status_code == 200, r.text
        r = await act(client, reviewer, case["id"], r.json()["version"], "start_review")
        assert r.status_code == 200, r.text
        r = await act(client, approver, case["id"], r.json()["version"], "approve", level="C")
        assert r.status_code == 200, r.text
        async with sessionmaker() as session:
            entry = (
                await session.execute(
                    select(TalentRegisterEntry).where(
                        TalentRegisterEntry.case_id == uuid.UUID(case["id"])
                    )
                )
            ).scalar_one()
            employer = await session.get(Employer, org_id)
        assert entry.applicant_id == someone.id and entry.level == "C"
        assert entry.source == "certification"
        assert employer is not None
        assert (entry.organisation_id, entry.organisation_name, entry.organisation_code) == (
            org_id,
            employer.name,
            employer.uscc,
        )

    async def test_one_classification_being_decided_at_a_time(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """The person's own classification still being decided refuses the organisation's
        filing, naming it; once decided (approved) a new one may be filed."""
        org_id, _email, hr = await organisation(client, sessionmaker)
        _user, someone = await employee(client, sessionmaker, org_id)
        async with sessionmaker() as session, session.begin():
            own = await a_case(session, someone.id, "high_level_certification", "in_review")
            own_number = (await session.get(Case, own)).number  # type: ignore[union-attr]
        r = await client.post(f"{STAFF}/{someone.id}/certification", headers=hr, json=FACTS)
        assert r.status_code == 409, r.text
        assert own_number in r.text
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Case).where(Case.id == own).values(status="approved"))
        r = await client.post(f"{STAFF}/{someone.id}/certification", headers=hr, json=FACTS)
        assert r.status_code == 201, r.text

    async def test_another_organisations_staff_member_is_not_found(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        org_id, _email, _hr = await organisation(client, sessionmaker)
        _other_id, other_email, other_hr = await organisation(client, sessionmaker)
        _user, someone = await employee(client, sessionmaker, org_id)
        r = await client.post(f"{STAFF}/{someone.id}/certification", headers=other_hr, json=FACTS)
        assert r.status_code == 404, r.text
        assert (await client.get(STAFF, headers=other_hr)).json() == []
        r = await client.post(f"{STAFF}/{uuid.uuid4()}/certification", headers=other_hr, json=FACTS)
        assert r.status_code == 404
        # A person, or staff, is not an organisation.
        clerk = await staff(client, sessionmaker, "yangpu", ["approver"], "talent_office")
        r = await client.post(f"{STAFF}/{someone.id}/certification", headers=clerk, json=FACTS)
        assert r.status_code in (401, 403), r.text

    async def test_an_unverified_organisation_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        org_id, _email, hr = await organisation(client, sessionmaker)
        _user, someone = await employee(client, sessionmaker, org_id)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Employer).where(Employer.id == org_id).values(status="pending")
            )
        r = await client.post(
            f"{STAFF}/{someone.id}/certification",
            headers={**hr, "Accept-Language": "en"},
            json=FACTS,
        )
        assert r.status_code == 403, r.text
        assert "once the district has verified" in r.text
        assert (await client.get(STAFF, headers=hr)).status_code == 403

    async def test_criteria_not_met_are_refused_with_the_reasons(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        org_id, _email, hr = await organisation(client, sessionmaker)
        _user, someone = await employee(client, sessionmaker, org_id)
        low: dict[str, Any] = {
            "professional_title": "junior",
            "highest_degree": "bachelor",
            "annual_salary_cny": 100000,
        }
        r = await client.post(
            f"{STAFF}/{someone.id}/certification",
            headers={**hr, "Accept-Language": "en"},
            json=low,
        )
        assert r.status_code == 422, r.text
        assert "below associate senior" in r.text
        async with sessionmaker() as session:
            filed = (
                await session.execute(select(Case).where(Case.employer_id == org_id))
            ).scalars()
            assert [
                c.service_id for c in filed if c.status == "submitted"
            ] != []  # the rent case only


class TestPages:
    async def test_the_organisation_files_from_its_pages_in_both_languages(
        self, app: Any, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        org_id, hr_email, _hr = await organisation(client, sessionmaker)
        _user, someone = await employee(client, sessionmaker, org_id)
        other_id, _other_email, _other_hr = await organisation(client, sessionmaker)
        _u2, stranger = await employee(client, sessionmaker, other_id)
        page = await _page_session(app, hr_email, f.PASSWORD, True)
        await page.get("/lang/en")
        listing = await page.get("/employer/staff")
        assert listing.status_code == 200, listing.text
        assert str(someone.id) in listing.text and str(stranger.id) not in listing.text
        form = await page.get(f"/employer/staff/{someone.id}/certification")
        assert (
            form.status_code == 200
            and "Apply for the high-level talent classification" in form.text
        )
        assert (await page.get(f"/employer/staff/{stranger.id}/certification")).status_code == 404
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        refused = await page.post(
            f"/employer/staff/{someone.id}/certification",
            data={
                "csrf_token": token.group(1),
                "professional_title": "junior",
                "highest_degree": "bachelor",
                "annual_salary_cny": "1000",
            },
        )
        assert refused.status_code == 422 and "There is a problem" in refused.text
        filed = await page.post(
            f"/employer/staff/{someone.id}/certification",
            data={"csrf_token": token.group(1), **{k: str(v) for k, v in FACTS.items()}},
        )
        assert filed.status_code == 303, filed.text
        done = await page.get(filed.headers["location"])
        assert "The application is filed as case" in done.text
        await page.get("/lang/zh")
        zh = await page.get("/employer/staff")
        assert "高层次人才分类认定" in zh.text
