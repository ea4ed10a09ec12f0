"""初到杨浦 / 虹桥 (issue 18): the onboarding bundle of a foreign professional, through the API.

A class B engineer's bundle: one form, the pre-check, the employer's confirmation and its
recorded work-permit application, the district's sub-cases released in order, the person's
check-lists, and the bundle complete; the person and the employer read the same steps. A PRC
citizen cannot start it. No fact is asked twice across its steps (the stored forms)."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.fields import EXTRA_FIELDS
from app.models import (
    ApartmentProject,
    ApartmentUnit,
    Application,
    OutboxMessage,
    Service,
    ServicePoint,
)
from app.rules import FACTS
from app.schemas.onboarding import ChecklistTick, HandoffRecord
from app.workflow.onboarding import ONBOARDING_SERVICE
from tests import factories as f
from tests.integration.test_cases_api import new_draft, upload
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_issued_documents import _text
from tests.integration.test_service_points import APPOINTMENTS, free_slots, make_point

pytestmark = pytest.mark.usefixtures("isolated_db")

ENGINEER = {
    "birth_date": "1990-01-01",
    "highest_degree": "master",
    "degree_country": "US",
    "annual_salary_cny": 400000,
    "work_experience_years": 8.5,
    "months_in_china_per_year": 10,
    "hsk_level": 3,
    "university_world_rank": 150,
    "talent_programs": [],
}


async def staff(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    roles: list[str],
    department: str,
    district: str = "yangpu",
) -> dict[str, str]:
    email = await f.create_staff(sm, district=district, roles=roles, department=department)
    return await f.staff_login(client, email)


async def act(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str, action: str, **extra: Any
) -> dict[str, Any]:
    r = await client.get(f"/api/v1/staff/cases/{case_id}", headers=headers)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/staff/cases/{case_id}/actions",
        headers=headers,
        json={"action": action, "expected_version": r.json()["version"], **extra},
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def decide(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], department: str, case_id: str
) -> None:
    """A department's sub-case reviewed by one officer and approved by another (四眼原则)."""
    await act(client, await staff(client, sm, ["reviewer"], department), case_id, "start_review")
    await act(client, await staff(client, sm, ["approver"], department), case_id, "approve")


def steps(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["code"]: s for s in view["steps"]}


async def add_units(
    sm: async_sessionmaker[AsyncSession], district: str = "yangpu", count: int = 1
) -> list[uuid.UUID]:
    """Talent apartments the housing office can offer (its inventory, as an import makes it)."""
    async with sm() as session, session.begin():
        project = ApartmentProject(
            district=district,
            name_zh="测试人才公寓",
            name_en="Test Talent Apartments",
            address="1 Test Road",
            operator="Test Operator",
        )
        session.add(project)
        await session.flush()
        units = [
            ApartmentUnit(
                project_id=project.id,
                district=district,
                building="1",
                number=f"{uuid.uuid4().hex[:6]}",
                layout="one_bed",
                area_sqm=45.0,
                floor=3,
                market_rent_cny=5000,
                talent_rent_cny=4000,
                status="available",
            )
            for _ in range(count)
        ]
        session.add_all(units)
        await session.flush()
        return [u.id for u in units]


async def request_consultation(
    client: httpx.AsyncClient, user: f.ApiUser, case_id: str, district: str = "yangpu"
) -> str:
    """The person requests the schooling consultation from the step and sends its form: only
    the child's date of birth and the district for school are asked (the hukou is known)."""
    r = await client.post(f"/api/v1/onboarding/{case_id}/schooling", headers=user.headers)
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    draft = (await client.get(f"/api/v1/applications/{app_id}", headers=user.headers)).json()
    assert draft["service_code"] == "schooling_consultation"
    answered = {q["fact"]: q["answer"] for q in draft["questions"]}
    assert answered["hukou"] == "none"  # a foreign national's, known from the bundle
    today = f.local_today()
    child = today.replace(year=today.year - 7).isoformat()
    r = await client.patch(
        f"/api/v1/applications/{app_id}",
        headers=user.headers,
        json={"answers": {"child_birth_date": child, "school_district": district}},
    )
    assert r.status_code == 200 and r.json()["unanswered"] == [], r.text
    return str((await f.submit_application(client, user, app_id))["case"]["id"])


async def offered(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    user: f.ApiUser,
    case_id: str,
    now: dict[str, dict[str, Any]],
) -> tuple[str, dict[str, Any]]:
    """The housing office approves the housing step; the offer as the person reads it."""
    await decide(client, sm, "housing", now["housing"]["case_id"])
    url = f"/api/v1/onboarding/{case_id}"
    offer = steps((await client.get(url, headers=user.headers)).json())["housing"]["offer"]
    return url, offer


async def settle_housing_and_schooling(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    user: f.ApiUser,
    case_id: str,
    now: dict[str, dict[str, Any]],
) -> None:
    """The housing office approves the step (an apartment is offered), the person accepts it;
    the person requests the consultation and the education bureau answers it."""
    url, offer = await offered(client, sm, user, case_id, now)
    r = await client.post(
        f"{url}/housing/accept", headers=user.headers, json={"offer_id": offer["id"]}
    )
    assert r.status_code == 200, r.text
    assert steps(r.json())["housing"]["status"] == "done"
    consultation = await request_consultation(client, user, case_id)
    window = await staff(client, sm, ["window_clerk"], "service_center")
    await act(client, window, consultation, "accept")
    await decide(client, sm, "education", consultation)


async def submitted_bundle(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[f.ApiUser, str, dict[str, str]]:
    """An overseas engineer (US passport) names a verified Yangpu employer and submits."""
    user, case_id, hr, _email = await submitted_bundle_and_hr(client, sm)
    return user, case_id, hr


async def submitted_bundle_and_hr(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    profile: dict[str, Any] | None = None,
    district: str = "yangpu",
    *,
    wants_housing_help: bool = True,
) -> tuple[f.ApiUser, str, dict[str, str], str]:
    uscc, hr_email = await f.create_employer_with_hr(sm, district=district, name="Acme Robotics")
    user, draft = await new_draft(
        client,
        district,
        ONBOARDING_SERVICE,
        f.overseas_payload(full_name="Alex Morgan", nationality="US"),
    )
    assert "id" in draft, draft
    asked = {q["fact"] for q in draft["questions"]}
    answers = {k: v for k, v in (profile or ENGINEER).items() if k in asked}
    answers.update(employer_uscc=uscc, children_count=1, wants_housing_help=wants_housing_help)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    docs = {"id_document": await upload(client, user, "id_card")}
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"documents": docs}
    )
    assert r.status_code == 200, r.text
    assert r.json()["unanswered"] == [], r.json()["unanswered"]
    result = await f.submit_application(client, user, draft["id"])
    return user, result["case"]["id"], await f.employer_login(client, hr_email), hr_email


class TestOnboarding:
    async def test_a_class_b_engineer_is_onboarded_with_the_employer(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr = await submitted_bundle(client, sessionmaker)
        url = f"/api/v1/onboarding/{case_id}"
        english = {**user.headers, "Accept-Language": "en"}
        mine = (await client.get(url, headers=english)).json()
        assert mine["permit_class"] == "B" and mine["points"] == 76
        assert mine["class_meaning"].startswith("Class B")
        assert mine["to_reach_b"] == []
        first = steps(mine)
        assert list(first) == [
            "work_permit_precheck",
            "work_permit_handoff",
            "residence_permit",
            "housing",
            "schooling",
            "bank_social_insurance",
            "medical_insurance",
        ]
        assert first["work_permit_precheck"]["status"] == "done"
        assert first["work_permit_handoff"]["owner"] == "employer"
        assert "Passport" in first["work_permit_handoff"]["bring"]
        assert first["residence_permit"]["status"] == "locked"
        # The person may not record the employer's application.
        record = HandoffRecord(application_number="WP-2026-000123", outcome="granted")
        r = await client.post(f"{url}/handoff", headers=user.headers, json=record.model_dump())
        assert r.status_code in (401, 403), r.text

        # The window asks the employer to confirm the hire, then accepts the bundle once.
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        due = (f.local_today() + timedelta(days=10)).isoformat()
        await act(client, window, case_id, "request_employer_confirmation", due_on=due)
        r = await client.get(f"/api/v1/staff/cases/{case_id}", headers=window)
        r = await client.post(
            f"/api/v1/employer/cases/{case_id}/actions",
            headers=hr,
            json={"action": "confirm_employment", "expected_version": r.json()["version"]},
        )
        assert r.status_code == 200, r.text
        accepted = await act(client, window, case_id, "accept")
        assert accepted["status"] == "in_progress"

        # The employer sees the same steps, and records its national application.
        theirs = (await client.get(url, headers=hr)).json()
        assert steps(theirs)["work_permit_handoff"]["can_record"] is True
        r = await client.post(f"{url}/handoff", headers=hr, json=record.model_dump())
        assert r.status_code == 200, r.text
        after = steps(r.json())
        assert after["work_permit_handoff"]["handoff_number"] == "WP-2026-000123"
        assert after["work_permit_handoff"]["status"] == "done"
        assert after["residence_permit"]["status"] == "open"
        assert after["housing"]["status"] == "locked"
        # Recorded once: the step is done, a second record is refused.
        r = await client.post(f"{url}/handoff", headers=hr, json=record.model_dump())
        assert r.status_code == 409, r.text

        # The residence permit is by appointment at a point of the entry-exit office; the
        # booking belongs to the step's sub-case.
        assert after["residence_permit"]["appointments"]["can_book"] is False  # the employer's
        permit = steps((await client.get(url, headers=user.headers)).json())["residence_permit"]
        assert permit["appointments"]["can_book"] is True
        assert permit["appointments"]["points"] == []
        office = await make_point(sessionmaker)
        async with sessionmaker() as session, session.begin():
            row = await session.scalar(select(ServicePoint).where(ServicePoint.code == office))
            assert row is not None
            row.service_codes = [*row.service_codes, "onboarding_residence_permit"]
        start = (await free_slots(client, office))[0]["start"]
        made = await client.post(
            APPOINTMENTS,
            headers=user.headers,
            json={
                "point_code": office,
                "slot_start": start,
                "service_code": "onboarding_residence_permit",
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["case_id"] == permit["case_id"]
        permit = steps((await client.get(url, headers=user.headers)).json())["residence_permit"]
        assert [p["code"] for p in permit["appointments"]["points"]] == [office]
        assert [a["id"] for a in permit["appointments"]["appointments"]] == [made.json()["id"]]
        # The employer sees the appointment, but books nothing for the person.
        theirs = steps((await client.get(url, headers=hr)).json())["residence_permit"]
        assert theirs["appointments"]["can_book"] is False
        assert len(theirs["appointments"]["appointments"]) == 1

        # The entry-exit office decides its sub-case; housing and schooling start.
        await decide(client, sessionmaker, "public_security", after["residence_permit"]["case_id"])
        now = steps((await client.get(url, headers=user.headers)).json())
        assert now["residence_permit"]["status"] == "done"
        assert now["housing"]["status"] == "open" and now["schooling"]["status"] == "open"
        assert now["bank_social_insurance"]["status"] == "open"
        assert now["housing"]["case_id"] and now["schooling"]["case_id"] is None
        await add_units(sessionmaker)
        await settle_housing_and_schooling(client, sessionmaker, user, case_id, now)

        # The check-lists are the person's: the employer cannot tick them.
        tick = ChecklistTick(item="bank_account_opened").model_dump()
        r = await client.post(f"{url}/checklist", headers=hr, json=tick)
        assert r.status_code in (401, 403), r.text
        for item in ("bank_account_opened", "social_insurance_registered"):
            r = await client.post(
                f"{url}/checklist", headers=user.headers, json={"item": item, "ticked": True}
            )
            assert r.status_code == 200, r.text
        assert steps(r.json())["medical_insurance"]["status"] == "open"
        r = await client.post(
            f"{url}/checklist",
            headers=user.headers,
            json={"item": "medical_insurance_confirmed", "ticked": True},
        )
        assert r.status_code == 200, r.text
        assert r.json()["complete"] is True
        case = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert case["status"] == "approved"
        # Both read the same progress.
        same = (await client.get(url, headers=hr)).json()
        assert [(s["code"], s["status"]) for s in same["steps"]] == [
            (s["code"], s["status"]) for s in r.json()["steps"]
        ]

    async def test_a_refused_work_permit_ends_the_bundle(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr = await submitted_bundle(client, sessionmaker)
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        due = (f.local_today() + timedelta(days=10)).isoformat()
        confirm = await act(client, window, case_id, "request_employer_confirmation", due_on=due)
        r = await client.post(
            f"/api/v1/employer/cases/{case_id}/actions",
            headers=hr,
            json={"action": "confirm_employment", "expected_version": confirm["version"]},
        )
        assert r.status_code == 200, r.text
        await act(client, window, case_id, "accept")
        r = await client.post(
            f"/api/v1/onboarding/{case_id}/handoff",
            headers=hr,
            json={"application_number": "W9", "outcome": "refused"},
        )
        assert r.status_code == 422, r.text  # too short a number
        r = await client.post(
            f"/api/v1/onboarding/{case_id}/handoff",
            headers=hr,
            json={"application_number": "WP-2026-9", "outcome": "refused"},
        )
        assert r.status_code == 200, r.text
        shown = steps(r.json())
        assert shown["residence_permit"]["status"] == "cancelled"
        case = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert case["status"] == "rejected"

    async def test_class_c_says_what_it_means_and_what_would_reach_b(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        junior = {
            **ENGINEER,
            "highest_degree": "bachelor",
            "annual_salary_cny": 60000,
            "work_experience_years": 1,
            "months_in_china_per_year": 2,
            "hsk_level": 0,
            "university_world_rank": 800,
        }
        user, case_id, _hr, _email = await submitted_bundle_and_hr(client, sessionmaker, junior)
        for lang, meaning, route in (
            ("en", "neither class A nor class B", "60 points or more on the points table"),
            ("zh", "不符合A类、B类条件", "按积分计60分以上"),
        ):
            r = await client.get(
                f"/api/v1/onboarding/{case_id}",
                headers={**user.headers, "Accept-Language": lang},
            )
            view = r.json()
            assert view["permit_class"] == "C"
            assert meaning in view["class_meaning"]
            assert route in view["to_reach_b"]
        assert any("596,832" in c for c in view["changes_for_b"]), view["changes_for_b"]
        # The person's page says it in English.
        await web_login(client, user)
        page = await client.get(f"/onboarding/{case_id}?lang=en")
        assert "What it would take to reach class B" in page.text
        assert "1 more year of work experience" in page.text

    async def test_a_prc_citizen_cannot_start_the_bundle(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        r = await client.get("/api/v1/services", params={"district": "yangpu"})
        sid = next(s["id"] for s in r.json() if s["code"] == ONBOARDING_SERVICE)
        for lang, words in (("en", "need no foreigner's work permit"), ("zh", "港澳台居民")):
            r = await client.post(
                "/api/v1/applications",
                json={"service_id": sid},
                headers={**user.headers, "Accept-Language": lang},
            )
            assert r.status_code == 403, r.text
            assert r.json()["code"] == "onboarding_not_for_citizens"
            assert words in r.json()["detail"], r.json()


class TestScope:
    async def test_the_person_ticks_on_the_page_and_nobody_else_reads_the_bundle(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _email = await accepted_bundle(client, sessionmaker)
        url = f"/api/v1/onboarding/{case_id}"
        r = await client.post(
            f"{url}/handoff", headers=hr, json={"application_number": "WP-1", "outcome": "granted"}
        )
        assert r.status_code == 200, r.text
        await decide(
            client, sessionmaker, "public_security", steps(r.json())["residence_permit"]["case_id"]
        )
        await web_login(client, user)
        page = await client.get(f"/onboarding/{case_id}?lang=en")
        assert "Tick as done" in page.text
        r = await client.post(
            f"/onboarding/{case_id}/checklist?lang=en",
            data={"csrf_token": csrf_of(page.text), "item": "bank_account_opened", "ticked": "yes"},
        )
        assert r.status_code == 303, r.text
        mine = steps((await client.get(url, headers=user.headers)).json())
        assert mine["bank_social_insurance"]["checklist"][0]["ticked"] is True
        # Another organisation, another district's officer and another person see nothing.
        _uscc, other_hr = await f.create_employer_with_hr(
            sessionmaker, district="yangpu", name="Other Co"
        )
        other = await f.employer_login(client, other_hr)
        stranger = await f.register_and_login(client, f.overseas_payload())
        email = await f.create_staff(
            sessionmaker, district="changning", roles=["reviewer"], department="public_security"
        )
        elsewhere = await f.staff_login(client, email)
        for headers in (other, stranger.headers, elsewhere):
            assert (await client.get(url, headers=headers)).status_code == 404
        r = await client.post(
            f"{url}/handoff", headers=other, json={"application_number": "WP-2", "outcome": "filed"}
        )
        assert r.status_code == 404, r.text


class TestStartedByTheEmployer:
    async def test_the_verified_employer_opens_the_form_and_the_person_completes_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        uscc, hr_email = await f.create_employer_with_hr(
            sessionmaker, district="yangpu", name="Acme Robotics"
        )
        hr = await f.employer_login(client, hr_email)
        payload = f.overseas_payload(full_name="Alex Morgan", nationality="US")
        user = await f.register_and_login(client, payload)
        # Nobody registered with this passport: the employer is told what to do.
        r = await client.post(
            "/api/v1/onboarding",
            headers={**hr, "Accept-Language": "en"},
            json={"passport_number": f.passport()},
        )
        assert r.status_code == 422 and "register on the portal" in r.text, r.text
        r = await client.post(
            "/api/v1/onboarding", headers=hr, json={"passport_number": payload["passport_number"]}
        )
        assert r.status_code == 201, r.text
        app_id = r.json()["application_id"]
        # The person finds the draft with the employer named, and is told by message.
        draft = (await client.get(f"/api/v1/applications/{app_id}", headers=user.headers)).json()
        assert draft["service_code"] == ONBOARDING_SERVICE
        async with sessionmaker() as session:
            app = await session.get(Application, uuid.UUID(app_id))
            assert app is not None and app.answers["employer_uscc"] == uscc
            sent = (
                await session.scalars(
                    select(OutboxMessage.template).where(
                        OutboxMessage.recipient_user_id == uuid.UUID(str(user.account["user_id"]))
                    )
                )
            ).all()
        assert "onboarding.started_by_employer" in sent
        # Started twice: the same draft, not a second one.
        again = await client.post(
            "/api/v1/onboarding", headers=hr, json={"passport_number": payload["passport_number"]}
        )
        assert again.json()["application_id"] == app_id
        # The person cannot start a hire's onboarding; a citizen's passport-less account is
        # never found by passport.
        r = await client.post(
            "/api/v1/onboarding",
            headers=user.headers,
            json={"passport_number": payload["passport_number"]},
        )
        assert r.status_code in (401, 403), r.text


class TestNoFactAskedTwice:
    async def test_no_fact_is_asked_twice_across_the_stored_forms(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async with sessionmaker() as session:
            stored = (
                await session.scalars(
                    select(Service).where(
                        (Service.code == ONBOARDING_SERVICE)
                        | (Service.part_of == ONBOARDING_SERVICE)
                    )
                )
            ).all()
            # The schooling step is the consultation the person requests from it.
            linked = (
                await session.scalars(
                    select(Service).where(Service.code == "schooling_consultation")
                )
            ).all()
        bundles = [s for s in stored if s.part_of is None]
        assert {s.district for s in bundles} == {"yangpu", "changning"}
        for district in ("yangpu", "changning"):
            forms = [s for s in [*stored, *linked] if s.district == district]
            assert len(forms) == 4, district
            names = [str(e.get("fact") or e.get("field")) for s in forms for e in s.form]
            assert len(names) == len(set(names)), (district, names)
            # The district's steps ask nothing of their own: the one form serves them all.
            assert all(not s.form for s in forms if s.part_of), district
        # What the other steps take (the employer's record, the person's ticks) is no fact
        # of the person's, so nothing on the form is asked again there.
        asked_later = set(HandoffRecord.model_fields) | set(ChecklistTick.model_fields)
        assert not asked_later & (set(FACTS) | set(EXTRA_FIELDS))


async def employer_web_login(client: httpx.AsyncClient, email: str) -> None:
    """Signs the employer's HR officer in on the pages (password and authenticator code)."""
    step = int(time.time() // 30)
    for candidate in (step + 1, step + 2):
        page = await client.get("/login")
        r = await client.post(
            "/login",
            data={
                "email": email,
                "password": f.PASSWORD,
                "totp_code": pyotp.TOTP(f.TOTP_SECRET).at(candidate * 30),
                "csrf_token": csrf_of(page.text),
            },
        )
        if r.status_code == 303:
            return
    raise AssertionError(r.text[:300])


async def accepted_bundle(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    profile: dict[str, Any] | None = None,
    district: str = "yangpu",
    *,
    wants_housing_help: bool = True,
) -> tuple[f.ApiUser, str, dict[str, str], str]:
    user, case_id, hr, hr_email = await submitted_bundle_and_hr(
        client, sm, profile, district, wants_housing_help=wants_housing_help
    )
    window = await staff(client, sm, ["window_clerk"], "service_center", district)
    due = (f.local_today() + timedelta(days=10)).isoformat()
    asked = await act(client, window, case_id, "request_employer_confirmation", due_on=due)
    r = await client.post(
        f"/api/v1/employer/cases/{case_id}/actions",
        headers=hr,
        json={"action": "confirm_employment", "expected_version": asked["version"]},
    )
    assert r.status_code == 200, r.text
    await act(client, window, case_id, "accept")
    return user, case_id, hr, hr_email


class TestPages:
    async def test_the_person_and_the_employer_see_the_same_page_in_english(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _hr, hr_email = await accepted_bundle(client, sessionmaker)
        page = f"/onboarding/{case_id}"
        await employer_web_login(client, hr_email)
        theirs = await client.get(f"{page}?lang=en")
        assert theirs.status_code == 200, theirs.text
        assert "Alex Morgan" in theirs.text and "Class B" in theirs.text
        assert "Record the application" in theirs.text
        # The employer records its application through the page's form (CSRF, then PRG).
        r = await client.post(
            f"{page}/handoff?lang=en",
            data={
                "csrf_token": csrf_of(theirs.text),
                "application_number": "",
                "outcome": "granted",
            },
        )
        assert r.status_code == 422 and "error-summary" in r.text, r.text[:500]
        r = await client.post(
            f"{page}/handoff?lang=en",
            data={
                "csrf_token": csrf_of(theirs.text),
                "application_number": "WP-2026-000123",
                "outcome": "granted",
            },
        )
        assert r.status_code == 303 and r.headers["location"].endswith("?done=handoff")
        client.cookies.clear()  # the employer's page session ends; the person signs in
        await web_login(client, user)
        mine = await client.get(f"{page}?lang=en")
        assert mine.status_code == 200, mine.text
        for text in ("Class B", "WP-2026-000123", "Work permit granted", "What to bring"):
            assert text in mine.text, text
        assert "Record the application" not in mine.text
        # Chinese for a reader of Chinese, the same steps.
        zh = await client.get(f"{page}?lang=zh")
        assert "工作类居留许可" in zh.text and "Alex Morgan" in zh.text
        # The person's case page leads there; staff see the steps and the preferred language.
        case_page = await client.get(f"/cases/{case_id}?lang=en")
        assert f'href="/onboarding/{case_id}"' in case_page.text
        # The person reads the portal in English; the officer (in Chinese) is told so.
        r = await client.put("/api/v1/me/language", headers=user.headers, json={"language": "en"})
        assert r.status_code in (200, 204), r.text
        police = await staff(client, sessionmaker, ["reviewer"], "public_security")
        staff_view = await client.get(f"/api/v1/staff/cases/{case_id}", headers=police)
        assert staff_view.status_code == 200, staff_view.text
        assert staff_view.json()["onboarding"]["person_language"] == "英语"


class TestConfirmationLetter:
    async def test_a_staff_decision_issues_a_bilingual_letter_that_verifies(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _email = await accepted_bundle(client, sessionmaker)
        url = f"/api/v1/onboarding/{case_id}"
        # Only a staff member decides: not the person, not the employer.
        for headers in (user.headers, hr):
            assert (await client.post(f"{url}/letter", headers=headers)).status_code == 403
        approver = await staff(client, sessionmaker, ["approver"], "talent_office")
        before = (await client.get(url, headers=approver)).json()
        assert before["can_issue_letter"] is True and before["letter_issued"] is False
        r = await client.post(f"{url}/letter", headers=approver)
        assert r.status_code == 200, r.text
        assert r.json()["letter_issued"] is True and r.json()["can_issue_letter"] is False
        again = await client.post(f"{url}/letter", headers=approver)
        assert again.status_code == 409, again.text

        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        [listed] = [
            d for d in mine["issued_documents"] if d["kind"] == "talent_confirmation_letter"
        ]
        assert listed["languages"] == ["zh", "en"]
        r = await client.get(
            f"/api/v1/cases/{case_id}/issued-documents/{listed['id']}/pdf", headers=user.headers
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        text = _text(r.content)
        for expected in (
            "AlexMorgan",
            "外籍人才认证函",
            "Talentconfirmationletter",
            "US",
            "AcmeRobotics",
        ):
            assert expected in text, expected
        token = listed["verify_url"].rsplit("/", 1)[1]
        assert token in text
        public = (await client.get(f"/api/v1/verify/{token}")).json()
        assert public["case_number"] == mine["number"]
        assert public["kind"] == "talent_confirmation_letter"
        assert public["sha256"] == hashlib.sha256(r.content).hexdigest()
        assert "Morgan" not in public["masked_name"]
        page = await client.get(f"/verify/{token}?lang=en")
        assert page.status_code == 200 and "Talent confirmation letter" in page.text

    async def test_class_c_gets_no_letter(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        junior = {**ENGINEER, "highest_degree": "bachelor", "annual_salary_cny": 60000}
        junior.update(work_experience_years=1, months_in_china_per_year=2, hsk_level=0)
        junior.update(university_world_rank=800)
        _user, case_id, _hr, _email = await submitted_bundle_and_hr(client, sessionmaker, junior)
        approver = await staff(client, sessionmaker, ["approver"], "talent_office")
        view = (await client.get(f"/api/v1/onboarding/{case_id}", headers=approver)).json()
        assert view["permit_class"] == "C" and view["can_issue_letter"] is False
        r = await client.post(f"/api/v1/onboarding/{case_id}/letter", headers=approver)
        assert r.status_code == 409, r.text
