"""Talent apartments: all-or-nothing unit import, waitlist, allocation, the last-unit race."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.enums import IdKind
from app.models import (
    ApartmentOffer,
    Application,
    Case,
    HouseholdKey,
    Lease,
    SpouseIdentity,
    WaitlistEntry,
)
from app.services import protection
from tests import factories as f
from tests.integration.test_cases_api import new_draft, staff, submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")

HEADER = "building,number,layout,area_sqm,floor,market_rent_cny,talent_rent_cny\n"


async def housing_staff(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str
) -> dict[str, str]:
    return await staff(client, sm, district, ["reviewer", "approver"], "housing")


async def project(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    r = await client.post(
        "/api/v1/housing/projects",
        headers=headers,
        json={
            "name_zh": "虹桥人才公寓",
            "name_en": "Hongqiao Talent Apartments",
            "address": "长宁区虹桥路",
            "operator": "长宁区国资公司",
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def waiting_applicants(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], n: int, district: str
) -> list[f.ApiUser]:
    """Applicants with a case each, put on the waitlist as an approval would."""
    from app.services.housing import join_waitlist

    users = []
    for _ in range(n):
        user, result = await submitted_rent_case(client, district)
        async with sm() as session, session.begin():
            case = await session.get(Case, uuid.UUID(result["case"]["id"]))
            assert case is not None
            await join_waitlist(session, case)
        users.append(user)
    return users


class TestImport:
    async def test_a_bad_row_imports_nothing_and_is_reported(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers = await housing_staff(client, sessionmaker, "changning")
        pid = await project(client, headers)
        url = f"/api/v1/housing/projects/{pid}/units/import"
        bad = (
            HEADER
            + "A,101,studio,30,1,5000,4000\n"
            + "A,102,penthouse,30,1,5000,4000\n"
            + "A,103,studio,30,1,5000,4800\n"
        )
        r = await client.post(url, headers={**headers, "Content-Type": "text/csv"}, content=bad)
        assert r.status_code == 422
        fields = [e["field"] for e in r.json()["errors"]]
        assert any(f_.startswith("row 3") for f_ in fields)  # unknown layout
        assert any(f_.startswith("row 4") for f_ in fields)  # rent above 90% of market
        units = (await client.get("/api/v1/housing/units", headers=headers)).json()
        assert [u for u in units if u["project_id"] == pid] == []
        good = HEADER + "A,101,studio,30,1,5000,4000\nA,102,one_bed,45,2,7000,6000\n"
        r = await client.post(url, headers={**headers, "Content-Type": "text/csv"}, content=good)
        assert r.json() == {"imported": 2}

    async def test_other_staff_cannot_manage_housing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        finance = await staff(client, sessionmaker, "changning", ["finance_maker"], "finance")
        r = await client.get("/api/v1/housing/units", headers=finance)
        assert r.status_code == 403


class TestAllocation:
    async def test_duplicate_household_is_blocked(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.errors import Conflict
        from app.services.housing import join_waitlist

        user, first = await submitted_rent_case(client)
        await waiting_applicants_from(client, sessionmaker, first)
        sid = first["case"]["service_id"]
        draft = (
            await client.post(
                "/api/v1/applications", json={"service_id": sid}, headers=user.headers
            )
        ).json()
        assert draft["status"] == "draft"
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(first["case"]["id"]))
            assert case is not None
            clone = Case(
                **{
                    c.name: getattr(case, c.name)
                    for c in Case.__table__.columns
                    if c.name not in ("id", "number", "application_id")
                }
            )
            clone.id = uuid.uuid4()
            try:
                await join_waitlist(session, clone)
            except Conflict:
                blocked = True
            else:
                blocked = False
            await session.rollback()
        assert blocked

    @pytest.mark.shared_db(
        reason="concurrent acceptances and allocation rounds race in transactions of their own"
    )
    async def test_fifty_concurrent_acceptances_of_the_last_unit_make_one_lease(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        # Yangpu: no other test puts units or applicants on this district's list.
        headers = await housing_staff(client, sessionmaker, "yangpu")
        pid = await project(client, headers)
        await client.post(
            f"/api/v1/housing/projects/{pid}/units/import",
            headers={**headers, "Content-Type": "text/csv"},
            content=HEADER + f"Z,{uuid.uuid4().hex[:6]},studio,25,3,4000,3500\n",
        )
        [user] = await waiting_applicants(client, sessionmaker, 1, "yangpu")
        # Two allocation rounds at once still make one offer for the one unit.
        rounds = await asyncio.gather(
            *[
                client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
                for _ in range(2)
            ]
        )
        assert all(r.status_code == 201 for r in rounds)
        mine = (await client.get("/api/v1/my/housing", headers=user.headers)).json()
        offers = [o for o in mine["offers"] if o["unit"]["project_id"] == pid]
        assert len(offers) == 1
        offer_id = offers[0]["id"]
        results = await asyncio.gather(
            *[
                client.post(f"/api/v1/my/housing/offers/{offer_id}/accept", headers=user.headers)
                for _ in range(50)
            ]
        )
        codes = sorted(r.status_code for r in results)
        assert codes.count(201) == 1
        assert set(codes) == {201, 409}
        unit_id = uuid.UUID(offers[0]["unit"]["id"])
        async with sessionmaker() as session:
            leases = (
                await session.execute(
                    select(func.count()).select_from(Lease).where(Lease.unit_id == unit_id)
                )
            ).scalar_one()
            open_offers = (
                await session.execute(
                    select(func.count())
                    .select_from(ApartmentOffer)
                    .where(ApartmentOffer.unit_id == unit_id, ApartmentOffer.status == "open")
                )
            ).scalar_one()
        assert leases == 1
        assert open_offers == 0
        lease = (await client.get("/api/v1/my/housing", headers=user.headers)).json()["leases"][0]
        assert lease["monthly_rent_cny"] == 3500 and lease["status"] == "active"


async def waiting_applicants_from(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], result: dict[str, object]
) -> None:
    from app.services.housing import join_waitlist

    async with sm() as session, session.begin():
        case = await session.get(Case, uuid.UUID(str(result["case"]["id"])))  # type: ignore[index]
        assert case is not None
        await join_waitlist(session, case)


class TestLease:
    async def test_renewals_capped_and_move_out_frees_the_unit(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers = await housing_staff(client, sessionmaker, "yangpu")
        pid = await project(client, headers)
        await client.post(
            f"/api/v1/housing/projects/{pid}/units/import",
            headers={**headers, "Content-Type": "text/csv"},
            content=HEADER + f"L,{uuid.uuid4().hex[:6]},one_bed,40,5,6000,5000\n",
        )
        [user] = await waiting_applicants(client, sessionmaker, 1, "yangpu")
        await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
        offers = (await client.get("/api/v1/my/housing", headers=user.headers)).json()["offers"]
        offer = next(o for o in offers if o["unit"]["project_id"] == pid)
        lease = (
            await client.post(
                f"/api/v1/my/housing/offers/{offer['id']}/accept", headers=user.headers
            )
        ).json()
        url = f"/api/v1/my/housing/leases/{lease['id']}/renew"
        terms = f"/api/v1/housing/leases/{lease['id']}/renewal-terms"
        # The tenant does not set the rent, and cannot renew before staff offer terms.
        own_rent = await client.post(url, headers=user.headers, json={"new_rent_cny": 5000})
        assert own_rent.status_code == 422
        assert (await client.post(url, headers=user.headers)).status_code == 409
        too_high = await client.put(terms, headers=headers, json={"monthly_rent_cny": 5300})
        assert too_high.status_code == 422
        assert too_high.json()["errors"][0]["code"] == "rent_rise_too_high"
        assert (
            await client.put(terms, headers=user.headers, json={"monthly_rent_cny": 5250})
        ).status_code == 403
        proposed = await client.put(terms, headers=headers, json={"monthly_rent_cny": 5250})
        assert proposed.status_code == 200, proposed.text
        assert proposed.json()["renewal_rent_cny"] == 5250
        told = await queued_like(sessionmaker, f"lease:{lease['id']}:terms:%")
        assert told >= 1  # the tenant hears of the terms
        second = await client.post(url, headers=user.headers)
        assert second.status_code == 200, second.text
        assert second.json()["monthly_rent_cny"] == 5250
        assert second.json()["renewal_rent_cny"] is None
        await client.put(terms, headers=headers, json={"monthly_rent_cny": 5250})
        third = await client.post(url, headers=user.headers)
        assert third.status_code == 200
        fourth = await client.put(terms, headers=headers, json={"monthly_rent_cny": 5250})
        assert fourth.status_code == 409  # three years at most
        r = await client.post(
            f"/api/v1/housing/leases/{lease['id']}/move-out",
            headers=headers,
            json={
                "condition": "minor_damage",
                "deposit_deduction_cny": 300,
                "note": "墙面轻微污损",
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ended"
        assert r.json()["inspection_condition"] == "minor_damage"
        assert r.json()["deposit_deduction_cny"] == 300
        units = (await client.get("/api/v1/housing/units", headers=headers)).json()
        assert next(u for u in units if u["id"] == offer["unit"]["id"])["status"] == "available"


class TestOffersOverTime:
    async def test_preferences_expiry_and_renewal_reminder(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import date, timedelta

        from app.services.housing import expire_offers, remind_renewals

        headers = await housing_staff(client, sessionmaker, "yangpu")
        pid = await project(client, headers)
        await client.post(
            f"/api/v1/housing/projects/{pid}/units/import",
            headers={**headers, "Content-Type": "text/csv"},
            content=HEADER + f"P,{uuid.uuid4().hex[:6]},two_bed,70,8,9000,8000\n",
        )
        [user] = await waiting_applicants(client, sessionmaker, 1, "yangpu")
        # A studio-only applicant is not offered a two-bedroom unit.
        r = await client.put(
            "/api/v1/my/housing/preferences", headers=user.headers, json={"layouts": ["studio"]}
        )
        assert r.status_code == 204
        chosen = await client.get("/api/v1/my/housing/preferences", headers=user.headers)
        assert chosen.json()["chosen_layouts"] == ["studio"]
        assert pid in [p["id"] for p in chosen.json()["projects"]]
        await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
        assert (await client.get("/api/v1/my/housing", headers=user.headers)).json()["offers"] == []
        await client.put(
            "/api/v1/my/housing/preferences",
            headers=user.headers,
            json={"layouts": ["two_bed"], "projects": [pid]},
        )
        await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
        [offer] = (await client.get("/api/v1/my/housing", headers=user.headers)).json()["offers"]
        # Not answered in time: the offer lapses and the unit is free again.
        async with sessionmaker() as session, session.begin():
            lapsed = await expire_offers(
                session, date.fromisoformat(offer["respond_by"]) + timedelta(days=1)
            )
        assert lapsed >= 1
        again = (await client.get("/api/v1/my/housing", headers=user.headers)).json()["offers"]
        assert again[0]["status"] == "expired"
        # A fresh round offers it again, the applicant accepts, and a renewal reminder is queued
        # once however often the scheduler runs.
        await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
        open_offer = next(
            o
            for o in (await client.get("/api/v1/my/housing", headers=user.headers)).json()["offers"]
            if o["status"] == "open"
        )
        lease = (
            await client.post(
                f"/api/v1/my/housing/offers/{open_offer['id']}/accept", headers=user.headers
            )
        ).json()
        ends = date.fromisoformat(lease["ends_on"])
        async with sessionmaker() as session, session.begin():
            first = await remind_renewals(session, ends - timedelta(days=10))
        async with sessionmaker() as session, session.begin():
            await remind_renewals(session, ends - timedelta(days=9))
        assert first >= 1
        n = await queued_like(sessionmaker, f"lease:{lease['id']}:renewal:%")
        assert n >= 1 and n <= 3  # one per channel, not one per run


async def apartment_case(
    client: httpx.AsyncClient,
    district: str,
    *,
    spouse_id: str | None = None,
    payload: dict[str, Any] | None = None,
    top_score: bool = False,
    employer_uscc: str | None = None,
) -> tuple[f.ApiUser, dict[str, Any]]:
    """A new applicant's submitted talent-apartment application, naming a spouse when given;
    ``top_score`` gives the highest priority score the Changning policy awards."""

    user, draft = await new_draft(client, district, "talent_apartment", payload)
    answers: dict[str, Any] = {
        "birth_date": "1995-05-01",
        "highest_degree": "master",
        "degree_country": "CN",
        "employer_district": district,
        "employment_start_date": "2024-01-01",
        "social_insurance_months_in_district": 20,
        "owns_home_in_shanghai": False,
        "has_other_housing_benefit": False,
        "marital_status": "married" if spouse_id else "single",
        "professional_title": "none",
        "hukou": "other",
        "skill_level": 0,
        "contract_end_date": "2029-06-30",
        "talent_programs": [],
        "employer_uscc": employer_uscc or f.uscc(),
    }
    if spouse_id:
        answers["spouse_id_number"] = spouse_id
    if top_score:
        answers.update(
            highest_degree="doctorate",
            professional_title="senior",
            talent_programs=["shanghai_leading"],
            social_insurance_months_in_district=30,
        )
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    return user, await f.submit_application(client, user, draft["id"])


def _spouse_answer(body: dict[str, Any]) -> Any:
    return next(q for q in body["questions"] if q["fact"] == "spouse_id_number")["answer"]


class TestHousehold:
    async def test_spouse_id_is_validated_and_stored_only_encrypted(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:

        user, draft = await new_draft(client, "changning", "talent_apartment")
        assert "spouse_id_number" in [q["fact"] for q in draft["questions"]]
        url = f"/api/v1/applications/{draft['id']}"
        good = f.resident_id()
        bad_check = good[:17] + ("0" if good[17] != "0" else "1")

        async def save(value: str) -> httpx.Response:
            return await client.patch(
                url, headers=user.headers, json={"answers": {"spouse_id_number": value}}
            )

        r = await save(bad_check)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "spouse_id_number"
        r = await save(good)
        assert r.status_code == 200, r.text
        assert "*" in _spouse_answer(r.json()) and good not in _spouse_answer(r.json())

        async def stored() -> SpouseIdentity:
            async with sessionmaker() as session:
                app = await session.get(Application, uuid.UUID(draft["id"]))
                assert app is not None and good not in str(app.answers)
                stmt = select(SpouseIdentity).where(SpouseIdentity.application_id == app.id)
                return (await session.execute(stmt)).scalar_one()

        row = await stored()
        assert good.encode() not in row.id_number_enc
        assert row.id_number_index == protection.id_index(IdKind.RESIDENT_ID, good)
        # A passport is accepted too; the masked value sent back unchanged keeps it.
        r = await save("E12345678")
        assert r.status_code == 200, r.text
        r = await save(_spouse_answer(r.json()))
        assert r.status_code == 200
        row = await stored()
        assert row.id_kind == "passport"
        assert row.id_number_index == protection.id_index(IdKind.PASSPORT, "E12345678")

    async def test_naming_a_waiting_applicant_as_spouse_is_flagged_and_blocked(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.errors import Conflict
        from app.i18n import gettext
        from app.repositories import housing as housing_repo
        from app.services.housing import join_waitlist

        # A applies and joins the list (as the approval does); B applies naming A as spouse.
        a_payload = f.domestic_payload()
        _a, a_case = await apartment_case(client, "changning", payload=a_payload)
        await waiting_applicants_from(client, sessionmaker, a_case)
        _b, b_case = await apartment_case(client, "changning", spouse_id=a_payload["id_number"])
        a_number, b_number = a_case["case"]["number"], b_case["case"]["number"]
        headers = await housing_staff(client, sessionmaker, "changning")
        page = await client.get(f"/api/v1/staff/cases/{b_case['case']['id']}", headers=headers)
        assert page.status_code == 200, page.text
        assert a_number in page.json()["household_conflicts"]
        waitlist = (await client.get("/api/v1/housing/waitlist", headers=headers)).json()
        mine = next(w for w in waitlist if w["case_id"] == a_case["case"]["id"])
        assert b_number in mine["duplicate_household_cases"]
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(b_case["case"]["id"]))
            assert case is not None
            with pytest.raises(Conflict) as blocked:
                await join_waitlist(session, case)
            await session.rollback()
        exc = blocked.value
        zh = gettext("zh", exc.detail).format(**exc.params)
        en = gettext("en", exc.detail).format(**exc.params)
        assert a_number in zh and "家庭" in zh
        assert a_number in en and "household" in en
        # Once A's household has left the list, B's may join.
        async with sessionmaker() as session, session.begin():
            entry = await housing_repo.entry_for_case(session, uuid.UUID(a_case["case"]["id"]))
            assert entry is not None
            entry.status = "removed"
            await housing_repo.release_household(session, entry.id)
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(b_case["case"]["id"]))
            assert case is not None
            assert await join_waitlist(session, case) is not None


async def leased_or_offered(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    district: str,
    layout: str = "studio",
) -> tuple[dict[str, str], f.ApiUser, str, dict[str, Any]]:
    """Housing staff, an applicant on the list with an apartment case, the unit's project and
    the open offer of the one unit. Ranked first and wanting only this project, the applicant
    gets this unit whatever else other tests left on the district's list."""
    headers = await housing_staff(client, sm, district)
    pid = await project(client, headers)
    r = await client.post(
        f"/api/v1/housing/projects/{pid}/units/import",
        headers={**headers, "Content-Type": "text/csv"},
        content=HEADER + f"D,{uuid.uuid4().hex[:6]},{layout},30,2,5000,4000\n",
    )
    assert r.status_code == 200, r.text
    user, case = await apartment_case(client, district, top_score=True)
    await waiting_applicants_from(client, sm, case)
    await client.put(
        "/api/v1/my/housing/preferences",
        headers=user.headers,
        json={"projects": [pid]},
    )
    await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
    offers = (await client.get("/api/v1/my/housing", headers=user.headers)).json()["offers"]
    offer = next(o for o in offers if o["status"] == "open")
    return headers, user, pid, offer


async def queued_like(sm: async_sessionmaker[AsyncSession], dedup_pattern: str) -> int:
    """How many outbox messages have a dedup key matching the SQL LIKE pattern."""
    from app.models import OutboxMessage

    async with sm() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedup_key.like(dedup_pattern))
        )
    return int(count or 0)


async def tenant_with_lease(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str, layout: str
) -> tuple[dict[str, str], f.ApiUser, dict[str, Any]]:
    """Housing staff, and the applicant who accepted the offer of the one unit, with the lease."""
    headers, user, _pid, offer = await leased_or_offered(client, sm, district, layout)
    lease = (
        await client.post(f"/api/v1/my/housing/offers/{offer['id']}/accept", headers=user.headers)
    ).json()
    return headers, user, lease


class TestPolicyRules:
    async def test_declines_up_to_the_policy_maximum_take_the_entry_off_the_list(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.services.housing import lease_rules

        most = lease_rules("changning").max_declines
        headers, user, _pid, offer = await leased_or_offered(client, sessionmaker, "changning")
        for n in range(1, most + 1):
            r = await client.post(
                f"/api/v1/my/housing/offers/{offer['id']}/decline", headers=user.headers
            )
            assert r.status_code == 204
            waitlist = (await client.get("/api/v1/housing/waitlist", headers=headers)).json()
            still = [w for w in waitlist if w["declines"] == n]
            await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
            mine = (await client.get("/api/v1/my/housing", headers=user.headers)).json()
            open_offers = [o for o in mine["offers"] if o["status"] == "open"]
            if n < most:
                assert still, "the entry waits on after fewer declines than the maximum"
                [offer] = open_offers
            else:
                assert open_offers == []  # off the list: never offered again
        async with sessionmaker() as session:
            entry = (
                await session.execute(
                    select(WaitlistEntry).where(
                        WaitlistEntry.applicant_id == uuid.UUID(user.account["applicant"]["id"])
                    )
                )
            ).scalar_one()
            assert entry.status == "removed" and entry.declines == most

    async def test_renewal_is_refused_with_the_reason_when_the_tenant_no_longer_qualifies(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers, user, lease = await tenant_with_lease(client, sessionmaker, "changning", "one_bed")
        r = await client.put(
            f"/api/v1/housing/leases/{lease['id']}/renewal-terms",
            headers=headers,
            json={"monthly_rent_cny": 4200},
        )
        assert r.status_code == 200, r.text
        # On a later application the tenant answers that they now work in Yangpu.
        from tests.integration.test_cases_api import service_id

        sid = await service_id(client, "changning", "rent_subsidy")
        draft = (
            await client.post(
                "/api/v1/applications", json={"service_id": sid}, headers=user.headers
            )
        ).json()
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": f.renting_returnee_profile(employer_district="yangpu")},
        )
        assert r.status_code == 200, r.text
        await f.submit_application(client, user, draft["id"])
        url = f"/api/v1/my/housing/leases/{lease['id']}/renew"
        en = await client.post(url, headers={**user.headers, "Accept-Language": "en"})
        assert en.status_code == 409
        assert any("Changning" in e["message"] for e in en.json()["errors"]), en.json()
        zh = await client.post(url, headers={**user.headers, "Accept-Language": "zh"})
        assert any("长宁" in e["message"] for e in zh.json()["errors"]), zh.json()
        mine = (await client.get("/api/v1/my/housing", headers=user.headers)).json()
        assert mine["leases"][0]["ends_on"] == lease["ends_on"]

    async def test_waitlist_shows_each_score_component_with_its_basis(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case = await apartment_case(client, "changning")
        await waiting_applicants_from(client, sessionmaker, case)
        headers = await housing_staff(client, sessionmaker, "changning")
        waitlist = (await client.get("/api/v1/housing/waitlist", headers=headers)).json()
        mine = next(w for w in waitlist if w["case_id"] == case["case"]["id"])
        parts = {c["component"]: c for c in mine["score_breakdown"]}
        assert set(parts) == {"degree_score", "title_score", "programme_score", "district_score"}
        # A master's degree, no title or programme, 20 months insured in the district.
        assert parts["degree_score"]["points"] == 20
        assert parts["district_score"]["points"] == 20
        assert sum(c["points"] for c in parts.values()) == mine["score"] == 40
        assert parts["degree_score"]["label_zh"] == "学历分"
        assert all(c["clause_zh"] and c["clause_en"] for c in parts.values())


class TestInventory:
    async def test_projects_are_listed_and_units_edited_within_the_rules(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers, user, pid, offer = await leased_or_offered(
            client, sessionmaker, "changning", "two_bed"
        )
        projects = (await client.get("/api/v1/housing/projects", headers=headers)).json()
        assert pid in [p["id"] for p in projects]
        other = await staff(client, sessionmaker, "changning", ["finance_maker"], "finance")
        assert (await client.get("/api/v1/housing/projects", headers=other)).status_code == 403
        unit_id = offer["unit"]["id"]
        url = f"/api/v1/housing/units/{unit_id}"
        # While on offer, nothing changes.
        r = await client.patch(url, headers=headers, json={"status": "maintenance"})
        assert r.status_code == 409
        await client.post(f"/api/v1/my/housing/offers/{offer['id']}/decline", headers=user.headers)
        over_cap = await client.patch(url, headers=headers, json={"talent_rent_cny": 4600})
        assert over_cap.status_code == 422
        assert over_cap.json()["errors"][0]["code"] == "above_rent_cap"
        r = await client.patch(
            url,
            headers=headers,
            json={"layout": "one_bed", "market_rent_cny": 6000, "talent_rent_cny": 5400},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["layout"], r.json()["talent_rent_cny"]) == ("one_bed", 5400)
        r = await client.patch(url, headers=headers, json={"status": "maintenance"})
        assert r.json()["status"] == "maintenance"
        # A unit in maintenance is not offered.
        await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
        mine = (await client.get("/api/v1/my/housing", headers=user.headers)).json()
        assert [o for o in mine["offers"] if o["status"] == "open"] == []
        assert (
            await client.patch(url, headers=headers, json={"status": "leased"})
        ).status_code == 422
        r = await client.patch(url, headers=headers, json={"status": "available"})
        assert r.json()["status"] == "available"


class TestMoveOut:
    async def test_tenant_asks_to_move_out_and_staff_record_the_inspection(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import date, timedelta

        headers, user, lease = await tenant_with_lease(
            client, sessionmaker, "changning", "three_bed"
        )
        url = f"/api/v1/my/housing/leases/{lease['id']}/move-out-request"
        late = date.fromisoformat(lease["ends_on"]) + timedelta(days=1)
        r = await client.post(url, headers=user.headers, json={"move_out_on": late.isoformat()})
        assert r.status_code == 422
        on = date.fromisoformat(lease["starts_on"]) + timedelta(days=60)
        r = await client.post(url, headers=user.headers, json={"move_out_on": on.isoformat()})
        assert r.status_code == 200, r.text
        leases = (await client.get("/api/v1/housing/leases", headers=headers)).json()
        assert next(x for x in leases if x["id"] == lease["id"])["move_out_requested_on"] == (
            on.isoformat()
        )
        out = f"/api/v1/housing/leases/{lease['id']}/move-out"
        too_much = await client.post(
            out,
            headers=headers,
            json={"condition": "major_damage", "deposit_deduction_cny": 999_999, "note": "损坏"},
        )
        assert too_much.status_code == 422
        r = await client.post(
            out,
            headers=headers,
            json={"condition": "good", "deposit_deduction_cny": 0, "note": "房屋完好，钥匙已归还"},
        )
        assert r.status_code == 200, r.text
        async with sessionmaker() as session:
            row = await session.get(Lease, uuid.UUID(lease["id"]))
            assert row is not None
            assert (row.status, row.inspection_condition, row.deposit_deduction_cny) == (
                "ended",
                "good",
                0,
            )
            assert row.inspection_note == "房屋完好，钥匙已归还" and row.ended_on is not None
        again = await client.post(out, headers=headers, json={"condition": "good", "note": "再次"})
        assert again.status_code == 409


async def _page_session(app: Any, email: str, password: str, totp: bool) -> httpx.AsyncClient:
    """A cookie session of its own, signed in through the login page."""
    import re
    import time

    import pyotp

    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    step = int(time.time() // 30)
    for candidate in (step, step + 1):
        page = await c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {"email": email, "password": password, "csrf_token": token.group(1)}
        if totp:
            form["totp_code"] = pyotp.TOTP(f.TOTP_SECRET).at(candidate * 30)
        r = await c.post("/login", data=form)
        if r.status_code == 303:
            return c
    raise AssertionError(r.text)


def _csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


class TestPages:
    async def test_staff_and_tenant_manage_units_renewal_and_move_out_on_pages(
        self, app: Any, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers, user, pid, offer = await leased_or_offered(client, sessionmaker, "changning")
        email = await f.create_staff(
            sessionmaker, district="changning", roles=["reviewer"], department="housing"
        )
        staff_pages = await _page_session(app, email, f.PASSWORD, totp=True)
        tenant = await _page_session(app, user.email, user.password, totp=False)
        try:
            await tenant.post(
                f"/housing/offers/{offer['id']}",
                data={
                    "decision": "decline",
                    "csrf_token": _csrf((await tenant.get("/housing")).text),
                },
            )
            home = await staff_pages.get("/staff/housing")
            assert home.status_code == 200
            assert "学历分" in home.text and "评分构成" in home.text
            # Unit edit page: a talent rent above the cap is refused on the page, nothing saved.
            unit_url = f"/staff/housing/units/{offer['unit']['id']}"
            page = await staff_pages.get(unit_url)
            assert page.status_code == 200
            r = await staff_pages.post(
                unit_url,
                data={
                    "csrf_token": _csrf(page.text),
                    "talent_rent_cny": "4900",
                    "layout": "studio",
                },
            )
            assert r.status_code == 422 and "90%" in r.text
            r = await staff_pages.post(
                unit_url, data={"csrf_token": _csrf(page.text), "status": "maintenance"}
            )
            assert r.status_code == 303
            units = (await client.get("/api/v1/housing/units", headers=headers)).json()
            assert (
                next(u for u in units if u["id"] == offer["unit"]["id"])["status"] == "maintenance"
            )
            # The tenant's wishes from the page.
            mine = await tenant.get("/housing")
            assert "您的选房意向" in mine.text
            r = await tenant.post(
                "/housing/preferences",
                data={"csrf_token": _csrf(mine.text), "projects": pid, "layouts": "studio"},
            )
            assert r.status_code == 303
            async with sessionmaker() as session:
                entry = (
                    await session.execute(
                        select(WaitlistEntry).where(
                            WaitlistEntry.applicant_id == uuid.UUID(user.account["applicant"]["id"])
                        )
                    )
                ).scalar_one()
                assert entry.preferences == {"projects": [pid], "layouts": ["studio"]}
            # Back in service, offered, accepted on the page; staff propose renewal terms.
            r = await staff_pages.post(
                unit_url, data={"csrf_token": _csrf(page.text), "status": "available"}
            )
            assert r.status_code == 303
            await client.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
            mine = await tenant.get("/housing")
            offer_id = next(
                o["id"]
                for o in (await client.get("/api/v1/my/housing", headers=user.headers)).json()[
                    "offers"
                ]
                if o["status"] == "open"
            )
            r = await tenant.post(
                f"/housing/offers/{offer_id}",
                data={"decision": "accept", "csrf_token": _csrf(mine.text)},
            )
            assert r.status_code == 303
            [lease] = (await client.get("/api/v1/my/housing", headers=user.headers)).json()[
                "leases"
            ]
            lease_url = f"/staff/housing/leases/{lease['id']}"
            page = await staff_pages.get(lease_url)
            assert page.status_code == 200 and "续租条件" in page.text
            r = await staff_pages.post(
                lease_url + "/renewal-terms",
                data={"csrf_token": _csrf(page.text), "monthly_rent_cny": "4300"},
            )
            assert r.status_code == 422 and "5%" in r.text
            r = await staff_pages.post(
                lease_url + "/renewal-terms",
                data={"csrf_token": _csrf(page.text), "monthly_rent_cny": "4200"},
            )
            assert r.status_code == 303
            mine = await tenant.get("/housing")
            assert "每月 4200 元" in mine.text
            # The tenant gives a move-out date; staff record the inspection after confirming.
            from datetime import date, timedelta

            day = (date.fromisoformat(lease["starts_on"]) + timedelta(days=30)).isoformat()
            r = await tenant.post(
                f"/housing/leases/{lease['id']}/move-out",
                data={"csrf_token": _csrf(mine.text), "move_out_on": day},
            )
            assert r.status_code == 303
            record = {
                "csrf_token": _csrf(page.text),
                "condition": "minor_damage",
                "deposit_deduction_cny": "200",
                "note": "门锁需更换",
            }
            r = await staff_pages.post(lease_url + "/move-out", data=record)
            assert r.status_code == 422  # not confirmed: nothing changes
            leases = (await client.get("/api/v1/housing/leases", headers=headers)).json()
            assert next(x for x in leases if x["id"] == lease["id"])["status"] == "active"
            r = await staff_pages.post(lease_url + "/move-out", data={**record, "confirm": "yes"})
            assert r.status_code == 303
            done = await staff_pages.get(r.headers["location"])
            assert "门锁需更换" in done.text and day in done.text
            mine = await tenant.get("/housing")
            assert "押金扣除 200 元" in mine.text
        finally:
            await staff_pages.aclose()
            await tenant.aclose()


async def _through_to_approval(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    case: dict[str, Any],
    hr_email: str,
) -> httpx.Response:
    """Employer confirmation, acceptance, review and the approval of an apartment case: the
    approval's answer is returned."""
    from datetime import timedelta

    from tests.integration.test_cases_api import act

    case_id = case["case"]["id"]
    clerk = await staff(client, sm, "changning", ["window_clerk"], "service_center")
    due = (f.local_today() + timedelta(days=10)).isoformat()
    r = await act(client, clerk, case_id, 1, "request_employer_confirmation", due_on=due)
    assert r.status_code == 200, r.text
    hr_headers = await f.employer_login(client, hr_email)
    r = await client.post(
        f"/api/v1/employer/cases/{case_id}/actions",
        headers=hr_headers,
        json={"action": "confirm_employment", "expected_version": r.json()["version"]},
    )
    assert r.status_code == 200, r.text
    r = await act(client, clerk, case_id, r.json()["version"], "accept")
    assert r.status_code == 200, r.text
    officer = await housing_staff(client, sm, "changning")
    r = await act(client, officer, case_id, r.json()["version"], "start_review")
    assert r.status_code == 200, r.text
    # Four eyes (issue 14, item 2): whoever reviewed the case does not approve it.
    checker = await housing_staff(client, sm, "changning")
    return await act(client, checker, case_id, r.json()["version"], "approve")


class TestHouseholdOnApproval:
    async def test_approving_a_case_naming_a_housed_applicant_as_spouse_is_refused(
        self, app: Any, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:

        uscc, hr_email = await f.create_employer_with_hr(
            sessionmaker, district="changning", name="长宁住房测试科技"
        )
        a_payload = f.domestic_payload()
        _a, a_case = await apartment_case(
            client, "changning", payload=a_payload, employer_uscc=uscc
        )
        approved = await _through_to_approval(client, sessionmaker, a_case, hr_email)
        assert approved.status_code == 200, approved.text
        _b, b_case = await apartment_case(
            client, "changning", spouse_id=a_payload["id_number"], employer_uscc=uscc
        )
        refused = await _through_to_approval(client, sessionmaker, b_case, hr_email)
        assert refused.status_code == 409
        assert a_case["case"]["number"] in refused.json()["detail"]
        assert "家庭" in refused.json()["detail"]  # the default language is Chinese
        headers = await housing_staff(client, sessionmaker, "changning")
        b = (
            await client.get(f"/api/v1/staff/cases/{b_case['case']['id']}", headers=headers)
        ).json()
        assert b["status"] == "in_review"  # nothing changed
        assert a_case["case"]["number"] in b["household_conflicts"]
        email = await f.create_staff(
            sessionmaker, district="changning", roles=["approver"], department="housing"
        )
        pages = await _page_session(app, email, f.PASSWORD, totp=True)
        try:
            shown = await pages.get(f"/staff/cases/{b_case['case']['id']}")
        finally:
            await pages.aclose()
        assert "重复家庭" in shown.text and a_case["case"]["number"] in shown.text

    @pytest.mark.shared_db(reason="two approvals at once race in transactions of their own")
    async def test_two_approvals_of_one_household_at_once_make_one_entry(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.errors import Conflict
        from app.services.housing import join_waitlist

        a_payload = f.domestic_payload()
        _a, a_case = await apartment_case(client, "changning", payload=a_payload)
        _b, b_case = await apartment_case(client, "changning", spouse_id=a_payload["id_number"])

        async def join(result: dict[str, Any]) -> str:
            try:
                async with sessionmaker() as session, session.begin():
                    case = await session.get(Case, uuid.UUID(result["case"]["id"]))
                    assert case is not None
                    await join_waitlist(session, case)
            except Conflict:
                return "refused"
            return "joined"

        outcomes = await asyncio.gather(join(a_case), join(b_case))
        assert sorted(outcomes) == ["joined", "refused"]
        async with sessionmaker() as session:
            entries = (
                await session.execute(
                    select(func.count())
                    .select_from(WaitlistEntry)
                    .where(
                        WaitlistEntry.case_id.in_(
                            [uuid.UUID(a_case["case"]["id"]), uuid.UUID(b_case["case"]["id"])]
                        )
                    )
                )
            ).scalar_one()
        assert entries == 1

    async def test_a_revoked_approval_takes_the_household_off_the_list(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.services.housing import leave_waitlist

        headers, user, _pid, offer = await leased_or_offered(client, sessionmaker, "changning")
        async with sessionmaker() as session, session.begin():
            entry = (
                await session.execute(
                    select(WaitlistEntry).where(
                        WaitlistEntry.applicant_id == uuid.UUID(user.account["applicant"]["id"])
                    )
                )
            ).scalar_one()
            case = await session.get(Case, entry.case_id)
            assert case is not None
            await leave_waitlist(session, case)  # as the revocation does
        mine = (await client.get("/api/v1/my/housing", headers=user.headers)).json()
        assert [o["status"] for o in mine["offers"]] == ["expired"]
        units = (await client.get("/api/v1/housing/units", headers=headers)).json()
        assert next(u for u in units if u["id"] == offer["unit"]["id"])["status"] == "available"
        async with sessionmaker() as session:
            keys = (
                await session.execute(select(HouseholdKey).where(HouseholdKey.entry_id == entry.id))
            ).scalars()
            assert all(k.released_at is not None for k in keys)
            assert (await session.get(WaitlistEntry, entry.id)).status == "removed"  # type: ignore[union-attr]
