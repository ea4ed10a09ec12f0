"""初到杨浦 / 虹桥 (issue 18): the onboarding bundle's steps that are real offers of the district
rooms. The housing step is a talent apartment from the housing room (or the rent subsidy where
none is available); the schooling step is the schooling consultation the person requests; the
employer sees the letter too; the person and the employer hear of each step."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import ApartmentOffer, Application, Case, Lease, OutboxMessage, Service, User
from app.services import periodic
from tests import factories as f
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_onboarding_bundle import (
    accepted_bundle,
    act,
    add_units,
    decide,
    employer_web_login,
    offered,
    request_consultation,
    settle_housing_and_schooling,
    staff,
    steps,
)
from tests.integration.test_schooling_consultation import offering_point
from tests.integration.test_service_points import APPOINTMENTS, free_slots

pytestmark = pytest.mark.usefixtures("isolated_db")


async def at_housing(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[f.ApiUser, str, dict[str, str], str, dict[str, dict[str, Any]]]:
    """A bundle whose residence permit is done: the housing and schooling steps are open."""
    user, case_id, hr, hr_email = await accepted_bundle(client, sm)
    url = f"/api/v1/onboarding/{case_id}"
    r = await client.post(
        f"{url}/handoff", headers=hr, json={"application_number": "WP-7", "outcome": "granted"}
    )
    assert r.status_code == 200, r.text
    await decide(client, sm, "public_security", steps(r.json())["residence_permit"]["case_id"])
    now = steps((await client.get(url, headers=user.headers)).json())
    assert now["housing"]["status"] == "open" and now["schooling"]["status"] == "open"
    return user, case_id, hr, hr_email, now


async def declined_once(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[f.ApiUser, str, str, dict[str, str], dict[str, Any]]:
    """The person declined the first apartment offered on the step (one decline of the two the
    rules allow left) and the housing office offered a second: the person, the bundle, its API
    address, the officer's headers and the open second offer."""
    user, case_id, _hr, _email, now = await at_housing(client, sm)
    await add_units(sm, count=2)
    url, first = await offered(client, sm, user, case_id, now)
    assert first["declines_left"] == 2 and first["declined_out"] is False
    r = await client.post(
        f"{url}/housing/decline", headers=user.headers, json={"offer_id": first["id"]}
    )
    assert r.status_code == 200, r.text
    shown = steps(r.json())["housing"]
    assert shown["status"] == "open" and shown["offer"]["declines_left"] == 1
    officer = await staff(client, sm, ["reviewer"], "housing")
    assert (await client.post(f"{url}/housing/offer", headers=officer)).status_code == 200
    second = steps((await client.get(url, headers=user.headers)).json())["housing"]["offer"]
    assert second["id"] != first["id"] and second["status"] == "open"
    return user, case_id, url, officer, second


async def leases_of(sm: async_sessionmaker[AsyncSession]) -> int:
    """All leases: compared with the count at the test's start (tests that commit, such as the
    concurrent ones, may have left theirs)."""
    async with sm() as session:
        return int(await session.scalar(select(func.count()).select_from(Lease)) or 0)


async def offers_of(sm: async_sessionmaker[AsyncSession]) -> int:
    async with sm() as session:
        return int(await session.scalar(select(func.count()).select_from(ApartmentOffer)) or 0)


async def templates_sent(sm: async_sessionmaker[AsyncSession], email: str) -> list[str]:
    async with sm() as session:
        rows = await session.scalars(
            select(OutboxMessage.template)
            .join(User, User.id == OutboxMessage.recipient_user_id)
            .where(User.email == email, OutboxMessage.channel == "inapp")
        )
        return list(rows)


class TestHousingOffer:
    async def test_the_apartment_is_offered_accepted_once_and_completes_the_step(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _email, now = await at_housing(client, sessionmaker)
        leases = await leases_of(sessionmaker)
        url = f"/api/v1/onboarding/{case_id}"
        [unit] = await add_units(sessionmaker)
        await decide(client, sessionmaker, "housing", now["housing"]["case_id"])
        mine = steps((await client.get(url, headers=user.headers)).json())["housing"]
        # Approved is not done: the step waits for the person's answer to the offer.
        assert mine["status"] == "open" and mine["housing_route"] == "apartment"
        offer = mine["offer"]
        assert offer["can_answer"] is True and offer["talent_rent_cny"] == 4000
        # The employer follows the step, not the person's flat (building, unit, rent), and
        # cannot answer the offer.
        theirs = steps((await client.get(url, headers=hr)).json())["housing"]
        assert theirs["status"] == "open" and theirs["offer"] is None
        r = await client.post(f"{url}/housing/accept", headers=hr, json={"offer_id": offer["id"]})
        assert r.status_code in (401, 403), r.text

        body = {"offer_id": offer["id"]}
        first = await client.post(f"{url}/housing/accept", headers=user.headers, json=body)
        assert first.status_code == 200, first.text
        assert steps(first.json())["housing"]["status"] == "done"
        # Accepting twice is one acceptance: no error, no second lease.
        again = await client.post(f"{url}/housing/accept", headers=user.headers, json=body)
        assert again.status_code == 200, again.text
        assert steps(again.json())["housing"]["offer"]["status"] == "accepted"
        assert await leases_of(sessionmaker) == leases + 1
        # The housing room holds the lease: the unit is let to the person.
        housing = (await client.get("/api/v1/my/housing", headers=user.headers)).json()
        assert str(unit) in str(housing)

    async def test_another_persons_offer_is_unknown(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _hr, _email, now = await at_housing(client, sessionmaker)
        leases = await leases_of(sessionmaker)
        await add_units(sessionmaker)
        url, offer = await offered(client, sessionmaker, user, case_id, now)
        stranger = await f.register_and_login(client, f.overseas_payload())
        body = {"offer_id": offer["id"]}
        r = await client.post(f"{url}/housing/accept", headers=stranger.headers, json=body)
        assert r.status_code == 404, r.text
        # Nor is an offer id that is not this bundle's, for the person themselves.
        r = await client.post(
            f"{url}/housing/accept", headers=user.headers, json={"offer_id": str(uuid.uuid4())}
        )
        assert r.status_code == 404, r.text
        assert await leases_of(sessionmaker) == leases

    async def test_a_declined_offer_leaves_the_step_open_for_another(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _hr, _email, now = await at_housing(client, sessionmaker)
        await add_units(sessionmaker, count=2)
        url, first = await offered(client, sessionmaker, user, case_id, now)
        r = await client.post(
            f"{url}/housing/decline", headers=user.headers, json={"offer_id": first["id"]}
        )
        assert r.status_code == 200, r.text
        shown = steps(r.json())["housing"]
        assert shown["status"] == "open" and shown["offer"]["status"] == "declined"
        assert shown["can_offer"] is False  # the person's view
        # Only the housing office offers; its officer does it on the staff case page.
        r = await client.post(f"{url}/housing/offer", headers=user.headers)
        assert r.status_code in (401, 403), r.text
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["reviewer"], department="housing"
        )
        officer = await f.staff_login(client, email)
        assert steps((await client.get(url, headers=officer)).json())["housing"]["can_offer"]
        await employer_web_login(client, email)
        page = await client.get(f"/staff/cases/{case_id}?lang=en")
        assert "Offer a talent apartment" in page.text, page.text[:300]
        r = await client.post(
            f"/onboarding/{case_id}/housing/offer?lang=en",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 303 and r.headers["location"].endswith("?done=offered"), r.text
        client.cookies.clear()
        second = steps((await client.get(url, headers=officer)).json())["housing"]
        assert second["offer"]["id"] != first["id"] and second["offer"]["status"] == "open"
        assert second["can_offer"] is False
        # An open offer is not offered over.
        assert (await client.post(f"{url}/housing/offer", headers=officer)).status_code == 409

    async def test_declining_as_often_as_the_rules_allow_closes_the_step(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Two declines (the assumed limit) take the household off the list: the step is over
        instead of open for ever. On the web the person is asked first, told what it costs."""
        user, case_id, url, officer, second = await declined_once(client, sessionmaker)

        await web_login(client, user)
        page = await client.get(f"/onboarding/{case_id}?lang=en")
        assert f'href="/onboarding/{case_id}?confirm=decline#confirm-decline"' in page.text
        assert "Yes, decline it" not in page.text
        ask = await client.get(f"/onboarding/{case_id}?confirm=decline&lang=en")
        assert "Decline this apartment?" in ask.text and "This is the last decline" in ask.text
        assert "Accept the apartment" not in ask.text
        r = await client.post(
            f"/onboarding/{case_id}/housing/decline",
            data={"offer_id": second["id"], "csrf_token": csrf_of(ask.text)},
        )
        assert r.status_code == 303 and r.headers["location"].endswith("done=declined#step-housing")
        # The page after the redirect is in the person's own language (Chinese here).
        told = await client.get(r.headers["location"])
        assert "这是本区规定允许的最后一次放弃，住房步骤已结束" in told.text
        client.cookies.clear()

        ended = steps((await client.get(url, headers=user.headers)).json())["housing"]
        assert ended["status"] == "done"
        assert ended["offer"]["declined_out"] is True and ended["offer"]["declines_left"] == 0
        # Nothing more is offered on the step.
        assert (
            steps((await client.get(url, headers=officer)).json())["housing"]["can_offer"] is False
        )
        assert (await client.post(f"{url}/housing/offer", headers=officer)).status_code == 409

    async def test_a_last_offer_left_to_lapse_closes_the_step_in_the_daily_round(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """A lapse counts as a decline: the worker's round that lets the last allowed offer
        lapse moves the bundle on (the step is done and the person told), not only the view."""
        user, _case_id, url, _officer, second = await declined_once(client, sessionmaker)
        told = (await templates_sent(sessionmaker, user.email)).count("onboarding.step_done")
        await periodic.run_due(
            sessionmaker, date.fromisoformat(second["respond_by"]) + timedelta(days=1)
        )
        ended = steps((await client.get(url, headers=user.headers)).json())["housing"]
        assert ended["status"] == "done", ended
        assert ended["offer"]["status"] == "expired" and ended["offer"]["declined_out"] is True
        after = (await templates_sent(sessionmaker, user.email)).count("onboarding.step_done")
        assert after == told + 1

    async def test_a_last_decline_on_the_housing_pages_moves_the_bundle_on_in_the_round(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """The bundle's offers show on the housing pages too; a last decline made there is
        caught by the daily round like a lapse."""
        user, _case_id, url, _officer, second = await declined_once(client, sessionmaker)
        told = (await templates_sent(sessionmaker, user.email)).count("onboarding.step_done")
        r = await client.post(
            f"/api/v1/my/housing/offers/{second['id']}/decline", headers=user.headers
        )
        assert r.status_code == 204, r.text
        await periodic.run_due(sessionmaker, f.local_today())
        ended = steps((await client.get(url, headers=user.headers)).json())["housing"]
        assert ended["status"] == "done" and ended["offer"]["declined_out"] is True
        after = (await templates_sent(sessionmaker, user.email)).count("onboarding.step_done")
        assert after == told + 1
        # Later rounds do not tell the person again.
        await periodic.run_due(sessionmaker, f.local_today())
        again = (await templates_sent(sessionmaker, user.email)).count("onboarding.step_done")
        assert again == after

    async def test_no_apartment_available_is_the_rent_subsidy_decided_with_the_step(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _email, now = await at_housing(client, sessionmaker)
        await decide(client, sessionmaker, "housing", now["housing"]["case_id"])
        url = f"/api/v1/onboarding/{case_id}"
        shown = steps((await client.get(f"{url}?lang=en", headers=user.headers)).json())
        housing = shown["housing"]
        assert housing["status"] == "done" and housing["housing_route"] == "rent_subsidy"
        assert housing["offer"] is None
        # The subsidy is its own application (the lease and rent are not asked on the bundle):
        # the person starts it from the step; the employer follows the status only.
        async with sessionmaker() as session:
            rent = await session.scalar(
                select(Service.id).where(
                    Service.district == "yangpu", Service.code == "rent_subsidy"
                )
            )
        assert housing["rent_subsidy_service_id"] == str(rent)
        theirs = steps((await client.get(url, headers=hr)).json())["housing"]
        assert theirs["rent_subsidy_service_id"] is None
        await web_login(client, user)
        page = await client.get(f"/onboarding/{case_id}?lang=en")
        assert "Apply for the rent subsidy" in page.text and str(rent) in page.text
        r = await client.post(
            "/applications", data={"service_id": str(rent), "csrf_token": csrf_of(page.text)}
        )
        assert r.status_code == 303 and r.headers["location"].startswith("/applications/")
        async with sessionmaker() as session:
            started = await session.scalar(
                select(func.count())
                .select_from(Application)
                .where(
                    Application.service_id == rent,
                    Application.id == uuid.UUID(r.headers["location"].split("/")[2]),
                )
            )
        assert started == 1
        # Once submitted it is followed as a case: the step no longer offers to start another.
        async with sessionmaker() as session, session.begin():
            filed = await session.get(Application, uuid.UUID(r.headers["location"].split("/")[2]))
            assert filed is not None
            filed.status = "submitted"
        client.cookies.clear()
        after = steps((await client.get(url, headers=user.headers)).json())["housing"]
        assert after["rent_subsidy_service_id"] is None

    async def test_an_offer_to_a_person_not_eligible_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Facts known after the bundle was planned (a home owned in Shanghai) rule the person
        out of a talent apartment: the approval offers none, and no offer can be made."""
        user, case_id, _hr, _email, now = await at_housing(client, sessionmaker)
        offers = await offers_of(sessionmaker)
        await add_units(sessionmaker)
        async with sessionmaker() as session, session.begin():
            bundle = await session.get(Case, uuid.UUID(case_id))
            assert bundle is not None and bundle.application_id is not None
            app = await session.get(Application, bundle.application_id)
            assert app is not None
            app.answers = {**app.answers, "owns_home_in_shanghai": True}
        await decide(client, sessionmaker, "housing", now["housing"]["case_id"])
        url = f"/api/v1/onboarding/{case_id}"
        housing = steps((await client.get(url, headers=user.headers)).json())["housing"]
        assert housing["offer"] is None and housing["housing_route"] == "rent_subsidy"
        officer = await staff(client, sessionmaker, ["reviewer"], "housing")
        r = await client.post(f"{url}/housing/offer", headers={**officer, "Accept-Language": "en"})
        assert r.status_code == 409 and "rules this person out" in r.text, r.text
        assert await offers_of(sessionmaker) == offers

    async def test_no_housing_step_no_offer(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Someone who did not ask for housing help has no housing step to offer on."""
        _user, case_id, _hr, _email = await accepted_bundle(
            client, sessionmaker, wants_housing_help=False
        )
        offers = await offers_of(sessionmaker)
        await add_units(sessionmaker)
        officer = await staff(client, sessionmaker, ["reviewer"], "housing")
        r = await client.post(f"/api/v1/onboarding/{case_id}/housing/offer", headers=officer)
        assert r.status_code in (404, 409), r.text
        assert await offers_of(sessionmaker) == offers


class TestSchoolingConsultation:
    async def test_the_step_opens_the_consultation_with_sessions_and_school_information(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _hr_email = await accepted_bundle(client, sessionmaker)
        url = f"/api/v1/onboarding/{case_id}"
        # Before the residence permit the step is locked: nothing to request yet.
        r = await client.post(f"{url}/schooling", headers=user.headers)
        assert r.status_code == 409, r.text
        r = await client.post(
            f"{url}/handoff", headers=hr, json={"application_number": "WP-8", "outcome": "granted"}
        )
        await decide(
            client, sessionmaker, "public_security", steps(r.json())["residence_permit"]["case_id"]
        )
        english = {**user.headers, "Accept-Language": "en"}
        step = steps((await client.get(url, headers=english)).json())["schooling"]
        assert step["can_request_consultation"] is True and step["consultation"] is None
        assert step["schools"] and all(s["assumed"] for s in step["schools"])
        assert "(demo)" in step["schools"][0]["name"]
        # Only the person requests it.
        assert (await client.post(f"{url}/schooling", headers=hr)).status_code in (401, 403)

        point = await offering_point(sessionmaker)
        consultation = await request_consultation(client, user, case_id)
        # Asked again: the same consultation, linked once.
        again = await client.post(f"{url}/schooling", headers=user.headers)
        assert again.status_code == 201
        step = steps((await client.get(url, headers=user.headers)).json())["schooling"]
        linked = step["consultation"]
        assert linked["case_id"] == consultation and linked["submitted"] is True
        assert step["status"] == "open" and step["can_request_consultation"] is False
        assert [p["code"] for p in linked["sessions"]["points"]] == [point]
        # A session booked for the consultation's case shows on the step, to both.
        start = (await free_slots(client, point))[0]["start"]
        made = await client.post(
            APPOINTMENTS,
            headers=user.headers,
            json={"point_code": point, "slot_start": start, "case_id": consultation},
        )
        assert made.status_code == 201, made.text
        # The child's consultation and its sessions are the family's: the employer sees the
        # step's status only.
        theirs = steps((await client.get(url, headers=hr)).json())["schooling"]
        assert theirs["consultation"] is None
        mine = steps((await client.get(url, headers=user.headers)).json())["schooling"]
        assert theirs["status"] == mine["status"]
        assert [a["id"] for a in mine["consultation"]["sessions"]["appointments"]] == [
            made.json()["id"]
        ]
        # The education bureau answers: the step is done.
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        await act(client, window, consultation, "accept")
        await decide(client, sessionmaker, "education", consultation)
        step = steps((await client.get(url, headers=user.headers)).json())["schooling"]
        assert step["status"] == "done"


class TestEmployerAndNotices:
    async def test_both_hear_of_each_step_and_both_get_the_letter(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, hr_email, now = await at_housing(client, sessionmaker)
        url = f"/api/v1/onboarding/{case_id}"
        for email in (user.email, hr_email):
            sent = await templates_sent(sessionmaker, email)
            assert "onboarding.handoff_recorded" in sent, (email, sent)
            assert sent.count("onboarding.step_done") == 1, (email, sent)  # residence permit
        approver = await staff(client, sessionmaker, ["approver"], "talent_office")
        assert (await client.post(f"{url}/letter", headers=approver)).status_code == 200
        mine = (await client.get(url, headers=user.headers)).json()
        theirs = (await client.get(url, headers=hr)).json()
        assert mine["letter_download_url"] == theirs["letter_download_url"] is not None
        assert theirs["letter_verify_path"].startswith("/verify/")
        staff_view = (await client.get(url, headers=approver)).json()
        assert staff_view["letter_download_url"] is None  # staff use the case's documents

        await add_units(sessionmaker)
        await settle_housing_and_schooling(client, sessionmaker, user, case_id, now)
        for item in (
            "bank_account_opened",
            "social_insurance_registered",
            "medical_insurance_confirmed",
        ):
            r = await client.post(
                f"{url}/checklist", headers=user.headers, json={"item": item, "ticked": True}
            )
            assert r.status_code == 200, r.text
        assert r.json()["complete"] is True
        for email in (user.email, hr_email):
            sent = await templates_sent(sessionmaker, email)
            assert "onboarding.confirmation_letter_issued" in sent, (email, sent)
            assert sent.count("onboarding.step_done") == 3, (email, sent)
            assert sent.count("onboarding.completed") == 1, (email, sent)

        # The employer downloads the letter from the same page; another organisation cannot.
        await employer_web_login(client, hr_email)
        page = await client.get(f"/onboarding/{case_id}?lang=en")
        assert "Download the talent confirmation letter" in page.text
        assert theirs["letter_verify_path"] in page.text
        pdf = await client.get(theirs["letter_download_url"])
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        client.cookies.clear()
        _uscc, other_email = await f.create_employer_with_hr(
            sessionmaker, district="yangpu", name="Other Co"
        )
        await employer_web_login(client, other_email)
        assert (await client.get(f"/onboarding/{case_id}")).status_code == 404
        assert (await client.get(theirs["letter_download_url"])).status_code == 404
        client.cookies.clear()
        await web_login(client, user)
        assert (await client.get(mine["letter_download_url"])).status_code == 200
