"""The Yangpu talent service card (issue 17, point 3): an approved service_card case issues the
card in the decision's transaction; its public verification tells only validity and a masked
name, found by a random token; a revoked or expired card verifies as not valid and files no
request; one person holds one active card; a holder's medical request is a case of the health
commission, answered there and nowhere else; Changning's 专窗 flags certified high-level talent
and lists their cases first."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import (
    Application,
    Case,
    OutboxMessage,
    Rating,
    Service,
    ServiceCard,
    TalentRegisterEntry,
)
from app.models.base import utcnow
from app.services import certified_talent, protection, verified_facts
from app.services.applications.questions import evaluate
from app.services.calendar import work_calendar
from app.services.service_cards import cards
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_cases_api import act, rent_documents, service_id, staff
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_service_points import book, free_slots, make_point

pytestmark = pytest.mark.usefixtures("isolated_db")

CARDS = "/api/v1/service-cards"
PROGRAMME_ANSWERS: dict[str, Any] = {
    "talent_programs": ["national_high_level"],
    "professional_title": "intermediate",
    "annual_salary_cny": 600000,
    "employer_district": "yangpu",
}


async def card_case_in_review(
    sm: async_sessionmaker[AsyncSession], user: f.ApiUser, answers: dict[str, Any] | None = None
) -> str:
    """A service_card case of ``user`` waiting for the decision (intake and review are the
    case engine's, tested elsewhere), with the rules' result as submission records it."""
    applicant_id = uuid.UUID(user.account["applicant"]["id"])
    now = utcnow()
    async with sm() as session, session.begin():
        service = (
            await session.execute(
                select(Service).where(Service.code == "service_card", Service.district == "yangpu")
            )
        ).scalar_one()
        app = Application(
            applicant_id=applicant_id,
            service_id=service.id,
            status="submitted",
            answers=answers or PROGRAMME_ANSWERS,
            submitted_at=now,
        )
        session.add(app)
        # Since 2026-12-07 the card rests on a membership the talent register holds (issue 16):
        # the declared programmes are recorded there, as a keeper would with evidence.
        for programme in app.answers.get("talent_programs", []):
            session.add(
                TalentRegisterEntry(
                    applicant_id=applicant_id,
                    district="yangpu",
                    programme=programme,
                    level=None,
                    granted_on=local_date(now) - timedelta(days=30),
                    valid_until=None,
                    source="outside_record",
                )
            )
        await session.flush()
        verified = await verified_facts.for_person(session, applicant_id, local_date(now))
        result = evaluate(service, {**app.answers, **verified}, local_date(now), "zh")
        assert result is not None and result["status"] == "eligible"
        case = Case(
            number=f"YP-2026-9{uuid.uuid4().int % 10**5:05d}",
            lookup_code_enc=protection.cipher().encrypt("ABCD1234", "case.lookup_code"),
            application_id=app.id,
            applicant_id=applicant_id,
            service_id=service.id,
            district="yangpu",
            department=service.department,
            status="in_review",
            version=3,
            channel="web",
            submitted_at=now,
            accepted_on=local_date(now),
            time_limit_days=service.time_limit_days,
            deadline_date=local_date(now) + timedelta(days=14),
            eligibility_status="eligible",
            eligibility_result=result,
            eligibility_receipt=result["receipt"],
            employer_confirmed=True,
        )
        session.add(case)
        await session.flush()
        return str(case.id)


async def approve(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> httpx.Response:
    case = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=headers)).json()
    return await act(client, headers, case_id, case["version"], "approve", reason="符合条件")


async def holder_with_card(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], approver: dict[str, str]
) -> tuple[f.ApiUser, dict[str, Any]]:
    user = await f.register_and_login(client, f.domestic_payload(full_name="王小明"))
    r = await approve(client, approver, await card_case_in_review(sm, user))
    assert r.status_code == 200, r.text
    cards = (await client.get(CARDS, headers=user.headers)).json()
    assert len(cards) == 1
    return user, cards[0]


async def talent_approver(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> dict[str, str]:
    return await staff(client, sm, "yangpu", ["approver"], department="talent_office")


async def token_of(sm: async_sessionmaker[AsyncSession], card_id: str) -> str:
    async with sm() as session:
        card = await session.get(ServiceCard, uuid.UUID(card_id))
        assert card is not None
        return card.verify_token


async def notices(sm: async_sessionmaker[AsyncSession], template: str) -> list[OutboxMessage]:
    async with sm() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.template == template)
        return list((await session.execute(stmt)).scalars())


def medical(kind: str = "specialist_referral") -> dict[str, object]:
    return {"kind": kind, "details": "需要心内科专家门诊转诊", "consent": True}


class TestIssue:
    async def test_the_approval_issues_the_card_in_its_own_transaction(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        approver = await talent_approver(client, sessionmaker)
        user, card = await holder_with_card(client, sessionmaker, approver)
        assert card["status"] == "active" and card["valid"] is True
        assert card["holder_name"] == "王小明"
        assert card["level"] == "programme"
        assert card["number"].startswith("YP-C-")
        today = local_date(utcnow())
        assert card["issued_on"] == today.isoformat()
        assert (
            card["valid_until"]
            == (today.replace(year=today.year + 3) - timedelta(days=1)).isoformat()
        )
        # The QR address carries a random token, not the card number.
        token = await token_of(sessionmaker, card["id"])
        assert card["verify_url"].endswith(f"/service-cards/verify/{token}")
        assert card["number"] not in card["verify_url"] and len(token) >= 40
        issued = await notices(sessionmaker, "service_card.issued")
        assert issued and all(n.payload["params"]["card_number"] == card["number"] for n in issued)
        staff_view = (
            await client.get(f"/api/v1/staff/cases/{card['case_id']}", headers=approver)
        ).json()
        assert staff_view["service_card_number"] == card["number"]

    async def test_verification_tells_validity_and_a_masked_name_only(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        token = await token_of(sessionmaker, card["id"])
        r = await client.get(f"{CARDS}/verify/{token}")
        assert r.status_code == 200
        assert r.json() == {"valid": True, "masked_name": "王*明"}
        page = await client.get(f"/service-cards/verify/{token}")
        assert page.status_code == 200 and "王*明" in page.text
        assert "王小明" not in page.text and card["number"] not in page.text
        assert (await client.get(f"{CARDS}/verify/{uuid.uuid4().hex}")).status_code == 404


class TestNotValid:
    async def test_a_revoked_card_verifies_as_not_valid_and_files_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        approver = await talent_approver(client, sessionmaker)
        user, card = await holder_with_card(client, sessionmaker, approver)
        reviewer = await staff(
            client, sessionmaker, "yangpu", ["reviewer"], department="talent_office"
        )
        refused = await client.post(
            f"{CARDS}/{card['id']}/revoke", headers=reviewer, json={"reason": "已离开杨浦区工作"}
        )
        assert refused.status_code == 403  # reviewers do not decide on cards
        r = await client.post(
            f"{CARDS}/{card['id']}/revoke", headers=approver, json={"reason": "已离开杨浦区工作"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "revoked" and r.json()["valid"] is False
        token = await token_of(sessionmaker, card["id"])
        assert (await client.get(f"{CARDS}/verify/{token}")).json()["valid"] is False
        told = await notices(sessionmaker, "service_card.revoked")
        assert [n.payload["params"]["reason"] for n in told] == ["已离开杨浦区工作"] * len(told)
        filed = await client.post(
            f"{CARDS}/{card['id']}/requests", headers=user.headers, json=medical()
        )
        assert filed.status_code == 409
        again = await client.post(
            f"{CARDS}/{card['id']}/revoke", headers=approver, json={"reason": "再次撤销本卡"}
        )
        assert again.status_code == 409

    async def test_an_expired_card_verifies_as_not_valid_and_files_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(ServiceCard)
                .where(ServiceCard.id == uuid.UUID(card["id"]))
                .values(valid_until=local_date(utcnow()) - timedelta(days=1))
            )
        token = await token_of(sessionmaker, card["id"])
        assert (await client.get(f"{CARDS}/verify/{token}")).json()["valid"] is False
        filed = await client.post(
            f"{CARDS}/{card['id']}/requests", headers=user.headers, json=medical()
        )
        assert filed.status_code == 409

    async def test_renewal_extends_the_term_and_tells_the_holder(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        approver = await talent_approver(client, sessionmaker)
        _user, card = await holder_with_card(client, sessionmaker, approver)
        r = await client.post(f"{CARDS}/{card['id']}/renew", headers=approver)
        assert r.status_code == 200, r.text
        assert r.json()["valid_until"] > card["valid_until"]
        assert await notices(sessionmaker, "service_card.renewed")


class TestOneCardEach:
    async def test_a_second_approval_for_the_same_person_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        approver = await talent_approver(client, sessionmaker)
        user, card = await holder_with_card(client, sessionmaker, approver)
        second = await card_case_in_review(sessionmaker, user)
        r = await approve(client, approver, second)
        assert r.status_code == 409, r.text
        assert card["number"] in r.text
        assert len((await client.get(CARDS, headers=user.headers)).json()) == 1

    async def test_a_card_whose_term_ended_gives_way_to_a_new_one(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        approver = await talent_approver(client, sessionmaker)
        user, old = await holder_with_card(client, sessionmaker, approver)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(ServiceCard)
                .where(ServiceCard.id == uuid.UUID(old["id"]))
                .values(valid_until=local_date(utcnow()) - timedelta(days=1))
            )
        r = await approve(client, approver, await card_case_in_review(sessionmaker, user))
        assert r.status_code == 200, r.text
        listed = {c["id"]: c for c in (await client.get(CARDS, headers=user.headers)).json()}
        assert listed[old["id"]]["status"] == "expired"
        assert [c["valid"] for c in listed.values() if c["id"] != old["id"]] == [True]

    async def test_the_database_holds_one_active_card_per_person(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        other_case = await card_case_in_review(sessionmaker, user)
        with pytest.raises(IntegrityError):
            async with sessionmaker() as session, session.begin():
                session.add(
                    ServiceCard(
                        number="YP-C-2026-999999",
                        applicant_id=uuid.UUID(user.account["applicant"]["id"]),
                        case_id=uuid.UUID(other_case),
                        district="yangpu",
                        level="programme",
                        status="active",
                        issued_on=local_date(utcnow()),
                        valid_until=local_date(utcnow()),
                        verify_token=uuid.uuid4().hex,
                    )
                )


class TestRequests:
    async def test_a_medical_request_goes_to_health_and_is_answered_there(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        r = await client.post(
            f"{CARDS}/{card['id']}/requests", headers=user.headers, json=medical()
        )
        assert r.status_code == 201, r.text
        filed = r.json()
        assert filed["kind"] == "specialist_referral" and filed["answered"] is False
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(filed["case_id"]))
            assert case is not None
            assert (case.department, case.status, case.time_limit_days) == ("health", "accepted", 3)
            calendar = await work_calendar(session)
            assert case.deadline_date == calendar.add_working_days(local_date(utcnow()), 3)
        case_id = str(filed["case_id"])
        # Neither another department of the district nor the health commission of another
        # district reads or answers it.
        housing = await staff(
            client, sessionmaker, "yangpu", ["reviewer", "approver"], department="housing"
        )
        elsewhere = await staff(
            client, sessionmaker, "changning", ["reviewer", "approver"], department="health"
        )
        for outsider in (housing, elsewhere):
            assert (
                await client.get(f"/api/v1/staff/cases/{case_id}", headers=outsider)
            ).status_code == 404
            refused = await act(client, outsider, case_id, 1, "start_review")
            assert refused.status_code == 404
        health = await staff(
            client, sessionmaker, "yangpu", ["reviewer", "approver"], department="health"
        )
        queue = (await client.get("/api/v1/staff/cases", headers=health)).json()
        assert case_id in {item["id"] for item in queue["items"]}
        shown = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=health)).json()
        assert any("心内科" in a["value"] for a in shown["answers_display"])
        r = await act(client, health, case_id, 1, "start_review")
        assert r.status_code == 200, r.text
        answer = "已为您预约区中心医院心内科专家门诊，请于下周一上午携卡就诊。"
        r = await act(client, health, case_id, r.json()["version"], "approve", reason=answer)
        assert r.status_code == 200, r.text  # one officer takes and answers a request
        mine = (await client.get(f"{CARDS}/{card['id']}", headers=user.headers)).json()
        assert mine["requests"][0]["answered"] is True
        assert mine["requests"][0]["answer"] == answer
        told = await notices(sessionmaker, "service_request.answered")
        assert told and told[0].payload["params"]["reason"] == answer
        # One notice of the answer per channel, not also "application approved".
        approved = await notices(sessionmaker, "case.approve")
        assert not [m for m in approved if case_id in m.dedup_key]
        assert len({m.channel for m in told}) == len(told)
        # Tracked like any case: once the result is handed over the holder rates it (好差评),
        # and the rating counts for the health commission.
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        r = await act(
            client, clerk, case_id, r.json()["version"], "issue_result", delivery="window"
        )
        assert r.status_code == 200, r.text
        rated = await client.post(
            f"/api/v1/cases/{case_id}/rating", headers=user.headers, json={"score": 5}
        )
        assert rated.status_code == 201, rated.text
        async with sessionmaker() as session:
            rating = (
                await session.execute(select(Rating).where(Rating.case_id == uuid.UUID(case_id)))
            ).scalar_one()
            assert (rating.department, rating.score) == ("health", 5)

    async def test_another_applicant_sees_neither_the_card_nor_the_requests(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        filed = (
            await client.post(
                f"{CARDS}/{card['id']}/requests",
                headers=user.headers,
                json=medical("family_doctor"),
            )
        ).json()
        other = await f.register_and_login(client, f.domestic_payload())
        assert (await client.get(CARDS, headers=other.headers)).json() == []
        assert (await client.get(f"{CARDS}/{card['id']}", headers=other.headers)).status_code == 404
        r = await client.post(
            f"{CARDS}/{card['id']}/requests", headers=other.headers, json=medical()
        )
        assert r.status_code == 404
        assert (
            await client.get(f"/api/v1/cases/{filed['case_id']}", headers=other.headers)
        ).status_code == 404
        # Staff of another district do not read the card either.
        changning = await staff(
            client, sessionmaker, "changning", ["approver"], department="talent_office"
        )
        assert (await client.get(f"{CARDS}/{card['id']}", headers=changning)).status_code == 404
        # Nor does the district's auditor, who reads the log but no case files.
        auditor = await staff(
            client, sessionmaker, "yangpu", ["auditor"], department="talent_office"
        )
        assert (await client.get(f"{CARDS}/{card['id']}", headers=auditor)).status_code == 404

    async def test_a_request_needs_the_consent_for_sensitive_information(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        r = await client.post(
            f"{CARDS}/{card['id']}/requests",
            headers=user.headers,
            json={**medical(), "consent": False},
        )
        assert r.status_code == 422


async def staff_pages(
    app: FastAPI,
    sm: async_sessionmaker[AsyncSession],
    district: str,
    roles: tuple[str, ...] = ("window_clerk",),
    department: str = "service_center",
) -> httpx.AsyncClient:
    """A staff member's cookie session (a window clerk's unless told), signed in through the
    login page."""
    email = await f.create_staff(sm, district=district, roles=list(roles), department=department)
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    step = int(time.time() // 30)
    for candidate in (step, step + 1):
        page = await c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {
            "email": email,
            "password": f.PASSWORD,
            "csrf_token": token.group(1),
            "totp_code": pyotp.TOTP(f.TOTP_SECRET).at(candidate * 30),
        }
        if (await c.post("/login", data=form)).status_code == 303:
            return c
    raise AssertionError("staff sign-in failed")


class TestPriorityWindow:
    async def test_certified_talent_is_flagged_and_listed_first_in_changning(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        user, _card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        plain = await f.register_and_login(client, f.domestic_payload())
        ids = {}
        # The plain applicant files first, so by deadline alone their case would come first.
        for who in (plain, user):
            sid = await service_id(client, "changning", "rent_subsidy")
            draft = (
                await client.post(
                    "/api/v1/applications", json={"service_id": sid}, headers=who.headers
                )
            ).json()
            answers = f.renting_returnee_profile(employer_district="changning")
            await client.patch(
                f"/api/v1/applications/{draft['id']}",
                headers=who.headers,
                json={"answers": answers},
            )
            docs = await rent_documents(client, who)
            await client.patch(
                f"/api/v1/applications/{draft['id']}", headers=who.headers, json={"documents": docs}
            )
            ids[who.email] = (await f.submit_application(client, who, draft["id"]))["case"]["id"]
        window = await staff(
            client, sessionmaker, "changning", ["window_clerk"], department="service_center"
        )
        items = (await client.get("/api/v1/staff/cases", headers=window)).json()["items"]
        assert items[0]["id"] == ids[user.email] and items[0]["priority"] is True
        plain_item = next(i for i in items if i["id"] == ids[plain.email])
        assert plain_item["priority"] is False
        page = await client.get(f"/api/v1/staff/cases/{ids[user.email]}", headers=window)
        assert page.json()["priority"] is True
        # The pages say it in words (not colour only): the queue's badge and the case page's.
        pages = await staff_pages(app, sessionmaker, "changning")
        try:
            queue = (await pages.get("/staff/cases")).text
            badge = re.search(r'<strong class="tag priority">([^<]+)<span lang="zh">专窗', queue)
            assert badge is not None and "优先" in badge.group(1)
            assert queue.index(ids[user.email]) < queue.index(ids[plain.email])
            case_page = (await pages.get(f"/staff/cases/{ids[user.email]}")).text
            assert 'class="tag priority"' in case_page
        finally:
            await pages.aclose()

    async def test_the_changning_window_day_list_serves_certified_talent_first(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, _card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        plain = await f.register_and_login(client, f.domestic_payload())
        code = await make_point(sessionmaker, district="changning")
        slots = await free_slots(client, code)
        day = next(d for d in (s["day"] for s in slots) if sum(s["day"] == d for s in slots) > 1)
        early, late = [s for s in slots if s["day"] == day][:2]
        first = (await book(client, plain, code, early["start"])).json()
        second = (await book(client, user, code, late["start"])).json()
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        listed = (
            await client.get("/api/v1/appointments", headers=clerk, params={"day": day})
        ).json()
        ours = [a for a in listed if a["id"] in {first["id"], second["id"]}]
        # The later booking of the certified person comes first, with the flag the badge shows.
        assert [(a["id"], a["priority"]) for a in ours] == [
            (second["id"], True),
            (first["id"], False),
        ]

    async def test_the_register_certifies_and_a_declaration_or_a_lapsed_entry_does_not(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        today = local_date(utcnow())
        people = {}
        for who in ("current", "lapsed", "declared", "other_programme"):
            user = await f.register_and_login(client, f.domestic_payload())
            people[who] = uuid.UUID(user.account["applicant"]["id"])
        async with sessionmaker() as session, session.begin():
            for who, programme, until in (
                ("current", "district_high_level", today),
                ("lapsed", "district_high_level", today - timedelta(days=1)),
                ("other_programme", "not_a_high_level_programme", None),
            ):
                session.add(
                    TalentRegisterEntry(
                        applicant_id=people[who],
                        district="changning",
                        programme=programme,
                        level=None,
                        granted_on=today - timedelta(days=400),
                        valid_until=until,
                        source="outside_record",
                    )
                )
        async with sessionmaker() as session:
            found = await certified_talent.certified(session, people.values(), today)
            # Valid through its last day; the "declared" person only ever said so themselves.
            assert found == {people["current"]}
            assert not await certified_talent.is_certified(
                session, people["current"], today + timedelta(days=1)
            )


class TestRenewalNotice:
    async def test_the_holder_is_told_once_per_term_before_the_card_ends(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        today = local_date(utcnow())
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(ServiceCard)
                .where(ServiceCard.id == uuid.UUID(card["id"]))
                .values(valid_until=today + timedelta(days=10))
            )
        for _round in range(2):
            async with sessionmaker() as session, session.begin():
                await cards.remind_renewals(session, today)
        told = [
            n
            for n in await notices(sessionmaker, "service_card.renewal_due")
            if n.payload["params"]["card_number"] == card["number"]
        ]
        assert len({n.channel for n in told}) == len(told) >= 1


class TestPages:
    async def test_a_request_without_consent_shows_the_error_then_files(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        await web_login(client, user)
        url = f"/service-cards/{card['id']}"
        page = await client.get(url)
        assert page.status_code == 200 and "<svg" in page.text and card["verify_url"] in page.text
        form = {
            "csrf_token": csrf_of(page.text),
            "kind": "family_doctor",
            "details": "签约家庭医生",
        }
        refused = await client.post(f"{url}/requests", data=form)
        assert 'class="error-summary"' in refused.text and 'href="#consent"' in refused.text
        filed = await client.post(f"{url}/requests", data={**form, "consent": "yes"})
        assert filed.status_code == 303 and "done=filed" in filed.headers["location"]
        shown = (await client.get(filed.headers["location"])).text
        assert "notification success" in shown and "card-requests" in shown

    async def test_the_talent_office_revokes_with_a_reason_after_confirming(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        _user, card = await holder_with_card(
            client, sessionmaker, await talent_approver(client, sessionmaker)
        )
        pages = await staff_pages(
            app, sessionmaker, "yangpu", roles=("approver",), department="talent_office"
        )
        try:
            url = f"/staff/service-cards/{card['id']}"
            confirm = await pages.get(f"{url}?confirm=revoke")
            assert f'action="{url}/revoke"' in confirm.text
            form = {"csrf_token": csrf_of(confirm.text), "reason": "短"}
            refused = await pages.post(f"{url}/revoke", data=form)
            assert 'class="error-summary"' in refused.text
            done = await pages.post(f"{url}/revoke", data={**form, "reason": "已不在杨浦区就业"})
            assert done.status_code == 303 and "done=revoked" in done.headers["location"]
            shown = (await pages.get(url)).text
            assert "已不在杨浦区就业" in shown and f'action="{url}/revoke"' not in shown
        finally:
            await pages.aclose()
