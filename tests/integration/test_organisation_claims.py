"""Applications by organisations: each organisation service runs submit → review → decision;
a certificate, person or month is claimed once (409 naming the earlier claim); another
organisation or district cannot read them (issue 15)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.settings import NotificationSettings
from app.domain.enums import IdKind
from app.models import Applicant, Case, Service
from app.services import protection
from app.tasks.outbox import deliver_due
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")

SM = async_sessionmaker[AsyncSession]


async def organisation(
    client: httpx.AsyncClient, sm: SM, district: str, name: str = "测试科技"
) -> dict[str, str]:
    """An organisation of the district with one user, signed in: the user's headers."""
    _uscc, email = await f.create_employer_with_hr(sm, district=district, name=name)
    return await f.employer_login(client, email)


async def staff(
    client: httpx.AsyncClient, sm: SM, district: str, roles: list[str], department: str
) -> dict[str, str]:
    email = await f.create_staff(sm, district=district, roles=roles, department=department)
    return await f.staff_login(client, email)


async def decide(
    client: httpx.AsyncClient, sm: SM, case: dict[str, Any], decision: str = "approve"
) -> dict[str, Any]:
    """Accepted at the window, reviewed and decided by the service's department."""
    district, department = case["district"], case["department"]
    clerk = await staff(client, sm, district, ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, district, ["reviewer"], department)
    approver = await staff(client, sm, district, ["approver"], department)
    version = case["version"]
    for headers, action in ((clerk, "accept"), (reviewer, "start_review"), (approver, decision)):
        body: dict[str, Any] = {"action": action, "expected_version": version}
        if action == "reject":
            body.update(reason="材料不符 / not as required", clause="附件 项目清单 5")
        r = await client.post(
            f"/api/v1/staff/cases/{case['id']}/actions", headers=headers, json=body
        )
        assert r.status_code == 200, (action, r.text)
        version = r.json()["version"]
    return r.json()  # type: ignore[no-any-return]


def exam_line(**overrides: Any) -> dict[str, Any]:
    obtained = (f.local_today() - timedelta(days=30)).isoformat()
    line = {
        "id_number": f.resident_id(),
        "name": "张三",
        "certificate_number": f"CERT-{uuid.uuid4().hex[:10]}",
        "certificate_type": "电工",
        "certificate_level": 4,
        "certificate_date": obtained,
        "exam_fee_cny": 450,
        "employee_declared": "yes",
    }
    return {**line, **overrides}


async def file(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post("/api/v1/employer/claims", headers=headers, json=body)


async def settled_person(client: httpx.AsyncClient, sm: SM, district: str) -> str:
    """A person the portal granted settlement in ``district``: their ID number."""
    number = f.resident_id()
    await f.register_and_login(client, f.domestic_payload(id_number=number))
    async with sm() as session, session.begin():
        service = (
            await session.execute(
                select(Service).where(
                    Service.district == district, Service.code == "talent_introduction"
                )
            )
        ).scalar_one()
        applicant = (
            await session.execute(
                select(Applicant).where(
                    Applicant.id_number_index == protection.id_index(IdKind.RESIDENT_ID, number)
                )
            )
        ).scalar_one()
        session.add(
            Case(
                number=f"T-{uuid.uuid4().hex[:12]}",
                lookup_code_enc=b"x",
                applicant_id=applicant.id,
                service_id=service.id,
                district=district,
                department=service.department,
                status="approved",
                channel="web",
                time_limit_days=10,
                deadline_date=f.local_today(),
            )
        )
    return number


class TestExamFeeBatch:
    async def test_submit_review_approve_with_the_decided_amount(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "yangpu")
        lines = [exam_line(), exam_line(exam_fee_cny=300)]
        r = await file(client, org, service_code="employer_exam_fee_claim", lines=lines)
        assert r.status_code == 201, r.text
        case = r.json()
        assert case["organisation_name"] == "测试科技"
        assert case["decided_amount_cny"] == 750
        assert [ln["amount_cny"] for ln in case["claim_lines"]] == [450, 300]
        assert "*" in case["claim_lines"][0]["id_masked"]
        decided = await decide(client, sessionmaker, case)
        assert decided["status"] == "approved"
        mine = (await client.get(f"/api/v1/employer/claims/{case['id']}", headers=org)).json()
        assert mine["status"] == "approved" and mine["decided_amount_cny"] == 750
        await deliver_due(sessionmaker, batch=500, settings=NotificationSettings())
        space = (await client.get("/api/v1/employer/workspace", headers=org)).json()
        assert [p["amount_cny"] for p in space["payments"]] == [750]
        # The payment is finance's grant: it waits for the organisation's bank account.
        assert [p["status"] for p in space["payments"]] == ["awaiting_account"]
        assert space["own_cases"][0]["lines"] == 2
        # The organisation's users hear of the submission and the decision, as a person would.
        assert sum(m["case_id"] == case["id"] for m in space["messages"]) >= 2

    async def test_a_bad_line_saves_nothing_unless_the_valid_ones_are_chosen(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "yangpu")
        old = (f.local_today() - timedelta(days=800)).isoformat()
        lines = [exam_line(), exam_line(certificate_date=old), exam_line(id_number="123")]
        report = await client.post(
            "/api/v1/employer/claims/check",
            headers=org,
            json={"service_code": "employer_exam_fee_claim", "lines": lines},
        )
        assert report.status_code == 200, report.text
        checked = report.json()
        assert (checked["valid"], checked["invalid"]) == (1, 2)
        assert checked["lines"][0]["errors"] == []
        assert checked["lines"][1]["errors"] and checked["lines"][2]["errors"]
        refused = await file(client, org, service_code="employer_exam_fee_claim", lines=lines)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert {e["field"] for e in refused.json()["errors"]} == {"lines.2", "lines.3"}
        assert (await client.get("/api/v1/employer/claims", headers=org)).json() == []
        saved = await file(
            client,
            org,
            service_code="employer_exam_fee_claim",
            lines=lines,
            save_valid_only=True,
        )
        assert saved.status_code == 201, saved.text
        assert [ln["line"] for ln in saved.json()["claim_lines"]] == [1]

    async def test_a_certificate_is_claimed_once_and_again_after_a_rejection(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "yangpu")
        other = await organisation(client, sessionmaker, "yangpu", "另一家")
        line = exam_line()
        first = await file(client, org, service_code="employer_exam_fee_claim", lines=[line])
        assert first.status_code == 201, first.text
        number = first.json()["number"]
        again = await file(
            client,
            other,
            service_code="employer_exam_fee_claim",
            lines=[{**line, "id_number": f.resident_id()}],
        )
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        assert number in again.json()["detail"]
        await decide(client, sessionmaker, first.json(), "reject")
        later = await file(client, other, service_code="employer_exam_fee_claim", lines=[line])
        assert later.status_code == 201, later.text

    async def test_the_same_request_twice_files_one_claim(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "yangpu")
        body = {"service_code": "employer_exam_fee_claim", "lines": [exam_line()]}
        key = uuid.uuid4().hex
        one = await file(client, org, **body, idempotency_key=key)
        two = await file(client, org, **body, idempotency_key=key)
        assert one.status_code == 201 and two.status_code == 201, two.text
        assert one.json()["id"] == two.json()["id"]


class TestTheDatabaseRefusesASecondClaim:
    async def test_the_unique_constraint_stops_what_races_past_the_check(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        from sqlalchemy.exc import IntegrityError

        from app.models import ClaimLine

        org = await organisation(client, sessionmaker, "yangpu")
        line = exam_line()
        first = await file(client, org, service_code="employer_exam_fee_claim", lines=[line])
        async with sessionmaker() as session:
            session.add(
                ClaimLine(
                    case_id=uuid.UUID(first.json()["id"]),
                    line_no=9,
                    kind="certificate",
                    claim_key=line["certificate_number"].upper(),
                    person_name="x",
                    details={},
                    amount_cny=0,
                )
            )
            with pytest.raises(IntegrityError):
                await session.flush()
            await session.rollback()


class TestPlansAndDesignations:
    @pytest.mark.parametrize(
        ("district", "code", "amount"),
        [
            ("yangpu", "chief_technician_studio", 100000),
            ("changning", "chief_technician_studio", 100000),
            ("yangpu", "postdoc_workstation", 200000),
            ("changning", "postdoc_workstation", 200000),
        ],
    )
    async def test_plan_review_and_funding_decision(
        self, client: httpx.AsyncClient, sessionmaker: SM, district: str, code: str, amount: int
    ) -> None:
        org = await organisation(client, sessionmaker, district)
        missing = await file(client, org, service_code=code)
        assert missing.status_code == 422
        r = await file(client, org, service_code=code, plan="工作室三年计划 / three-year plan")
        assert r.status_code == 201, r.text
        case = r.json()
        assert case["decided_amount_cny"] == amount
        assert case["eligibility"]["outputs"]["amount_cny"] == amount
        decided = await decide(client, sessionmaker, case)
        assert decided["status"] == "approved"
        assert any(
            a["value"] == "工作室三年计划 / three-year plan" for a in decided["answers_display"]
        )

    async def test_an_organisation_of_another_district_may_not_file(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "changning")
        r = await file(client, org, service_code="employer_exam_fee_claim", lines=[exam_line()])
        assert r.status_code == 404  # not a service of its district


class TestInternshipBases:
    async def test_designation_then_one_subsidy_claim_per_month(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "changning")
        month = f.local_today().strftime("%Y-%m")
        interns = [{"id_number": f.resident_id(), "name": "实习生"} for _ in range(3)]
        early = await file(
            client, org, service_code="internship_subsidy_claim", month=month, lines=interns
        )
        assert early.status_code == 409  # not a designated base yet
        base = await file(client, org, service_code="youth_internship_base", plan="基地方案")
        assert base.status_code == 201, base.text
        assert base.json()["decided_amount_cny"] is None
        await decide(client, sessionmaker, base.json())
        claim = await file(
            client, org, service_code="internship_subsidy_claim", month=month, lines=interns
        )
        assert claim.status_code == 201, claim.text
        assert claim.json()["decided_amount_cny"] == 3 * 2000
        assert (await decide(client, sessionmaker, claim.json()))["status"] == "approved"
        other = [{"id_number": f.resident_id(), "name": "另一位"}]
        again = await file(
            client, org, service_code="internship_subsidy_claim", month=month, lines=other
        )
        assert again.status_code == 409
        assert claim.json()["number"] in again.json()["detail"]
        future = await file(
            client, org, service_code="internship_subsidy_claim", month="2999-01", lines=other
        )
        assert future.status_code == 422


class TestRecruitmentRewards:
    async def test_checked_against_the_portals_records_and_rewarded_once(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        agency = await organisation(client, sessionmaker, "yangpu", "猎头公司")
        settled = await settled_person(client, sessionmaker, "yangpu")
        elsewhere = await settled_person(client, sessionmaker, "changning")
        lines = [
            {"id_number": settled, "name": "落户人才"},
            {"id_number": elsewhere, "name": "外区人才"},
            {"id_number": f.resident_id(), "name": "无记录"},
        ]
        report = await client.post(
            "/api/v1/employer/claims/check",
            headers=agency,
            json={"service_code": "recruitment_reward", "lines": lines},
        )
        assert [bool(ln["errors"]) for ln in report.json()["lines"]] == [False, True, True]
        r = await file(
            client, agency, service_code="recruitment_reward", lines=lines, save_valid_only=True
        )
        assert r.status_code == 201, r.text
        assert r.json()["decided_amount_cny"] == 5000
        assert (await decide(client, sessionmaker, r.json()))["status"] == "approved"
        second = await organisation(client, sessionmaker, "yangpu", "另一猎头")
        again = await file(client, second, service_code="recruitment_reward", lines=lines[:1])
        assert again.status_code == 409
        assert r.json()["number"] in again.json()["detail"]


class TestScoping:
    async def test_another_organisation_or_district_cannot_read_the_claim(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        org = await organisation(client, sessionmaker, "yangpu")
        r = await file(client, org, service_code="employer_exam_fee_claim", lines=[exam_line()])
        case_id = r.json()["id"]
        other = await organisation(client, sessionmaker, "yangpu", "别家")
        assert (
            await client.get(f"/api/v1/employer/claims/{case_id}", headers=other)
        ).status_code == 404
        assert (await client.get("/api/v1/employer/claims", headers=other)).json() == []
        officer = await staff(client, sessionmaker, "changning", ["reviewer"], "hr_bureau")
        assert (
            await client.get(f"/api/v1/staff/cases/{case_id}", headers=officer)
        ).status_code == 404
        own = await staff(client, sessionmaker, "yangpu", ["reviewer"], "hr_bureau")
        seen = await client.get(f"/api/v1/staff/cases/{case_id}", headers=own)
        assert seen.status_code == 200
        assert seen.json()["applicant_name"] == "测试科技"
        person = await f.register_and_login(client, f.domestic_payload())
        assert (
            await client.get(f"/api/v1/employer/claims/{case_id}", headers=person.headers)
        ).status_code == 403

    async def test_people_do_not_see_organisation_services(self, client: httpx.AsyncClient) -> None:
        services = (await client.get("/api/v1/services", params={"district": "yangpu"})).json()
        assert "employer_exam_fee_claim" not in {s["code"] for s in services}


async def person_exam_fee_draft(
    client: httpx.AsyncClient, certificate: str
) -> tuple[f.ApiUser, str]:
    """A person's own exam-fee claim for ``certificate``, ready to submit."""
    from tests.integration.test_cases_api import new_draft, upload

    user, draft = await new_draft(client, "yangpu", "exam_fee_reimbursement")
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        headers=user.headers,
        json={
            "answers": {
                "employer_district": "yangpu",
                "employer_type": "enterprise",
                "certificate_level": 3,
                "certificate_date": (f.local_today() - timedelta(days=30)).isoformat(),
                "exam_fee_paid_cny": 450,
                "certificate_number": certificate,
            },
            "documents": {
                "id_document": await upload(client, user, "id_card"),
                "exam_fee_receipt": await upload(client, user, "exam_fee_receipt"),
                "employment_contract": await upload(client, user, "employment_contract"),
            },
        },
    )
    assert r.status_code == 200, r.text
    return user, str(draft["id"])


class TestPersonAndEmployerClaimTheSameCertificateOnce:
    async def test_the_persons_claim_refuses_the_employers_line(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        certificate = f"CERT-{uuid.uuid4().hex[:10]}"
        user, draft = await person_exam_fee_draft(client, certificate)
        own = await f.submit_application(client, user, draft)
        org = await organisation(client, sessionmaker, "yangpu")
        line = exam_line(certificate_number=certificate.lower())
        r = await file(client, org, service_code="employer_exam_fee_claim", lines=[line])
        assert r.status_code == 409
        assert own["case"]["number"] in r.json()["detail"]

    async def test_the_employers_line_refuses_the_persons_claim(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        certificate = f"CERT-{uuid.uuid4().hex[:10]}".upper()
        org = await organisation(client, sessionmaker, "yangpu")
        filed = await file(
            client,
            org,
            service_code="employer_exam_fee_claim",
            lines=[exam_line(certificate_number=certificate)],
        )
        assert filed.status_code == 201, filed.text
        user, draft = await person_exam_fee_draft(client, certificate)
        r = await client.post(
            f"/api/v1/applications/{draft}/submit",
            headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
            json={"declaration": True, "sensitive_consent": True},
        )
        assert r.status_code == 409
        assert r.headers["content-type"].startswith("application/problem+json")
        assert filed.json()["number"] in r.json()["detail"]


class TestStaffPages:
    async def test_the_staff_case_page_names_the_organisation_and_the_queue_lists_the_claim(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        from tests.integration.test_audit import page_login

        org = await organisation(client, sessionmaker, "yangpu", "杨浦示范企业")
        r = await file(client, org, service_code="employer_exam_fee_claim", lines=[exam_line()])
        case_id = r.json()["id"]
        window = await f.create_staff(
            sessionmaker, district="yangpu", roles=["window_clerk"], department="service_center"
        )
        client.cookies.clear()
        await page_login(client, window)
        page = await client.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200, page.text
        assert "杨浦示范企业" in page.text
        queue = await client.get("/staff/cases")
        assert queue.status_code == 200
        assert r.json()["number"] in queue.text
