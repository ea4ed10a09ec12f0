"""The talent register (issue 16, points 3 and 5): an outside membership recorded by the
talent office with its evidence becomes a verified fact the rules read (a declared one is not,
and the explanation says so), an expired one stops counting, the register is scoped to the
district and every staff read of a person's entries is audited, the CSV writes formula-like
cells as text, and an approved high-level talent classification writes its entry with the class
the approver chose."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry, TalentRegisterEntry
from app.services import verified_facts
from tests import factories as f
from tests.integration.test_cases_api import PDF, act, new_draft, staff, upload
from tests.integration.test_housing import _csrf, _page_session

pytestmark = pytest.mark.usefixtures("isolated_db")

REGISTER = "/api/v1/talent-register"


async def keeper(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str = "yangpu"
) -> dict[str, str]:
    return await staff(client, sm, district, ["reviewer", "approver"], "talent_office")


async def record(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    id_number: str,
    *,
    programme: str = "district_outstanding",
    granted_on: date = date(2024, 5, 1),
    valid_until: date | None = None,
    issuer: str = "中共杨浦区委人才工作领导小组",
    with_file: bool = True,
    **more: str,
) -> httpx.Response:
    data = {
        "id_kind": "resident_id",
        "id_number": id_number,
        "programme": programme,
        "granted_on": granted_on.isoformat(),
        "issuer": issuer,
        **({"valid_until": valid_until.isoformat()} if valid_until else {}),
        **more,
    }
    files = {"file": ("certificate.pdf", PDF, "application/pdf")} if with_file else None
    return await client.post(REGISTER, headers=headers, data=data, files=files)


async def service_card_draft(client: httpx.AsyncClient) -> tuple[f.ApiUser, str, str]:
    payload = f.domestic_payload()
    user, draft = await new_draft(client, "yangpu", "service_card", payload)
    return user, str(draft["id"]), str(payload["id_number"])


async def card_verdict(client: httpx.AsyncClient, user: f.ApiUser, draft_id: str) -> Any:
    answers = {
        "talent_programs": ["district_outstanding"],
        "professional_title": "none",
        "annual_salary_cny": 300000,
        "employer_district": "yangpu",
    }
    r = await client.patch(
        f"/api/v1/applications/{draft_id}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    return r.json()["eligibility"]


def criterion(verdict: Any, condition: str) -> dict[str, Any]:
    return next(c for c in verdict["criteria"] if c["id"] == condition)


class TestVerifiedMembership:
    async def test_a_declared_membership_counts_only_once_the_register_holds_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, draft_id, id_number = await service_card_draft(client)
        declared = await card_verdict(client, user, draft_id)
        assert declared["status"] == "ineligible"
        talent = criterion(declared, "talent_programme")
        assert talent["result"] == "false"
        assert "Declared, not verified" in talent["message"] or "未核验" in talent["message"]

        officer = await keeper(client, sessionmaker)
        r = await record(client, officer, id_number)
        assert r.status_code == 201, r.text
        entry = r.json()
        assert entry["source"] == "outside_record" and entry["has_evidence"] is True
        assert entry["validity"] == "valid"

        verified = await card_verdict(client, user, draft_id)
        assert verified["status"] == "eligible"
        assert criterion(verified, "talent_programme")["result"] == "true"
        mine = await client.get(f"{REGISTER}/mine", headers=user.headers)
        assert [e["programme"] for e in mine.json()] == ["district_outstanding"]

    async def test_an_expired_membership_is_not_a_verified_fact_after_its_last_day(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, _draft, id_number = await service_card_draft(client)
        officer = await keeper(client, sessionmaker)
        last_day = f.local_today() - timedelta(days=1)
        r = await record(
            client, officer, id_number, granted_on=date(2021, 1, 1), valid_until=last_day
        )
        assert r.status_code == 201, r.text
        assert r.json()["validity"] == "expired"
        person = uuid.UUID(str(r.json()["applicant_id"]))
        async with sessionmaker() as session:
            on_last_day = await verified_facts.for_person(session, person, last_day)
            after = await verified_facts.for_person(session, person, f.local_today())
        assert on_last_day == {"verified_talent_programs": ["district_outstanding"]}
        assert after == {"verified_talent_programs": []}

    async def test_a_person_may_not_send_the_verified_fact_themselves(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.post(
            "/api/v1/eligibility/check",
            json={"facts": {"verified_talent_programs": ["national_high_level"]}},
        )
        assert r.status_code == 422, r.text
        assert "verified_fact" in r.text


class TestRecording:
    async def test_evidence_and_a_registered_person_are_required(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, _draft, id_number = await service_card_draft(client)
        officer = await keeper(client, sessionmaker)
        r = await record(client, officer, id_number, with_file=False)
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"file"}
        r = await record(client, officer, f.resident_id())
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"id_number"}
        r = await record(client, officer, id_number, programme="district_high_level")
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"programme"}

    async def test_only_the_talent_office_keeps_the_register(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, _draft, id_number = await service_card_draft(client)
        hr = await staff(client, sessionmaker, "yangpu", ["reviewer", "approver"], "hr_bureau")
        assert (await record(client, hr, id_number)).status_code == 403
        assert (await client.get(REGISTER, headers=hr)).status_code == 403


class TestScopeAndAudit:
    async def test_another_district_neither_finds_nor_reads_the_entry(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, _draft, id_number = await service_card_draft(client)
        yangpu = await keeper(client, sessionmaker, "yangpu")
        changning = await keeper(client, sessionmaker, "changning")
        entry = (await record(client, yangpu, id_number)).json()
        person = entry["applicant_id"]

        found = await client.get(REGISTER, headers=changning)
        assert found.status_code == 200 and found.json() == []
        assert (await client.get(f"{REGISTER}/{entry['id']}", headers=changning)).status_code == 404
        history = await client.get(f"{REGISTER}/people/{person}", headers=changning)
        assert history.status_code == 404

        found = await client.get(
            REGISTER, headers=yangpu, params={"programme": "district_outstanding"}
        )
        assert [e["id"] for e in found.json()] == [entry["id"]]
        history = await client.get(f"{REGISTER}/people/{person}", headers=yangpu)
        assert [e["id"] for e in history.json()] == [entry["id"]]
        async with sessionmaker() as session:
            viewed = (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.action == "talent_register.viewed")
                )
            ).scalars()
            searched = (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.action == "talent_register.searched")
                )
            ).scalars()
            assert [(a.object_type, a.object_id, a.district) for a in viewed] == [
                ("applicant", person, "yangpu")
            ]
            assert any(entry["id"] in a.detail["entries"] for a in searched)  # type: ignore[operator]

    async def test_search_by_organisation_and_date_and_a_csv_safe_from_formulas(
        self,
        app: Any,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        _user, _draft, id_number = await service_card_draft(client)
        officer = await keeper(client, sessionmaker)
        r = await record(
            client,
            officer,
            id_number,
            issuer='=HYPERLINK("http://evil.example")',
            organisation_name="-杨浦测试单位",
        )
        assert r.status_code == 201, r.text
        hit = await client.get(
            REGISTER,
            headers=officer,
            params={"organisation": "杨浦测试", "granted_from": "2024-01-01"},
        )
        assert len(hit.json()) == 1
        miss = await client.get(REGISTER, headers=officer, params={"granted_from": "2025-01-01"})
        assert miss.json() == []

        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="talent_office"
        )
        web = await _page_session(app, email, f.PASSWORD, True)
        r = await web.get("/staff/talent-register.csv")
        assert r.status_code == 200, r.text
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert rows[0]["issuer"] == '\'=HYPERLINK("http://evil.example")'
        assert rows[0]["organisation_name"] == "'-杨浦测试单位"


class TestClassification:
    async def test_an_approval_records_the_class_the_approver_chose(
        self,
        app: Any,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        user, draft = await new_draft(client, "yangpu", "high_level_certification")
        answers = {
            "employer_district": "yangpu",
            "professional_title": "senior",
            "highest_degree": "master",
            "annual_salary_cny": 300000,
            "talent_programs": [],
        }
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
        )
        assert r.status_code == 200, r.text
        assert r.json()["eligibility"]["status"] == "eligible"
        docs = {
            "id_document": await upload(client, user, "id_card"),
            "degree_certificate": await upload(client, user, "degree_certificate"),
            "professional_title": await upload(client, user, "professional_title"),
            "employment_contract": await upload(client, user, "employment_contract"),
        }
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"documents": docs}
        )
        assert r.status_code == 200, r.text
        case_id = (await f.submit_application(client, user, draft["id"]))["case"]["id"]
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"], "talent_office")
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], "talent_office")
        r = await act(client, clerk, case_id, 1, "accept")
        r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
        assert r.status_code == 200, r.text
        version = r.json()["version"]
        seen = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=approver)).json()
        assert [c["value"] for c in seen["decision_levels"]] == ["A", "B", "C", "D"]
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="talent_office"
        )
        page = await (await _page_session(app, email, f.PASSWORD, True)).get(
            f"/staff/cases/{case_id}"
        )
        assert page.status_code == 200
        assert 'name="level"' in page.text and "B类（领军人才）" in page.text

        for wrong in ({}, {"level": "Z"}):
            r = await act(client, approver, case_id, version, "approve", **wrong)
            assert r.status_code == 422, r.text
            assert [e["field"] for e in r.json()["errors"]] == ["level"]
        r = await act(client, approver, case_id, version, "approve", level="B")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "approved" and r.json()["decided_level"]

        async with sessionmaker() as session:
            entries = list(
                (
                    await session.execute(
                        select(TalentRegisterEntry).where(
                            TalentRegisterEntry.case_id == uuid.UUID(case_id)
                        )
                    )
                ).scalars()
            )
        assert [(e.programme, e.level, e.source, e.district) for e in entries] == [
            ("district_high_level", "B", "certification", "yangpu")
        ]
        mine = (await client.get(f"{REGISTER}/mine", headers=user.headers)).json()
        assert [(e["programme"], e["level"]) for e in mine] == [("district_high_level", "B")]
        # The classification is a verified membership: the service card reads it.
        _u, card = await new_draft_for(client, user)
        r = await client.patch(
            f"/api/v1/applications/{card}",
            headers=user.headers,
            json={
                "answers": {
                    "talent_programs": [],
                    "professional_title": "none",
                    "annual_salary_cny": 300000,
                    "employer_district": "yangpu",
                }
            },
        )
        assert r.json()["eligibility"]["status"] == "eligible"


async def new_draft_for(client: httpx.AsyncClient, user: f.ApiUser) -> tuple[f.ApiUser, str]:
    services = (await client.get("/api/v1/services", params={"district": "yangpu"})).json()
    sid = next(s["id"] for s in services if s["code"] == "service_card")
    r = await client.post("/api/v1/applications", json={"service_id": sid}, headers=user.headers)
    assert r.status_code in (200, 201), r.text
    return user, str(r.json()["id"])


class TestPages:
    async def test_the_keeper_records_on_the_page_and_reads_the_history_in_both_languages(
        self,
        app: Any,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        user, _draft, id_number = await service_card_draft(client)
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["reviewer"], department="talent_office"
        )
        web = await _page_session(app, email, f.PASSWORD, True)
        form = await web.get("/staff/talent-register/new")
        assert form.status_code == 200
        fields = {
            "csrf_token": _csrf(form.text),
            "id_kind": "resident_id",
            "id_number": id_number,
            "programme": "shanghai_leading",
            "issuer": "上海市人才工作领导小组办公室",
            "granted_on": "2025-01-01",
        }
        refused = await web.post("/staff/talent-register", data=fields)
        assert refused.status_code == 422
        assert 'href="#file"' in refused.text
        r = await web.post(
            "/staff/talent-register",
            data=fields,
            files={"file": ("letter.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 303, r.text
        history = await web.get(r.headers["location"])
        assert history.status_code == 200
        assert "上海市领军人才" in history.text
        link = history.text.split('href="/staff/talent-register/entries/', 1)[1].split('"', 1)[0]
        evidence = await web.get(f"/staff/talent-register/entries/{link}")
        assert evidence.status_code == 200 and evidence.content == PDF
        listed = await web.get(
            "/staff/talent-register",
            params={"programme": "shanghai_leading", "lang": "en"},
            follow_redirects=True,
        )
        assert listed.status_code == 200 and "Shanghai leading talent" in listed.text
        own = await _page_session(app, user.email, user.password, False)
        mine = await own.get("/recognitions")
        assert mine.status_code == 200 and "上海市领军人才" in mine.text
