"""人才落户一件事 end to end through the JSON API, with the outside systems served by the real
simulator on a local port and the worker's verification round run by hand."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Case, FactVerification, IssuedDocument, OutboxMessage, Service
from app.models.base import utcnow
from app.services import notifications
from app.services.settlement import verification as verification
from simulator.data import PEOPLE_LIST
from tests import factories as f
from tests.integration.test_issued_documents import _text
from tests.support.simulator import RunningSimulator, running_simulator

pytestmark = pytest.mark.usefixtures("isolated_db")

PDF = b"%PDF-1.7\n% test\n%%EOF\n"
SYSTEMS = ("identity", "social_insurance", "degrees", "hukou")

# Plausible answers for whatever the chosen route still asks after verification.
ANSWERS: dict[str, Any] = {
    "marital_status": "married",
    "residence_permit_years": 3,
    "study_abroad_days": 1200,
    "return_date": "2022-05-01",
    "university_world_rank": 40,
    "university_cn_tier": "other",
    "university_subject_rank": 40,
    "employment_start_date": "2022-07-01",
    "contract_start_date": "2022-07-01",
    "contract_end_date": "2028-06-30",
    "pays_income_tax_in_shanghai": True,
    "annual_salary_cny": 600000,
    "professional_title": "none",
    "skill_level": 0,
    "talent_programs": [],
    "employer_type": "private",
    "graduate_score": 70,
    "residence_permit_social_insurance_years": 3,
    "university_name": "Kyoto University",
    "university_in_shanghai": False,
}


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with running_simulator() as sim:
        names = {
            "IDENTITY": "identity",
            "SOCIAL_INSURANCE": "social_insurance",
            "DEGREES": "degrees",
            "HUKOU": "hukou",
        }
        saved = {k: os.environ.get(f"TALENT_VERIFICATION_{k}_URL") for k in names}
        for key, system in names.items():
            os.environ[f"TALENT_VERIFICATION_{key}_URL"] = sim.url(system)
        # Fail fast: the job's retries are what this test is about, not the client's.
        os.environ["TALENT_VERIFICATION_MAX_ATTEMPTS"] = "1"
        os.environ["TALENT_VERIFICATION_TIMEOUT_SECONDS"] = "2"
        from app.config import get_settings

        get_settings.cache_clear()
        yield sim
        for key, value in saved.items():
            if value is None:
                os.environ.pop(f"TALENT_VERIFICATION_{key}_URL", None)
            else:
                os.environ[f"TALENT_VERIFICATION_{key}_URL"] = value
        os.environ.pop("TALENT_VERIFICATION_MAX_ATTEMPTS", None)
        os.environ.pop("TALENT_VERIFICATION_TIMEOUT_SECONDS", None)
        get_settings.cache_clear()


@pytest.fixture
async def sim(simulator: RunningSimulator) -> AsyncIterator[RunningSimulator]:
    simulator.reset()
    yield simulator
    simulator.reset()


async def person(client: httpx.AsyncClient, name: str) -> f.ApiUser:
    p = next(p for p in PEOPLE_LIST if p.full_name == name)
    payload = f.domestic_payload(full_name=p.full_name, id_number=p.id_number)
    return await f.register_and_login(client, payload)


async def staff(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    roles: list[str],
    department: str,
    district: str = "changning",
) -> dict[str, str]:
    email = await f.create_staff(sm, district=district, roles=roles, department=department)
    return await f.staff_login(client, email)


async def staff_case(client: httpx.AsyncClient, headers: dict[str, str], case_id: str) -> Any:
    r = await client.get(f"/api/v1/staff/cases/{case_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def act(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str, action: str, **extra: Any
) -> Any:
    version = (await staff_case(client, headers, case_id))["version"]
    r = await client.post(
        f"/api/v1/staff/cases/{case_id}/actions",
        headers=headers,
        json={"action": action, "expected_version": version, **extra},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def start_bundle(
    client: httpx.AsyncClient, user: f.ApiUser, sm: async_sessionmaker[AsyncSession]
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/settlement/bundles", headers=user.headers, json={"district": "changning"}
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert {v["system"]: v["status"] for v in draft["verifications"]} == dict.fromkeys(
        SYSTEMS, "pending"
    )
    await verification.run_due(sm)
    r = await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)
    return dict(r.json())


async def fill_and_submit(
    client: httpx.AsyncClient,
    user: f.ApiUser,
    draft: dict[str, Any],
    *,
    route: str,
    children: int = 0,
) -> dict[str, Any]:
    app_id = draft["id"]
    household = {"settlement_route": route, "spouse_moves": False, "children_moving": children}
    r = await client.patch(
        f"/api/v1/applications/{app_id}", headers=user.headers, json={"answers": household}
    )
    assert r.status_code == 200, r.text
    shown = [q["fact"] for q in r.json()["questions"]]
    answers = {name: ANSWERS[name] for name in shown if name in ANSWERS}
    r = await client.patch(
        f"/api/v1/applications/{app_id}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    docs: dict[str, str] = {}
    for material in r.json()["materials"]:
        if material["needed"]:
            up = await client.post(
                "/api/v1/documents",
                headers=user.headers,
                files={"file": (f"{material['code']}.pdf", PDF, "application/pdf")},
                data={"kind": material["kind"]},
            )
            assert up.status_code == 201, up.text
            docs[material["code"]] = up.json()["id"]
    r = await client.patch(
        f"/api/v1/applications/{app_id}", headers=user.headers, json={"documents": docs}
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/applications/{app_id}/submit",
        headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )
    assert r.status_code in (200, 201), r.text
    return dict(r.json()["case"])


def parts_by_code(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["code"]: p for p in case["parts"]}


async def templates_sent(sm: async_sessionmaker[AsyncSession], user_id: str) -> list[str]:
    async with sm() as session:
        rows = await session.execute(
            select(OutboxMessage.template).where(
                OutboxMessage.recipient_user_id == uuid.UUID(user_id)
            )
        )
        return [str(t) for t in rows.scalars()]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


async def web_login(client: httpx.AsyncClient, user: f.ApiUser) -> None:
    page = await client.get("/login")
    r = await client.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 303, r.text


async def late_notice(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    sim: RunningSimulator,
    name: str,
) -> tuple[f.ApiUser, dict[str, Any], dict[str, Any]]:
    """A submitted returnee bundle on which social insurance answered "no record" late: the
    applicant has the one notice (一次性告知) to answer."""
    user = await person(client, name)
    sim.control("social_insurance", "down", duration_ms=600_000)
    draft = await start_bundle(client, user, sm)
    case = await fill_and_submit(client, user, draft, route="returnee")
    assert case["status"] == "awaiting_data"
    sim.control("social_insurance", "no_record")
    await verification.run_due(sm, now=utcnow() + timedelta(hours=1))
    mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
    assert mine["status"] == "supplement_requested"
    return user, draft, mine


class TestBundle:
    async def test_returnee_bundle_from_route_finding_to_handout(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "刘洋")
        draft = await start_bundle(client, user, sessionmaker)
        # 免提交: every system answered, and what they vouched for is not asked.
        assert {v["system"]: v["status"] for v in draft["verifications"]} == dict.fromkeys(
            SYSTEMS, "verified"
        )
        asked = {q["fact"] for q in draft["questions"]}
        for fact in ("birth_date", "highest_degree", "degree_country", "hukou"):
            assert fact not in asked
        assert "social_insurance_months" not in asked
        # ... and cannot be overwritten by the applicant.
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": {"highest_degree": "bachelor"}},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "verified"

        r = await client.get(
            f"/api/v1/settlement/bundles/{draft['id']}/routes", headers=user.headers
        )
        assert r.status_code == 200, r.text
        assert {x["policy_id"] for x in r.json()["routes"]} >= {"shanghai.returnee_settlement"}

        case = await fill_and_submit(client, user, draft, route="returnee", children=1)
        assert case["status"] == "submitted"
        # Uploads that the systems replaced were never asked for.
        assert not {d["requirement"] for d in case["documents"]} & {
            "degree_certificate",
            "social_insurance_record",
            "id_document",
        }

        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        hr = await staff(client, sessionmaker, ["reviewer", "approver"], "hr_bureau")
        police = await staff(client, sessionmaker, ["reviewer", "approver"], "public_security")
        education = await staff(client, sessionmaker, ["reviewer", "approver"], "education")
        # Four eyes (issue 14, item 2): a second officer of each department approves what the
        # first reviewed.
        checkers = {
            department: await staff(client, sessionmaker, ["approver"], department)
            for department in ("hr_bureau", "public_security", "education", "housing")
        }

        accepted = await act(client, window, case["id"], "accept")
        assert accepted["status"] == "in_progress"
        parts = parts_by_code(accepted)
        assert parts["settlement_approval"]["status"] == "accepted"
        for code in ("hukou_move_in", "residence_permit_cancellation", "school_enrolment"):
            assert parts[code]["status"] == "waiting"
        # Four departments act on the one application, besides the window that accepted it.
        departments = {p["department"] for p in accepted["parts"]}
        assert departments == {"hr_bureau", "public_security", "education", "housing"}
        assert accepted["deadline"]["due_on"] >= max(p["due_on"] for p in accepted["parts"])

        # Each department finds its part in its own queue.
        r = await client.get(
            "/api/v1/staff/cases", headers=police, params={"department": "public_security"}
        )
        assert parts["hukou_move_in"]["id"] in {i["id"] for i in r.json()["items"]}

        def approve(headers: dict[str, str], part_id: str, department: str) -> Any:
            async def run() -> Any:
                await act(client, headers, part_id, "start_review")
                return await act(client, checkers[department], part_id, "approve")

            return run()

        done = await approve(hr, parts["settlement_approval"]["id"], "hr_bureau")
        assert done["bundle"]["number"] == case["number"]
        parent = await staff_case(client, window, case["id"])
        assert parts_by_code(parent)["hukou_move_in"]["status"] == "accepted"
        # A part is not handed out on its own.
        r = await client.post(
            f"/api/v1/staff/cases/{parts['settlement_approval']['id']}/actions",
            headers=window,
            json={
                "action": "issue_result",
                "expected_version": done["version"],
                "delivery": "window",
            },
        )
        assert r.status_code == 422

        await approve(police, parts["hukou_move_in"]["id"], "public_security")
        parent = await staff_case(client, window, case["id"])
        for code in ("residence_permit_cancellation", "social_insurance_update"):
            assert parts_by_code(parent)[code]["status"] == "accepted"
        await approve(police, parts["residence_permit_cancellation"]["id"], "public_security")
        await approve(hr, parts["social_insurance_update"]["id"], "hr_bureau")
        await approve(education, parts["school_enrolment"]["id"], "education")
        parent = await staff_case(client, window, case["id"])
        assert parent["status"] == "in_progress"  # the housing department has not finished
        housing = await staff(client, sessionmaker, ["reviewer", "approver"], "housing")
        await approve(housing, parts["housing_recommendation"]["id"], "housing")

        parent = await staff_case(client, window, case["id"])
        assert parent["status"] == "approved"
        assert "issue_result" in parent["allowed_actions"]
        issued = await act(client, window, case["id"], "issue_result", delivery="window")
        assert issued["status"] == "result_issued"

        mine = await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)
        assert mine.status_code == 200
        assert mine.json()["status"] == "result_issued"
        assert len(mine.json()["parts"]) == len(parts)
        listed = (await client.get("/api/v1/cases", headers=user.headers)).json()
        assert [c["id"] for c in listed] == [case["id"]]  # parts show on the bundle only
        sent = await templates_sent(sessionmaker, user.account["user_id"])
        assert "case.dispatch" in sent and "case.complete_parts" in sent
        # The bundle's own decision issues the one written decision; its parts none.
        [written] = mine.json()["issued_documents"]
        public = (
            await client.get(written["verify_path"].replace("/verify", "/api/v1/verify"))
        ).json()
        assert public["decision"] == "approved" and public["case_number"] == case["number"]
        part_ids = [uuid.UUID(p["id"]) for p in parts.values()]
        async with sessionmaker() as session:
            on_parts = select(func.count()).where(IssuedDocument.case_id.in_(part_ids))
            assert (await session.execute(on_parts)).scalar_one() == 0

    async def test_rejected_settlement_cancels_its_dependants_and_tells_the_applicant(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "许晴")
        draft = await start_bundle(client, user, sessionmaker)
        case = await fill_and_submit(client, user, draft, route="returnee")
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        hr = await staff(client, sessionmaker, ["reviewer", "approver"], "hr_bureau")
        # Four eyes (issue 14, item 2): another approver decides what ``hr`` reviewed.
        hr_checker = await staff(client, sessionmaker, ["approver"], "hr_bureau")
        accepted = await act(client, window, case["id"], "accept")
        approval = parts_by_code(accepted)["settlement_approval"]["id"]
        await act(client, hr, approval, "start_review")
        await act(
            client,
            hr_checker,
            approval,
            "reject",
            reason="社保缴费基数未达到要求 / the social insurance base is below the requirement",
            clause="沪人社规〔2023〕号 第三条",
        )
        parent = await staff_case(client, window, case["id"])
        assert parent["status"] == "rejected"
        statuses = {p["code"]: p["status"] for p in parent["parts"]}
        assert statuses["settlement_approval"] == "rejected"
        assert all(s == "cancelled" for c, s in statuses.items() if c != "settlement_approval")
        assert parts_by_code(parent)["settlement_approval"]["decision_reason"]
        sent = await templates_sent(sessionmaker, user.account["user_id"])
        assert "case.fail_part" in sent
        # The bundle's refusal is its written decision: the failed step's reason and clause,
        # and the right to 行政复议 / 行政诉讼.
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        [written] = mine["issued_documents"]
        pdf = await client.get(
            f"/api/v1/cases/{case['id']}/issued-documents/{written['id']}/pdf",
            headers=user.headers,
        )
        assert pdf.status_code == 200, pdf.text
        text = _text(pdf.content)
        for expected in (
            case["number"],
            "不予批准",
            "社保缴费基数",
            "第三条",
            "行政复议",
            "行政诉讼",
        ):
            assert expected in text, expected

    @pytest.mark.shared_db(
        reason="two verification rounds run at once, each in transactions of its own"
    )
    async def test_an_outage_makes_the_case_wait_and_it_completes_when_the_system_returns(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "黄蕾")
        sim.control("social_insurance", "down", duration_ms=600_000)
        draft = await start_bundle(client, user, sessionmaker)
        states = {v["system"]: v["status"] for v in draft["verifications"]}
        assert states["social_insurance"] == "unavailable"
        assert states["identity"] == "verified"
        # What the system will provide is not asked meanwhile.
        assert "social_insurance_months" not in {q["fact"] for q in draft["questions"]}

        case = await fill_and_submit(client, user, draft, route="returnee")
        assert case["status"] == "awaiting_data"
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        waiting = [v for v in mine["verifications"] if v["status"] == "unavailable"]
        assert [v["system"] for v in waiting] == ["social_insurance"]
        # Why it waits, in both languages, on the API in each language and on the page.
        for lang in ("zh", "en"):
            r = await client.get(
                f"/api/v1/cases/{case['id']}",
                headers={**user.headers, "Accept-Language": lang},
            )
            reason = r.json()["timeline"][-1]["reason"]
            assert reason == (
                "正在等待以下系统的数据：社会保险信息系统 / "
                "Waiting for data from: social insurance system"
            )
        await web_login(client, user)
        for lang in ("zh", "en"):
            await client.get(f"/lang/{lang}")
            page = await client.get(f"/cases/{case['id']}")
            assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page.text
            assert "正在等待以下系统的数据：社会保险信息系统" in page.text
            assert "Waiting for data from: social insurance system" in page.text
        async with sessionmaker() as session:
            row = await session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.recipient_user_id == uuid.UUID(user.account["user_id"]),
                    OutboxMessage.template == "case.wait_for_data",
                )
            )
        assert row is not None
        zh = notifications.render(row.template, "zh", notifications.params_of(row.payload))
        en = notifications.render(row.template, "en", notifications.params_of(row.payload))
        assert "正在等待其他政务系统" in zh.body and "waiting" not in zh.body.lower()
        assert "another government system" in en.body

        # Still down: the worker asks again later and the case keeps waiting.
        later = utcnow() + timedelta(hours=2)
        await verification.run_due(sessionmaker, now=later)
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert mine["status"] == "awaiting_data"

        sim.reset()
        # Two workers' rounds at once must not store or dispatch anything twice. The system is
        # a little slow, so both rounds have asked before either stores its answer.
        sim.control("social_insurance", "slow", delay_ms=300)
        before = sim.requests("social_insurance")
        stored = await asyncio.gather(
            verification.run_due(sessionmaker, now=later + timedelta(hours=4)),
            verification.run_due(sessionmaker, now=later + timedelta(hours=4)),
        )
        assert sim.requests("social_insurance") - before == 2  # both really asked
        assert sorted(stored) == [0, 1]  # ... and exactly one answer was kept
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert mine["status"] == "submitted"
        assert {v["status"] for v in mine["verifications"]} == {"verified"}
        assert [t["action"] for t in mine["timeline"]].count("receive_data") == 1
        app_id = uuid.UUID(draft["id"])
        async with sessionmaker() as session:
            rows = (
                await session.scalars(
                    select(FactVerification).where(FactVerification.application_id == app_id)
                )
            ).all()
        assert sorted(r.system for r in rows) == sorted(SYSTEMS)  # one request per system
        sent = await templates_sent(sessionmaker, user.account["user_id"])
        assert sent.count("case.receive_data") == sent.count("case.submitted")

        # Two clerks accepting at once: one wins, and the parts are created once.
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        other = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        version = (await staff_case(client, window, case["id"]))["version"]
        answers = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/staff/cases/{case['id']}/actions",
                    headers=h,
                    json={"action": "accept", "expected_version": version},
                )
                for h in (window, other)
            )
        )
        assert sorted(r.status_code for r in answers) == [200, 409]
        accepted = next(r.json() for r in answers if r.status_code == 200)
        assert accepted["status"] == "in_progress"
        of_bundle = Case.parent_id == uuid.UUID(case["id"])
        async with sessionmaker() as session:
            parts = await session.scalar(select(func.count()).select_from(Case).where(of_bundle))
            distinct = await session.scalar(
                select(func.count(func.distinct(Case.bundle_part))).where(of_bundle)
            )
        assert parts == distinct == len(accepted["parts"])

    async def test_a_late_no_record_asks_the_applicant_once_for_what_the_system_was_to_give(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "陈磊")
        sim.control("social_insurance", "down", duration_ms=600_000)
        draft = await start_bundle(client, user, sessionmaker)
        hidden = {"social_insurance_months", "social_insurance_base_multiple", "employer_district"}
        assert not hidden & {q["fact"] for q in draft["questions"]}
        case = await fill_and_submit(client, user, draft, route="returnee")
        assert case["status"] == "awaiting_data"
        assert "social_insurance_record" not in {d["requirement"] for d in case["documents"]}

        # The system comes back and says it holds nothing on this person.
        sim.control("social_insurance", "no_record")
        await verification.run_due(sessionmaker, now=utcnow() + timedelta(hours=1))
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert mine["status"] == "supplement_requested"
        notice = mine["timeline"][-1]
        assert notice["action"] == "request_supplement"
        # One notice lists every fact the system was to confirm and the upload it stood for.
        assert "社保缴费记录 / Social insurance payment record" in notice["items"]
        for label in ("本市社保累计缴纳月数", "社保缴费基数倍数", "用人单位所在区"):
            assert any(i.startswith(label + " / ") for i in notice["items"]), label
        assert "Another government system" in notice["reason"] and "另一" in notice["reason"]
        sent = await templates_sent(sessionmaker, user.account["user_id"])
        # One message per channel, as for the submission itself; no "on to the window" before it.
        assert sent.count("case.request_supplement") == sent.count("case.submitted") >= 1
        assert "case.receive_data" not in sent
        assert mine["timeline"][-2]["status"] == "awaiting_data"

        # The applicant answers on the bundle page, signed in with the browser's cookie.
        await web_login(client, user)
        page = await client.get(f"/cases/{case['id']}")
        assert page.status_code == 200
        for name in hidden:
            assert f'name="{name}"' in page.text
        assert 'name="doc_social_insurance_record"' in page.text
        token = csrf_of(page.text)
        # Half an answer changes nothing and says what is missing.
        r = await client.post(
            f"/cases/{case['id']}/details",
            data={
                "csrf_token": token,
                "version": str(mine["version"]),
                "employer_district": "changning",
            },
        )
        assert r.status_code == 422
        assert "error-summary" in r.text
        # Nor does the general "documents sent" form skip the questions.
        r = await client.post(
            f"/cases/{case['id']}/supplement",
            data={"csrf_token": token, "version": str(mine["version"]), "kind": "other"},
            files={"file": ("any.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 422
        assert "请回答所列问题并选择所列材料" in r.text
        still = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert still["status"] == "supplement_requested"
        assert still["version"] == mine["version"]
        r = await client.post(
            f"/cases/{case['id']}/details/upload",
            data={
                "csrf_token": token,
                "requirement": "social_insurance_record",
                "kind": "social_insurance_record",
            },
            files={"file": ("record.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 303, r.text
        page = await client.get(f"/cases/{case['id']}")
        chosen = re.search(r'<option value="([0-9a-f-]{36})" selected>', page.text)
        assert chosen is not None
        r = await client.post(
            f"/cases/{case['id']}/details",
            data={
                "csrf_token": csrf_of(page.text),
                "version": str(still["version"]),
                "employer_district": "changning",
                "social_insurance_months": "40",
                "social_insurance_base_multiple": "1.5",
                "doc_social_insurance_record": chosen.group(1),
            },
        )
        assert r.status_code == 303, r.text
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert mine["status"] == "submitted"
        assert "social_insurance_record" in {d["requirement"] for d in mine["documents"]}
        app = (await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)).json()
        answers = {q["fact"]: q["answer"] for q in app["questions"]}
        assert answers["social_insurance_months"] == 40
        assert answers["employer_district"] == "changning"
        # Once answered, nothing more is asked; the window can accept.
        page = await client.get(f"/cases/{case['id']}")
        assert 'id="details"' not in page.text
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        assert (await act(client, window, case["id"], "accept"))["status"] == "in_progress"

    async def test_documents_received_is_refused_while_the_late_notice_lacks_answers(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user, _, case = await late_notice(client, sessionmaker, sim, "赵静")
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        before = await staff_case(client, window, case["id"])
        assert before["status"] == "supplement_requested"
        assert "receive_supplement" in before["allowed_actions"]
        # The window's "documents received" would send the bundle on without the answers.
        for lang, texts in (
            ("zh", ("仍缺", "社保缴费记录", "本市社保累计缴纳月数")),
            ("en", ("Still missing", "Social insurance payment record")),
        ):
            r = await client.post(
                f"/api/v1/staff/cases/{case['id']}/actions",
                headers={**window, "Accept-Language": lang},
                json={"action": "receive_supplement", "expected_version": before["version"]},
            )
            assert r.status_code == 409, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            for text in texts:
                assert text in problem["detail"], (lang, problem["detail"])
            assert problem["missing"]["documents"] == ["social_insurance_record"]
            assert set(problem["missing"]["facts"]) == {
                "social_insurance_months",
                "social_insurance_base_multiple",
                "employer_district",
            }
        # Nor may the applicant close it through the plain action.
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        r = await client.post(
            f"/api/v1/cases/{case['id']}/actions",
            headers=user.headers,
            json={"action": "receive_supplement", "expected_version": mine["version"]},
        )
        assert r.status_code == 409, r.text
        after = await staff_case(client, window, case["id"])
        assert (after["status"], after["version"]) == ("supplement_requested", before["version"])
        assert len(after["timeline"]) == len(before["timeline"])

    async def test_a_mobile_app_answers_the_late_notice_through_the_api(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user, draft, case = await late_notice(client, sessionmaker, sim, "李伟")
        url = f"/api/v1/cases/{case['id']}/details"
        asked = (await client.get(url, headers=user.headers)).json()
        assert asked["systems"] == ["social_insurance"]
        assert {q["fact"] for q in asked["questions"]} == {
            "social_insurance_months",
            "social_insurance_base_multiple",
            "employer_district",
        }
        assert [d["code"] for d in asked["documents"]] == ["social_insurance_record"]
        assert "社保缴费记录 / Social insurance payment record" in asked["items"]
        # Someone else's case is not found; a staff token is not an applicant's.
        # Any other applicant (not a person of the demo data, which another test may load).
        other = await f.register_and_login(client, f.domestic_payload())
        assert (await client.get(url, headers=other.headers)).status_code == 404
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        assert (await client.get(url, headers=window)).status_code == 403

        up = await client.post(
            "/api/v1/documents",
            headers=user.headers,
            files={"file": ("record.pdf", PDF, "application/pdf")},
            data={"kind": "social_insurance_record"},
        )
        assert up.status_code == 201, up.text
        doc_id = up.json()["id"]
        # Half an answer, or a bad one, changes nothing and names each problem.
        r = await client.post(
            url,
            headers=user.headers,
            json={
                "expected_version": case["version"],
                "answers": {"employer_district": "changning", "social_insurance_months": -3},
            },
        )
        assert r.status_code == 422, r.text
        fields = {e["field"] for e in r.json()["errors"]}
        assert {
            "social_insurance_months",
            "social_insurance_base_multiple",
            "social_insurance_record",
        } <= fields
        assert (await client.get(url, headers=user.headers)).json()["questions"]
        answers = {
            "employer_district": "changning",
            "social_insurance_months": 40,
            "social_insurance_base_multiple": 1.5,
        }
        stale = await client.post(
            url,
            headers=user.headers,
            json={
                "expected_version": case["version"] - 1,
                "answers": answers,
                "documents": {"social_insurance_record": doc_id},
            },
        )
        assert stale.status_code == 409, stale.text
        assert (await client.get(url, headers=user.headers)).json()["documents"]
        r = await client.post(
            url,
            headers=user.headers,
            json={
                "expected_version": case["version"],
                "answers": answers,
                "documents": {"social_insurance_record": doc_id},
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "submitted"
        assert "social_insurance_record" in {d["requirement"] for d in r.json()["documents"]}
        done = (await client.get(url, headers=user.headers)).json()
        assert done == {"systems": [], "questions": [], "documents": [], "items": []}
        app = (await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)).json()
        given = {q["fact"]: q["answer"] for q in app["questions"]}
        assert given["social_insurance_months"] == 40
        assert given["employer_district"] == "changning"
        # Sent twice (a retry): nothing more is asked, nothing duplicated.
        again = await client.post(
            url,
            headers=user.headers,
            json={
                "expected_version": r.json()["version"],
                "answers": answers,
                "documents": {"social_insurance_record": doc_id},
            },
        )
        assert again.status_code == 409
        assert (await act(client, window, case["id"], "accept"))["status"] == "in_progress"

    async def test_a_late_refusal_asks_for_the_degree_and_its_certificates(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "罗敏")
        sim.control("degrees", "down", duration_ms=600_000)
        draft = await start_bundle(client, user, sessionmaker)
        case = await fill_and_submit(client, user, draft, route="returnee")
        assert case["status"] == "awaiting_data"
        sim.control("degrees", "rejected")
        await verification.run_due(sessionmaker, now=utcnow() + timedelta(hours=1))
        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert mine["status"] == "supplement_requested"
        degrees = next(v for v in mine["verifications"] if v["system"] == "degrees")
        assert degrees["status"] == "rejected"
        items = mine["timeline"][-1]["items"]
        assert "最高学历学位证书 / Certificate of the highest degree" in items
        # The fact is 最高学历 (大专 is a 学历, not a 学位).
        assert any(i.startswith("最高学历 / ") for i in items)
        # Nothing the other systems confirmed is asked again.
        assert not any(i.startswith("本市社保累计缴纳月数") for i in items)
        await web_login(client, user)
        page = await client.get(f"/cases/{case['id']}")
        assert 'name="highest_degree"' in page.text
        assert 'name="social_insurance_months"' not in page.text

    async def test_staff_enter_data_by_hand_when_the_outage_lasts(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "高远")
        sim.control("degrees", "down", duration_ms=600_000)
        draft = await start_bundle(client, user, sessionmaker)
        case = await fill_and_submit(client, user, draft, route="talent_introduction")
        assert case["status"] == "awaiting_data"
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        url = f"/api/v1/staff/cases/{case['id']}/verifications/degrees"
        r = await client.post(url, headers=window, json={"facts": {"hukou": "other"}, "note": ""})
        assert r.status_code == 422
        codes = {e["code"] for e in r.json()["errors"]}
        assert {"not_from_system", "required"} <= codes
        r = await client.post(
            url,
            headers=window,
            json={
                "facts": {"highest_degree": "bachelor", "degree_country": "CN"},
                "note": "学信网打印件已核对原件 / checked the CHSI printout against the original",
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "submitted"
        degrees = next(v for v in r.json()["verifications"] if v["system"] == "degrees")
        assert degrees["manual"] and degrees["facts"]["highest_degree"] == "bachelor"

    async def test_the_window_changes_the_route_before_acceptance_and_withdrawal_stops_the_parts(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        user = await person(client, "吴昊")
        draft = await start_bundle(client, user, sessionmaker)
        case = await fill_and_submit(client, user, draft, route="talent_introduction")
        window = await staff(client, sessionmaker, ["window_clerk"], "service_center")
        url = f"/api/v1/staff/cases/{case['id']}/route"
        r = await client.post(url, headers=window, json={"route": "nowhere", "reason": " "})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"route", "reason"}
        r = await client.post(
            url,
            headers=window,
            json={"route": "residence_permit_conversion", "reason": "持证满7年，按居转户办理"},
        )
        assert r.status_code == 200, r.text
        changed = r.json()
        assert changed["route"] == "residence_permit_conversion"
        assert changed["eligibility"]["policy_id"] == "shanghai.residence_to_hukou"
        assert changed["timeline"][-1]["reason"] == "持证满7年，按居转户办理"

        await act(client, window, case["id"], "accept")
        r = await client.post(
            url, headers=window, json={"route": "returnee", "reason": "改为留学回国"}
        )
        assert r.status_code == 409

        mine = (await client.get(f"/api/v1/cases/{case['id']}", headers=user.headers)).json()
        assert "withdraw" in mine["allowed_actions"]
        r = await client.post(
            f"/api/v1/cases/{case['id']}/actions",
            headers=user.headers,
            json={"action": "withdraw", "expected_version": mine["version"]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "withdrawn"
        assert {p["status"] for p in r.json()["parts"]} == {"cancelled"}


class TestBundleForm:
    def test_no_fact_is_asked_twice_in_any_route(self) -> None:
        from app.services.catalog import bundle_form, shipped_services
        from app.workflow.bundle import SettlementRoute

        spec = next(s for s in shipped_services() if s.bundle)
        form = bundle_form(spec)
        names = [str(e.get("fact") or e.get("field")) for e in form]
        assert len(names) == len(set(names))
        for route in SettlementRoute:
            shown = [
                n
                for n, e in zip(names, form, strict=True)
                if not isinstance(e.get("routes"), list) or route.value in e["routes"]
            ]
            assert len(shown) == len(set(shown)), route
        # The departments' steps ask nothing of their own: the one form serves them all.
        assert all(not s.facts for s in shipped_services() if s.part_of)

    async def test_no_fact_is_asked_twice_in_any_stored_bundle_form(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.workflow.bundle import BUNDLE_SERVICE, SettlementRoute

        async with sessionmaker() as session:
            stored = (
                await session.scalars(
                    select(Service).where(Service.code == BUNDLE_SERVICE, Service.part_of.is_(None))
                )
            ).all()
        assert {s.district for s in stored} == {"yangpu", "changning"}
        for service in stored:
            names = [str(e.get("fact") or e.get("field")) for e in service.form]
            assert len(names) == len(set(names)), service.district
            for route in SettlementRoute:
                shown = [
                    n
                    for n, e in zip(names, service.form, strict=True)
                    if not isinstance(e.get("routes"), list) or route.value in e["routes"]
                ]
                assert len(shown) == len(set(shown)), (service.district, route)

    async def test_no_fact_is_asked_twice_on_the_bundle_question_pages(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        sim: RunningSimulator,
    ) -> None:
        """Rendered for an applicant, on every route of both districts, with no system vouching
        for anything (so every question is shown): each question appears once in all pages."""
        from app.domain.fields import EXTRA_FIELDS
        from app.routers.web.apply import QUESTIONS_PER_PAGE
        from app.rules import FACTS
        from app.workflow.bundle import SettlementRoute

        user = await person(client, "王芳")
        await web_login(client, user)
        sim.control("all", "no_record")
        known = set(FACTS) | set(EXTRA_FIELDS)
        for district in ("yangpu", "changning"):
            r = await client.post(
                "/api/v1/settlement/bundles", headers=user.headers, json={"district": district}
            )
            assert r.status_code == 201, r.text
            app_id = r.json()["id"]
            await verification.run_due(sessionmaker)
            for route in SettlementRoute:
                r = await client.patch(
                    f"/api/v1/applications/{app_id}",
                    headers=user.headers,
                    json={"answers": {"settlement_route": route.value}},
                )
                assert r.status_code == 200, r.text
                expected = {q["fact"] for q in r.json()["questions"]}
                counts: dict[str, int] = {}
                pages = -(-len(expected) // QUESTIONS_PER_PAGE)
                for page in range(1, pages + 1):
                    html = (await client.get(f"/applications/{app_id}/questions/{page}")).text
                    for name in re.findall(r'\bid="([a-z0-9_]+)"', html):
                        if name in known:
                            counts[name] = counts.get(name, 0) + 1
                twice = {n for n, c in counts.items() if c > 1}
                assert not twice, (district, route, twice)
                assert set(counts) == expected, (district, route)
