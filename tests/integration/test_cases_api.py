"""Apply once, handle at any window: the case journey through the JSON API."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import FollowUpTask
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")

PDF = b"%PDF-1.7\n% test\n%%EOF\n"


async def service_id(client: httpx.AsyncClient, district: str, code: str) -> str:
    services = (await client.get("/api/v1/services", params={"district": district})).json()
    return next(s["id"] for s in services if s["code"] == code)


async def new_draft(
    client: httpx.AsyncClient, district: str, code: str, payload: dict[str, Any] | None = None
) -> tuple[f.ApiUser, dict[str, Any]]:
    """A newly registered applicant and their draft application for the district's service."""
    user = await f.register_and_login(client, payload or f.domestic_payload())
    sid = await service_id(client, district, code)
    r = await client.post("/api/v1/applications", json={"service_id": sid}, headers=user.headers)
    return user, r.json()


async def upload(client: httpx.AsyncClient, user: f.ApiUser, kind: str) -> str:
    r = await client.post(
        "/api/v1/documents",
        headers=user.headers,
        files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
        data={"kind": kind},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def submitted_rent_case(
    client: httpx.AsyncClient, district: str = "changning"
) -> tuple[f.ApiUser, dict[str, Any]]:
    user, draft = await new_draft(client, district, "rent_subsidy")
    answers = f.renting_returnee_profile(employer_district=district)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    docs = await rent_documents(client, user)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"documents": docs}
    )
    assert r.status_code == 200, r.text
    return user, await f.submit_application(client, user, draft["id"])


async def rent_documents(client: httpx.AsyncClient, user: f.ApiUser) -> dict[str, str]:
    """The uploads a rent-subsidy application lists, each its own wallet document."""
    return {
        "id_document": await upload(client, user, "id_card"),
        "degree_certificate": await upload(client, user, "degree_certificate"),
        "overseas_degree_verification": await upload(client, user, "overseas_degree_verification"),
        "employment_contract": await upload(client, user, "employment_contract"),
    }


async def staff(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    district: str,
    roles: list[str],
    department: str = "housing",
) -> dict[str, str]:
    email = await f.create_staff(sm, district=district, roles=roles, department=department)
    return await f.staff_login(client, email)


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    case_id: str,
    version: int,
    action: str,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/staff/cases/{case_id}/actions",
        headers=headers,
        json={"action": action, "expected_version": version, **extra},
    )


class TestApplying:
    async def test_draft_is_saved_at_every_step(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        sid = await service_id(client, "changning", "rent_subsidy")
        draft = (
            await client.post(
                "/api/v1/applications", json={"service_id": sid}, headers=user.headers
            )
        ).json()
        await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": {"birth_date": "1996-05-01", "highest_degree": "master"}},
        )
        # Sign out and back in: the draft and its answers are still there.
        await client.post("/api/v1/auth/logout", headers=user.headers)
        tokens = await f.login(client, user.email, user.password)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        again = (
            await client.post("/api/v1/applications", json={"service_id": sid}, headers=headers)
        ).json()
        assert again["id"] == draft["id"]
        answered = {q["fact"]: q["answer"] for q in again["questions"]}
        assert answered["birth_date"] == "1996-05-01"
        assert "birth_date" not in again["unanswered"]

    async def test_bad_answers_are_refused_naming_the_field(
        self, client: httpx.AsyncClient
    ) -> None:
        user, draft = await new_draft(client, "changning", "rent_subsidy")
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers={**user.headers, "Accept-Language": "en"},
            json={"answers": {"birth_date": "not a date", "shoe_size": 42}},
        )
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields == {"birth_date", "shoe_size"}

    @pytest.mark.shared_db(
        reason="two submissions at once race on the idempotency key in transactions of their own"
    )
    async def test_double_submit_with_one_key_gives_one_case(
        self, client: httpx.AsyncClient
    ) -> None:
        user, draft = await new_draft(client, "changning", "rent_subsidy")
        await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={
                "answers": f.renting_returnee_profile(),
                "documents": await rent_documents(client, user),
            },
        )
        key = uuid.uuid4().hex
        submit = lambda: client.post(  # noqa: E731
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**user.headers, "Idempotency-Key": key},
            json={"declaration": True, "sensitive_consent": True},
        )
        first, second = await asyncio.gather(submit(), submit())
        assert {first.status_code, second.status_code} == {201}
        assert first.json()["case"]["number"] == second.json()["case"]["number"]
        assert sorted([first.json()["replayed"], second.json()["replayed"]]) == [False, True]
        cases = (await client.get("/api/v1/cases", headers=user.headers)).json()
        assert len(cases) == 1

    async def test_submit_shows_number_deadline_and_rules_receipt(
        self, client: httpx.AsyncClient
    ) -> None:
        _user, result = await submitted_rent_case(client)
        case = result["case"]
        assert case["number"].startswith("CN-")
        assert case["status"] == "submitted"
        assert case["deadline"]["provisional"] is True
        assert len(result["lookup_code"]) == 8
        assert case["eligibility"]["receipt"]["policy_id"] == "changning.rent_subsidy"


class TestSubmissionWrites:
    @pytest.mark.shared_db(
        reason="submissions at once lock the case counter and audit tip, each in its transaction"
    )
    async def test_concurrent_submissions_get_consecutive_numbers_notices_and_audit(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Submissions at the same moment in one district: each case gets the next number (no
        gaps, none twice), its documents, a notice naming its own number on every channel and
        one audit entry, and the audit chain still verifies."""
        from sqlalchemy import func

        from app.models import AuditEntry, CaseDocument, OutboxMessage
        from app.services.audit import verify_chain

        drafts = []
        for _ in range(6):
            user, draft = await new_draft(client, "changning", "rent_subsidy")
            docs = await rent_documents(client, user)
            r = await client.patch(
                f"/api/v1/applications/{draft['id']}",
                headers=user.headers,
                json={"answers": f.renting_returnee_profile(), "documents": docs},
            )
            assert r.status_code == 200, r.text
            drafts.append((user, draft["id"]))
        results = await asyncio.gather(
            *(f.submit_application(client, user, draft_id) for user, draft_id in drafts)
        )
        cases = {uuid.UUID(r["case"]["id"]): r["case"]["number"] for r in results}
        numbers = sorted(cases.values())
        prefix = numbers[0][: -len("000000")]
        assert all(n.startswith(prefix) and n.startswith("CN-") for n in numbers)
        serials = sorted(int(n[len(prefix) :]) for n in numbers)
        assert serials == list(range(serials[0], serials[0] + len(drafts)))
        async with sessionmaker() as session:
            attached = dict(
                (
                    await session.execute(
                        select(CaseDocument.case_id, func.count())
                        .where(CaseDocument.case_id.in_(cases))
                        .group_by(CaseDocument.case_id)
                    )
                ).all()
            )
            notices = (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.dedup_key.in_(
                            [f"case:{c}:submitted:{ch}" for c in cases for ch in ("inapp", "email")]
                        )
                    )
                )
            ).scalars()
            named = {(n.payload["case_id"], n.payload["params"]["case_number"]) for n in notices}
            audited = list(
                (
                    await session.execute(
                        select(AuditEntry.object_id).where(
                            AuditEntry.action == "case.submitted",
                            AuditEntry.object_id.in_([str(c) for c in cases]),
                        )
                    )
                ).scalars()
            )
            report = await verify_chain(session)
        assert attached == dict.fromkeys(cases, 4)
        assert named == {(str(c), number) for c, number in cases.items()}
        assert sorted(audited) == sorted(str(c) for c in cases)
        assert report.ok


class TestJourney:
    async def test_supplement_approval_issue_and_poor_rating(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        approver = await staff(client, sessionmaker, "changning", ["approver"])

        r = await act(client, clerk, case_id, 1, "accept")
        assert r.status_code == 200, r.text
        accepted = r.json()
        assert accepted["status"] == "accepted" and accepted["deadline"]["provisional"] is False
        due_before = accepted["deadline"]["due_on"]
        r = await act(client, reviewer, case_id, accepted["version"], "start_review")
        r = await act(
            client,
            reviewer,
            case_id,
            r.json()["version"],
            "request_supplement",
            items=["Lease contract signed by both parties"],
            reason="租赁合同缺少出租方签字",
        )
        assert r.status_code == 200, r.text
        assert r.json()["deadline"]["paused"] is True
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert "receive_supplement" in mine["allowed_actions"]
        r = await client.post(
            f"/api/v1/cases/{case_id}/actions",
            headers=user.headers,
            json={"action": "receive_supplement", "expected_version": mine["version"]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "in_review"
        assert r.json()["deadline"]["due_on"] >= due_before
        r = await act(client, approver, case_id, r.json()["version"], "approve")
        assert r.status_code == 200, r.text
        r = await act(
            client, clerk, case_id, r.json()["version"], "issue_result", delivery="window"
        )
        assert r.json()["status"] == "result_issued"
        r = await client.post(
            f"/api/v1/cases/{case_id}/rating",
            headers=user.headers,
            json={"score": 2, "comment": "等待时间太长"},
        )
        assert r.status_code == 201, r.text
        async with sessionmaker() as session:
            tasks = (
                (
                    await session.execute(
                        select(FollowUpTask).where(FollowUpTask.case_id == uuid.UUID(case_id))
                    )
                )
                .scalars()
                .all()
            )
        assert len(tasks) == 1 and tasks[0].department == "housing"
        timeline = [t["status"] for t in r.json()["timeline"]]
        assert timeline == [
            "submitted",
            "accepted",
            "in_review",
            "review_supplement_requested",
            "in_review",
            "approved",
            "result_issued",
        ]

    @pytest.mark.shared_db(reason="two approvals at once race in transactions of their own")
    async def test_two_approvers_at_once_one_wins(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        a1 = await staff(client, sessionmaker, "changning", ["approver"])
        a2 = await staff(client, sessionmaker, "changning", ["approver"])
        r = await act(client, clerk, case_id, 1, "accept")
        r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
        version = r.json()["version"]
        first, second = await asyncio.gather(
            act(client, a1, case_id, version, "approve"),
            act(client, a2, case_id, version, "reject", reason="不符合条件", clause="第三条"),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        loser = first if first.status_code == 409 else second
        assert loser.json()["code"] in ("stale_version", "conflict", "invalid_transition")
        assert loser.headers["content-type"].startswith("application/problem+json")


class TestScoping:
    async def test_other_applicant_cannot_read_case_or_documents(
        self, client: httpx.AsyncClient
    ) -> None:
        owner, result = await submitted_rent_case(client)
        other = await f.register_and_login(client, f.overseas_payload())
        assert (
            await client.get(f"/api/v1/cases/{result['case']['id']}", headers=other.headers)
        ).status_code == 404
        doc_id = (await client.get("/api/v1/documents", headers=owner.headers)).json()[0]["id"]
        r = await client.get(f"/api/v1/documents/{doc_id}/content", headers=other.headers)
        assert r.status_code == 404

    async def test_changning_staff_cannot_see_yangpu_cases(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client, district="yangpu")
        changning = await staff(client, sessionmaker, "changning", ["reviewer"])
        r = await client.get(f"/api/v1/staff/cases/{result['case']['id']}", headers=changning)
        assert r.status_code == 404
        queue = (await client.get("/api/v1/staff/cases", headers=changning)).json()
        assert all(not i["number"].startswith("YP-") for i in queue["items"])
        r = await act(client, changning, result["case"]["id"], 1, "accept")
        assert r.status_code == 404


class TestPublicStatus:
    async def test_lookup_and_same_answer_for_wrong_number_or_code(
        self, client: httpx.AsyncClient
    ) -> None:
        _user, result = await submitted_rent_case(client)
        number, code = result["case"]["number"], result["lookup_code"]
        ok = await client.post("/api/v1/status", json={"number": number, "code": code})
        assert ok.status_code == 200
        assert ok.json()["status"] == "submitted"
        wrong_code = await client.post(
            "/api/v1/status", json={"number": number, "code": "AAAAAAAA"}
        )
        wrong_number = await client.post(
            "/api/v1/status", json={"number": "CN-2026-999999", "code": code}
        )
        assert wrong_code.status_code == wrong_number.status_code == 404
        strip = lambda p: {k: v for k, v in p.items() if k != "request_id"}  # noqa: E731
        assert strip(wrong_code.json()) == strip(wrong_number.json())


async def accepted_with_pending_materials(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], items: list[str], due_on: str
) -> tuple[f.ApiUser, str, dict[str, str], dict[str, Any]]:
    """A Changning rent case the clerk accepted with ``items`` to follow by ``due_on``: the
    applicant, the case id, the clerk and the accepted case."""
    user, result = await submitted_rent_case(client)
    case_id = result["case"]["id"]
    clerk = await staff(client, sm, "changning", ["window_clerk"], "service_center")
    r = await act(
        client, clerk, case_id, 1, "accept_with_pending_materials", items=items, due_on=due_on
    )
    assert r.status_code == 200, r.text
    return user, case_id, clerk, r.json()


class TestPendingMaterials:
    async def test_missing_materials_expire_and_the_case_ends(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import timedelta

        from app.services.periodic import run_due

        due = f.local_today() + timedelta(days=5)
        _user, case_id, clerk, accepted = await accepted_with_pending_materials(
            client, sessionmaker, ["Lease contract"], due.isoformat()
        )
        assert accepted["pending_materials"] == ["Lease contract"]
        # Before the due date nothing happens; the day after, the scheduler ends the case.
        await run_due(sessionmaker, today=due)
        mid = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert mid["status"] == "accepted"
        await run_due(sessionmaker, today=due + timedelta(days=1))
        after = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert after["status"] == "terminated"
        assert after["timeline"][-1]["action"] == "expire_pending_materials"
        # Running the scheduler again changes nothing.
        await run_due(sessionmaker, today=due + timedelta(days=2))
        again = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert again["version"] == after["version"]


async def case_awaiting_employer(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], employer_name: str
) -> tuple[str, str]:
    """A submitted Changning talent-apartment case naming a new employer, whose HR user must
    confirm the employment; returns the case id and the HR user's email."""
    uscc, hr_email = await f.create_employer_with_hr(sm, district="changning", name=employer_name)
    user, draft = await new_draft(client, "changning", "talent_apartment")
    answers = {
        k: v
        for k, v in f.renting_returnee_profile().items()
        if k in {q["fact"] for q in draft["questions"]}
    }
    answers.update(
        marital_status="single",
        employer_uscc=uscc,
        contract_end_date="2029-06-01",
        housing_area_per_person_sqm=0,
        skill_level=0,
    )
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    assert r.json()["unanswered"] == []
    result = await f.submit_application(client, user, draft["id"])
    return result["case"]["id"], hr_email


class TestEmployerConfirmation:
    async def test_employer_confirms_before_the_case_can_be_accepted(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import timedelta

        case_id, hr_email = await case_awaiting_employer(client, sessionmaker, "长宁测试科技")
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        blocked = await act(client, clerk, case_id, 1, "accept")
        assert blocked.status_code in (409, 422)
        due = (f.local_today() + timedelta(days=10)).isoformat()
        r = await act(client, clerk, case_id, 1, "request_employer_confirmation", due_on=due)
        assert r.status_code == 200, r.text
        hr_headers = await f.employer_login(client, hr_email)
        listed = (await client.get("/api/v1/employer/cases", headers=hr_headers)).json()
        assert [c["id"] for c in listed] == [case_id]
        r = await client.post(
            f"/api/v1/employer/cases/{case_id}/actions",
            headers=hr_headers,
            json={"action": "confirm_employment", "expected_version": r.json()["version"]},
        )
        assert r.status_code == 200, r.text
        r = await act(client, clerk, case_id, r.json()["version"], "accept")
        assert r.status_code == 200, r.text
        # Another employer's staff cannot see the case.
        assert (await client.get(f"/api/v1/cases/{case_id}", headers=hr_headers)).status_code in (
            403,
            404,
        )


class TestNotes:
    async def test_internal_notes_stay_with_staff_and_messages_reach_the_applicant(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        url = f"/api/v1/staff/cases/{case_id}/notes"
        r = await client.post(url, headers=reviewer, json={"body": "内部：核对社保记录"})
        assert r.status_code == 201, r.text
        r = await client.post(
            url, headers=reviewer, json={"body": "请确认租赁合同的起止日期", "to_applicant": True}
        )
        assert [n["to_applicant"] for n in r.json()["notes"]] == [False, True]
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert [n["body"] for n in mine["notes"]] == ["请确认租赁合同的起止日期"]
        r = await client.post(url, headers=user.headers, json={"body": "hi"})
        assert r.status_code == 403


class TestReviewFindings:
    async def test_auditors_and_finance_do_not_read_cases(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        for roles, dept in ((["auditor"], "talent_office"), (["finance_maker"], "finance")):
            headers = await staff(client, sessionmaker, "changning", roles, dept)
            # Refused for the role before any case is looked up, whichever case is asked for.
            assert (
                await client.get(f"/api/v1/staff/cases/{case_id}", headers=headers)
            ).status_code == 403
            assert (await client.get("/api/v1/staff/cases", headers=headers)).status_code == 403
            r = await client.post(
                f"/api/v1/staff/cases/{case_id}/notes", headers=headers, json={"body": "x"}
            )
            assert r.status_code in (403, 404)

    async def test_non_ascii_lookup_code_is_a_plain_404(self, client: httpx.AsyncClient) -> None:
        _user, result = await submitted_rent_case(client)
        r = await client.post(
            "/api/v1/status", json={"number": result["case"]["number"], "code": "查询码查询码"}
        )
        assert r.status_code == 404

    async def test_idempotency_key_of_another_application_is_409(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        sid = await service_id(client, "changning", "rent_subsidy")
        key = uuid.uuid4().hex
        docs = await rent_documents(client, user)
        submit = {"declaration": True, "sensitive_consent": True}
        ids = []
        for _ in range(2):
            draft = (
                await client.post(
                    "/api/v1/applications", json={"service_id": sid}, headers=user.headers
                )
            ).json()
            await client.patch(
                f"/api/v1/applications/{draft['id']}",
                headers=user.headers,
                json={"answers": f.renting_returnee_profile(), "documents": docs},
            )
            ids.append(draft["id"])
            r = await client.post(
                f"/api/v1/applications/{draft['id']}/submit",
                headers={**user.headers, "Idempotency-Key": key},
                json=submit,
            )
            if len(ids) == 1:
                assert r.status_code == 201, r.text
        assert ids[0] != ids[1]
        assert r.status_code == 409
        assert len((await client.get("/api/v1/cases", headers=user.headers)).json()) == 1


class TestLookupAudit:
    async def test_a_failed_id_lookup_is_audited(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from sqlalchemy import func

        from app.models import AuditEntry

        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        async with sessionmaker() as session:
            before = (
                await session.execute(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "applicant.lookup")
                )
            ).scalar_one()
        r = await client.post(
            "/api/v1/staff/applicants/lookup",
            headers=clerk,
            json={"id_kind": "resident_id", "id_number": f.resident_id()},
        )
        assert r.status_code == 404
        async with sessionmaker() as session:
            after = (
                await session.execute(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "applicant.lookup")
                )
            ).scalar_one()
        assert after == before + 1


async def submitted_exam_fee_case(client: httpx.AsyncClient) -> tuple[f.ApiUser, dict[str, Any]]:
    """Yangpu's exam fee reimbursement: a service that allows approval on commitment."""
    user, draft = await new_draft(client, "yangpu", "exam_fee_reimbursement")
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        headers=user.headers,
        json={
            "answers": {
                "employer_district": "yangpu",
                "employer_type": "enterprise",
                "certificate_level": 3,
                "certificate_date": "2026-10-15",
                "exam_fee_paid_cny": 450,
                "certificate_number": f"CERT-{uuid.uuid4().hex[:12]}",
            },
            "documents": {
                "id_document": await upload(client, user, "id_card"),
                "exam_fee_receipt": await upload(client, user, "exam_fee_receipt"),
                "employment_contract": await upload(client, user, "employment_contract"),
            },
        },
    )
    assert r.status_code == 200, r.text
    return user, await f.submit_application(client, user, draft["id"])


class TestCommitmentVerification:
    """告知承诺: the check of the commitment outlives the result and the closing of the case."""

    async def _closed_on_commitment(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> tuple[f.ApiUser, str, dict[str, str], dict[str, str]]:
        from datetime import timedelta

        user, result = await submitted_exam_fee_case(client)
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], "hr_bureau")
        r = await act(client, clerk, case_id, 1, "accept")
        assert r.status_code == 200, r.text
        due = (f.local_today() + timedelta(days=60)).isoformat()
        r = await act(
            client, approver, case_id, r.json()["version"], "approve_on_commitment", due_on=due
        )
        assert r.status_code == 200, r.text
        r = await act(
            client, clerk, case_id, r.json()["version"], "issue_result", delivery="window"
        )
        assert r.status_code == 200, r.text
        r = await act(client, clerk, case_id, r.json()["version"], "close")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "closed"
        return user, case_id, clerk, approver

    async def _task(
        self, client: httpx.AsyncClient, approver: dict[str, str], case_id: str
    ) -> dict[str, Any] | None:
        r = await client.get("/api/v1/staff/verifications", headers=approver)
        assert r.status_code == 200, r.text
        return next((t for t in r.json() if t["case_id"] == case_id), None)

    async def test_task_stays_open_after_closing_and_verifying_closes_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.models import CaseSchedule

        _user, case_id, clerk, approver = await self._closed_on_commitment(client, sessionmaker)
        task = await self._task(client, approver, case_id)
        assert task is not None, "closing the case must not cancel the verification task"
        assert task["case_status"] == "closed" and task["due"] is False

        # Only approvers of the deciding department work it.
        other_dept = await staff(client, sessionmaker, "yangpu", ["approver"], "housing")
        assert await self._task(client, other_dept, case_id) is None
        url = f"/api/v1/staff/verifications/{task['id']}/verified"
        assert (await client.post(url, headers=other_dept, json={"note": "x"})).status_code == 404
        assert (await client.get("/api/v1/staff/verifications", headers=clerk)).status_code == 403
        assert (await client.post(url, headers=approver, json={"note": " "})).status_code == 422

        r = await client.post(url, headers=approver, json={"note": "已核对社保与发票原件"})
        assert r.status_code == 204, r.text
        assert await self._task(client, approver, case_id) is None
        again = await client.post(url, headers=approver, json={"note": "again"})
        assert again.status_code == 409
        async with sessionmaker() as session:
            row = await session.get(CaseSchedule, uuid.UUID(task["id"]))
            assert row is not None
            assert (row.status, row.outcome, row.note) == (
                "done",
                "verified",
                "已核对社保与发票原件",
            )
            assert row.done_by_user_id is not None and row.done_at is not None
        view = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=approver)).json()
        assert view["status"] == "closed"

    async def test_an_untrue_commitment_revokes_the_approval_and_tells_the_applicant(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.models import CaseSchedule, OutboxMessage

        user, case_id, _clerk, approver = await self._closed_on_commitment(client, sessionmaker)
        task = await self._task(client, approver, case_id)
        assert task is not None
        url = f"/api/v1/staff/verifications/{task['id']}/revoke"
        missing = await client.post(
            url, headers=approver, json={"expected_version": task["case_version"], "reason": "x"}
        )
        assert missing.status_code == 422
        stale = await client.post(
            url,
            headers=approver,
            json={"expected_version": task["case_version"] - 1, "reason": "x", "clause": "y"},
        )
        assert stale.status_code == 409
        r = await client.post(
            url,
            headers=approver,
            json={
                "expected_version": task["case_version"],
                "reason": "经核查，所承诺的劳动合同不存在",
                "clause": "《告知承诺制实施办法》第十二条",
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "revoked"
        assert await self._task(client, approver, case_id) is None
        async with sessionmaker() as session:
            row = await session.get(CaseSchedule, uuid.UUID(task["id"]))
            assert row is not None and (row.status, row.outcome) == ("done", "revoked")
            messages = (
                (
                    await session.execute(
                        select(OutboxMessage).where(
                            OutboxMessage.template == "case.revoke",
                            OutboxMessage.recipient_user_id == uuid.UUID(user.account["user_id"]),
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert len(messages) >= 1
        params = messages[0].payload["params"]
        assert isinstance(params, dict) and params["reason"] == "经核查，所承诺的劳动合同不存在"
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert mine["status"] == "revoked"

    async def test_the_page_revokes_only_when_confirmed(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _clerk, approver = await self._closed_on_commitment(client, sessionmaker)
        task = await self._task(client, approver, case_id)
        assert task is not None
        await _revoke_on_the_page(client, sessionmaker, task)
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert mine["status"] == "revoked"
        assert await self._task(client, approver, case_id) is None

    async def test_the_page_lists_the_task_and_records_the_check(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        import re

        from tests.integration.test_audit import page_login

        _user, case_id, _clerk, approver = await self._closed_on_commitment(client, sessionmaker)
        task = await self._task(client, approver, case_id)
        assert task is not None
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="hr_bureau"
        )
        client.cookies.clear()
        await page_login(client, email)
        case_page = await client.get(f"/staff/cases/{case_id}")
        assert f"待核查，截止 {task['due_on']}" in case_page.text
        page = await client.get("/staff/verifications")
        assert page.status_code == 200 and task["case_number"] in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        url = f"/staff/verifications/{task['id']}/verified"
        blank = await client.post(url, data={"csrf_token": token.group(1), "note": ""})
        assert blank.status_code == 422 and 'class="error-summary"' in blank.text
        assert f'href="#note-{task["id"]}"' in blank.text
        r = await client.post(url, data={"csrf_token": token.group(1), "note": "已核对原件"})
        assert r.status_code == 303
        after = await client.get(r.headers["location"])
        assert task["case_number"] not in after.text
        # The case page keeps the finding with its note.
        case_page = await client.get(f"/staff/cases/{case_id}")
        assert "已核对原件" in case_page.text and "待核查" not in case_page.text
        client.cookies.clear()
        clerk = await f.create_staff(
            sessionmaker, district="yangpu", roles=["window_clerk"], department="service_center"
        )
        await page_login(client, clerk)
        assert (await client.get("/staff/verifications")).status_code == 403


async def _pdf_chunks() -> Any:
    yield PDF


async def walk_in_filed_by(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    clerk: dict[str, str],
) -> dict[str, Any]:
    """A walk-in's rent subsidy filed and accepted at the window by ``clerk`` (一窗通办)."""
    from app.schemas.forms import WindowFiling
    from app.services import accounts as accounts_service
    from app.services.applications import window as window_service

    walk_in = await f.register_and_login(client, f.domestic_payload())
    applicant_id = uuid.UUID(walk_in.account["applicant"]["id"])
    sid = uuid.UUID(await service_id(client, "changning", "rent_subsidy"))
    token = clerk["Authorization"].removeprefix("Bearer ")
    async with sessionmaker() as session, session.begin():
        principal = await accounts_service.resolve(session, token, "api")
        assert principal is not None
        scans = [
            window_service.ScannedFile(code, kind, f"{code}.pdf", _pdf_chunks())
            for code, kind in (
                ("id_document", "id_card"),
                ("degree_certificate", "degree_certificate"),
                ("overseas_degree_verification", "overseas_degree_verification"),
                ("employment_contract", "employment_contract"),
            )
        ]
        filing = WindowFiling(
            service_id=sid,
            answers=f.renting_returnee_profile(),
            original_seen=[s.requirement for s in scans],
            idempotency_key=uuid.uuid4().hex,
        )
        case_id = await window_service.file_and_accept(
            session, principal, applicant_id, filing, scans, "zh"
        )
    r = await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def queue_numbers(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[str]:
    """Every case number of the queue with these filters, following the cursors to the end."""
    numbers: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/staff/cases", headers=headers, params=query)
        assert r.status_code == 200, r.text
        numbers += [i["number"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return numbers


async def _revoke_on_the_page(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    task: dict[str, Any],
) -> None:
    import re

    from tests.integration.test_audit import page_login

    email = await f.create_staff(
        sessionmaker, district="yangpu", roles=["approver"], department="hr_bureau"
    )
    client.cookies.clear()
    await page_login(client, email)
    page = await client.get("/staff/verifications")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    url = f"/staff/verifications/{task['id']}/revoke"
    form = {
        "csrf_token": token.group(1),
        "expected_version": str(task["case_version"]),
        "reason": "承诺的劳动合同不存在",
        "clause": "第十二条",
    }
    unconfirmed = await client.post(url, data=form)
    assert unconfirmed.status_code == 422
    assert f'href="#confirm-{task["id"]}"' in unconfirmed.text
    assert "承诺的劳动合同不存在" in unconfirmed.text  # what was typed is kept
    r = await client.post(url, data={**form, "confirm": "yes"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=revoked")


class TestMyCases:
    """首问负责: the clerk who took a case in sees it in "my cases" until it closes."""

    async def test_a_walk_in_stays_in_the_clerks_cases_until_it_closes(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from tests.integration.test_audit import page_login

        clerk_email = await f.create_staff(
            sessionmaker, district="changning", roles=["window_clerk"], department="service_center"
        )
        clerk = await f.staff_login(client, clerk_email)
        other_clerk = await staff(
            client, sessionmaker, "changning", ["window_clerk"], "service_center"
        )
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        approver = await staff(client, sessionmaker, "changning", ["approver"])
        case = await walk_in_filed_by(client, sessionmaker, clerk)
        assert case["status"] == "accepted" and case["channel"] == "window"
        number = case["number"]

        assert number in await queue_numbers(client, clerk, mine="true", limit=200)
        assert number not in await queue_numbers(client, other_clerk, mine="true", limit=200)
        # The reviewer sees it once it is assigned to them, and in the department's queue.
        assert number not in await queue_numbers(client, reviewer, mine="true", limit=200)
        r = await client.post(
            f"/api/v1/staff/cases/{case['id']}/assignee", headers=reviewer, json={}
        )
        assert r.status_code == 200, r.text
        assert number in await queue_numbers(client, reviewer, mine="true", limit=200)
        assert number in await queue_numbers(client, reviewer, department="housing", limit=200)
        assert number not in await queue_numbers(
            client, reviewer, department="hr_bureau", limit=200
        )
        bad = await client.get(
            "/api/v1/staff/cases", headers=reviewer, params={"department": "nowhere"}
        )
        assert bad.status_code == 422

        client.cookies.clear()
        await page_login(client, clerk_email)
        page = await client.get("/staff/cases", params={"mine": "1"})
        assert page.status_code == 200 and number in page.text
        assert 'href="/staff/cases?mine=1"' in page.text
        bad_page = await client.get("/staff/cases", params={"department": "nowhere"})
        assert bad_page.status_code == 422 and 'class="error-summary"' in bad_page.text

        version = case["version"]
        for who, action, extra in (
            (reviewer, "start_review", {}),
            (approver, "approve", {}),
            (clerk, "issue_result", {"delivery": "window"}),
        ):
            r = await act(client, who, case["id"], version, action, **extra)
            assert r.status_code == 200, r.text
            version = r.json()["version"]
            assert number in await queue_numbers(client, clerk, mine="true", limit=200)
        r = await act(client, clerk, case["id"], version, "close")
        assert r.status_code == 200, r.text
        assert number not in await queue_numbers(client, clerk, mine="true", limit=200)
        page = await client.get("/staff/cases", params={"mine": "1"})
        assert number not in page.text


class TestEscalations:
    """The escalation list holds cases whose running clock is late, nothing else."""

    async def test_only_running_overdue_cases_are_escalated(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import timedelta

        from sqlalchemy import update

        from app.models import Case

        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        approver = await staff(client, sessionmaker, "changning", ["approver"])
        supervisor = await staff(
            client, sessionmaker, "changning", ["district_admin"], "talent_office"
        )

        async def case_in(*steps: tuple[dict[str, str], str, dict[str, Any]]) -> dict[str, Any]:
            _user, result = await submitted_rent_case(client)
            view = result["case"]
            for who, action, extra in steps:
                r = await act(client, who, view["id"], view["version"], action, **extra)
                assert r.status_code == 200, r.text
                view = r.json()
            return view

        review = (reviewer, "start_review", {})
        in_review = await case_in((clerk, "accept", {}), review)
        not_accepted = await case_in((clerk, "not_accept", {"reason": "不属于本区受理范围"}))
        closed = await case_in(
            (clerk, "accept", {}),
            review,
            (approver, "approve", {}),
            (clerk, "issue_result", {"delivery": "window"}),
            (clerk, "close", {}),
        )
        paused = await case_in(
            (clerk, "accept", {}),
            review,
            (reviewer, "request_supplement", {"items": ["租赁合同"]}),
        )
        submitted = await case_in()
        cases = [in_review, not_accepted, closed, paused, submitted]
        long_ago = f.local_today() - timedelta(days=40)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Case)
                .where(Case.id.in_([uuid.UUID(c["id"]) for c in cases]))
                .values(deadline_date=long_ago)
            )

        for light in ("red", "amber"):
            listed = await queue_numbers(client, supervisor, light=light, limit=200)
            assert in_review["number"] in listed
            for left_out in (not_accepted, closed, paused, submitted):
                assert left_out["number"] not in listed, (light, left_out["status"])
        # Narrowing by a status without a running clock leaves nothing to escalate.
        narrowed = await queue_numbers(client, supervisor, light="red", status="closed", limit=200)
        assert closed["number"] not in narrowed and in_review["number"] not in narrowed
        # The plain queue still lists every one of them.
        everything = await queue_numbers(client, supervisor, limit=200)
        assert {c["number"] for c in cases} <= set(everything)


async def staff_member_id(sm: async_sessionmaker[AsyncSession], email: str) -> uuid.UUID:
    from app.models import StaffMember, User

    async with sm() as session:
        return (
            await session.execute(
                select(StaffMember.id)
                .join(User, User.id == StaffMember.user_id)
                .where(User.email == email)
            )
        ).scalar_one()


async def assignee_of(sm: async_sessionmaker[AsyncSession], case_id: str) -> uuid.UUID | None:
    from app.models import Case

    async with sm() as session:
        case = await session.get(Case, uuid.UUID(case_id))
        assert case is not None
        return case.assignee_staff_id


class TestAssignment:
    async def test_claim_and_reassign_through_the_api(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.models import AuditEntry

        _user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        emails = {
            name: await f.create_staff(
                sessionmaker, district=district, roles=roles, department=dept
            )
            for name, district, roles, dept in (
                ("reviewer", "changning", ["reviewer"], "housing"),
                ("colleague", "changning", ["reviewer"], "housing"),
                ("approver", "changning", ["approver"], "housing"),
                ("hr", "changning", ["reviewer"], "hr_bureau"),
                ("finance", "changning", ["finance_maker"], "housing"),
                ("yangpu", "yangpu", ["reviewer"], "housing"),
            )
        }
        ids = {name: await staff_member_id(sessionmaker, e) for name, e in emails.items()}
        reviewer = await f.staff_login(client, emails["reviewer"])
        approver = await f.staff_login(client, emails["approver"])
        url = f"/api/v1/staff/cases/{case_id}/assignee"

        r = await client.post(url, headers=reviewer, json={})
        assert r.status_code == 200, r.text
        assert await assignee_of(sessionmaker, case_id) == ids["reviewer"]
        # A reviewer claims for themselves but does not hand cases to others.
        r = await client.post(url, headers=reviewer, json={"staff_id": str(ids["colleague"])})
        assert r.status_code == 403
        for name, code in (("hr", 422), ("finance", 422), ("yangpu", 404)):
            r = await client.post(url, headers=approver, json={"staff_id": str(ids[name])})
            assert r.status_code == code, (name, r.text)
            assert await assignee_of(sessionmaker, case_id) == ids["reviewer"]
        r = await client.post(url, headers=approver, json={"staff_id": str(ids["colleague"])})
        assert r.status_code == 200, r.text
        assert await assignee_of(sessionmaker, case_id) == ids["colleague"]
        async with sessionmaker() as session:
            actions = (
                (
                    await session.execute(
                        select(AuditEntry.action)
                        .where(AuditEntry.object_id == case_id)
                        .where(AuditEntry.action.in_(["case.claimed", "case.assigned"]))
                        .order_by(AuditEntry.seq)
                    )
                )
                .scalars()
                .all()
            )
        assert actions == ["case.claimed", "case.assigned"]

    async def test_claim_and_reassign_on_the_case_page(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        import re

        from tests.integration.test_audit import page_login

        _user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        reviewer_email = await f.create_staff(
            sessionmaker, district="changning", roles=["reviewer"], department="housing"
        )
        approver_email = await f.create_staff(
            sessionmaker, district="changning", roles=["approver"], department="housing"
        )
        reviewer_id = await staff_member_id(sessionmaker, reviewer_email)
        approver_id = await staff_member_id(sessionmaker, approver_email)
        page_url = f"/staff/cases/{case_id}"

        client.cookies.clear()
        await page_login(client, reviewer_email)
        page = await client.get(page_url)
        assert page.status_code == 200 and 'action="/staff/cases/' in page.text
        assert f"/staff/cases/{case_id}/assignee" not in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        r = await client.post(f"{page_url}/claim", data={"csrf_token": token.group(1)})
        assert r.status_code == 303
        assert await assignee_of(sessionmaker, case_id) == reviewer_id

        client.cookies.clear()
        await page_login(client, approver_email)
        page = await client.get(page_url)
        assert f'action="/staff/cases/{case_id}/assignee"' in page.text
        assert f'value="{reviewer_id}"' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        blank = await client.post(
            f"{page_url}/assignee", data={"csrf_token": token.group(1), "staff_id": ""}
        )
        assert blank.status_code == 422 and 'href="#staff_id"' in blank.text
        r = await client.post(
            f"{page_url}/assignee",
            data={"csrf_token": token.group(1), "staff_id": str(approver_id)},
        )
        assert r.status_code == 303
        assert await assignee_of(sessionmaker, case_id) == approver_id
        no_csrf = await client.post(f"{page_url}/assignee", data={"staff_id": str(reviewer_id)})
        assert no_csrf.status_code in (400, 403)
        assert await assignee_of(sessionmaker, case_id) == approver_id


class TestQueuePaging:
    async def test_cursors_page_through_without_overlap_or_gaps(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        accepted = []
        for _ in range(5):
            _user, result = await submitted_rent_case(client)
            r = await act(client, clerk, result["case"]["id"], 1, "accept")
            assert r.status_code == 200, r.text
            accepted.append(result["case"]["number"])
        pages: list[list[str]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"mine": "true", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            r = await client.get("/api/v1/staff/cases", headers=clerk, params=params)
            assert r.status_code == 200, r.text
            pages.append([i["number"] for i in r.json()["items"]])
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        assert [len(p) for p in pages] == [2, 2, 1]
        flat = [n for p in pages for n in p]
        assert len(flat) == len(set(flat)) and set(flat) == set(accepted)
        whole = (
            await client.get(
                "/api/v1/staff/cases", headers=clerk, params={"mine": "true", "limit": 50}
            )
        ).json()
        assert [i["number"] for i in whole["items"]] == flat and whole["next_cursor"] is None
        bad = await client.get("/api/v1/staff/cases", headers=clerk, params={"cursor": "nonsense"})
        assert bad.status_code == 422


async def outbox_for(
    sm: async_sessionmaker[AsyncSession], case_id: str, template: str
) -> list[Any]:
    from app.models import OutboxMessage

    async with sm() as session:
        rows = (
            (await session.execute(select(OutboxMessage).where(OutboxMessage.template == template)))
            .scalars()
            .all()
        )
    return [r for r in rows if r.payload.get("case_id") == case_id]


class TestReminders:
    async def test_the_employer_is_reminded_ahead_of_and_on_the_due_day(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import timedelta

        from app.models import CaseSchedule
        from app.services.calendar import work_calendar
        from app.services.periodic import run_due

        case_id, hr_email = await case_awaiting_employer(client, sessionmaker, "长宁提醒测试")
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        due = f.local_today() + timedelta(days=14)
        r = await act(
            client, clerk, case_id, 1, "request_employer_confirmation", due_on=due.isoformat()
        )
        assert r.status_code == 200, r.text
        async with sessionmaker() as session:
            calendar = await work_calendar(session)
            days = sorted(
                (
                    await session.execute(
                        select(CaseSchedule.due_on).where(
                            CaseSchedule.case_id == uuid.UUID(case_id),
                            CaseSchedule.kind == "reminder",
                        )
                    )
                )
                .scalars()
                .all()
            )
        early = calendar.working_days_before(due, 2)
        assert days == [early, due]

        await run_due(sessionmaker, today=early)
        sent = await outbox_for(sessionmaker, case_id, "case.employer_reminder")
        from app.models import User

        async with sessionmaker() as session:
            hr_user = (
                await session.execute(select(User.id).where(User.email == hr_email))
            ).scalar_one()
        assert sent and {m.recipient_user_id for m in sent} == {hr_user}
        params = sent[0].payload["params"]
        assert isinstance(params, dict) and params["deadline"] == {"date": due.isoformat()}
        # The applicant gets no reminder naming a raw item code.
        assert await outbox_for(sessionmaker, case_id, "case.reminder") == []
        await run_due(sessionmaker, today=early)
        assert len(await outbox_for(sessionmaker, case_id, "case.employer_reminder")) == len(sent)
        await run_due(sessionmaker, today=due)
        assert len(await outbox_for(sessionmaker, case_id, "case.employer_reminder")) == 2 * len(
            sent
        )

    async def test_missing_materials_are_asked_for_ahead_of_their_due_date(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import timedelta

        from app.services.calendar import work_calendar
        from app.services.periodic import run_due

        due = f.local_today() + timedelta(days=12)
        user, case_id, clerk, _accepted = await accepted_with_pending_materials(
            client, sessionmaker, ["租赁合同原件"], due.isoformat()
        )
        async with sessionmaker() as session:
            early = (await work_calendar(session)).working_days_before(due, 2)
        await run_due(sessionmaker, today=early - timedelta(days=1))
        assert await outbox_for(sessionmaker, case_id, "case.reminder") == []
        await run_due(sessionmaker, today=early)
        sent = await outbox_for(sessionmaker, case_id, "case.reminder")
        assert sent and {m.recipient_user_id for m in sent} == {uuid.UUID(user.account["user_id"])}
        params = sent[0].payload["params"]
        assert isinstance(params, dict) and "租赁合同原件" in str(params["items"])
        assert params["deadline"] == {"date": due.isoformat()}
        view = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=clerk)).json()
        assert view["status"] == "accepted"


async def poorly_rated_case(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> str:
    """A Changning rent subsidy (housing) handed out and rated 2 by the applicant."""
    user, result = await submitted_rent_case(client)
    case_id = result["case"]["id"]
    clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
    reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
    approver = await staff(client, sessionmaker, "changning", ["approver"])
    version = 1
    for who, action, extra in (
        (clerk, "accept", {}),
        (reviewer, "start_review", {}),
        (approver, "approve", {}),
        (clerk, "issue_result", {"delivery": "window"}),
    ):
        r = await act(client, who, case_id, version, action, **extra)
        assert r.status_code == 200, r.text
        version = r.json()["version"]
    r = await client.post(
        f"/api/v1/cases/{case_id}/rating",
        headers=user.headers,
        json={"score": 2, "comment": "太慢"},
    )
    assert r.status_code == 201, r.text
    return case_id


class TestRatingFollowUps:
    """好差评: the department's supervisor records the call-back after a poor rating."""

    async def _task(
        self, client: httpx.AsyncClient, headers: dict[str, str], case_id: str
    ) -> dict[str, Any] | None:
        r = await client.get("/api/v1/staff/follow-ups", headers=headers)
        assert r.status_code == 200, r.text
        return next((t for t in r.json() if t["case_id"] == case_id), None)

    async def test_only_supervisors_of_the_department_record_the_outcome(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        case_id = await poorly_rated_case(client, sessionmaker)
        approver = await staff(client, sessionmaker, "changning", ["approver"], "housing")
        admin = await staff(client, sessionmaker, "changning", ["district_admin"], "talent_office")
        other = await staff(client, sessionmaker, "changning", ["approver"], "hr_bureau")
        for roles, dept in ((["reviewer"], "housing"), (["window_clerk"], "service_center")):
            headers = await staff(client, sessionmaker, "changning", roles, dept)
            assert (
                await client.get("/api/v1/staff/follow-ups", headers=headers)
            ).status_code == 403
        task = await self._task(client, approver, case_id)
        assert task is not None and (task["score"], task["comment"]) == (2, "太慢")
        assert await self._task(client, admin, case_id) is not None
        assert await self._task(client, other, case_id) is None
        url = f"/api/v1/staff/follow-ups/{task['id']}/resolve"
        assert (await client.post(url, headers=other, json={"resolution": "x"})).status_code == 404
        assert (
            await client.post(url, headers=approver, json={"resolution": ""})
        ).status_code == 422
        r = await client.post(
            url, headers=approver, json={"resolution": "已电话回访：解释了审核时长，申请人表示理解"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "resolved" and r.json()["resolved_at"]
        assert await self._task(client, approver, case_id) is None
        again = await client.post(url, headers=admin, json={"resolution": "again"})
        assert again.status_code == 409
        async with sessionmaker() as session:
            row = await session.get(FollowUpTask, uuid.UUID(task["id"]))
            assert row is not None and row.resolved_by_user_id is not None
            assert row.resolution == "已电话回访：解释了审核时长，申请人表示理解"

    async def test_the_page_is_for_supervisors_and_records_the_call_back(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        import re

        from tests.integration.test_audit import page_login

        case_id = await poorly_rated_case(client, sessionmaker)
        async with sessionmaker() as session:
            task = (
                await session.execute(
                    select(FollowUpTask).where(FollowUpTask.case_id == uuid.UUID(case_id))
                )
            ).scalar_one()
        reviewer = await f.create_staff(
            sessionmaker, district="changning", roles=["reviewer"], department="housing"
        )
        client.cookies.clear()
        await page_login(client, reviewer)
        assert (await client.get("/staff/follow-ups")).status_code == 403

        approver = await f.create_staff(
            sessionmaker, district="changning", roles=["approver"], department="housing"
        )
        client.cookies.clear()
        await page_login(client, approver)
        page = await client.get("/staff/follow-ups")
        assert page.status_code == 200 and f"/staff/follow-ups/{task.id}/resolve" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        url = f"/staff/follow-ups/{task.id}/resolve"
        blank = await client.post(url, data={"csrf_token": token.group(1), "resolution": " "})
        assert blank.status_code == 422 and f'href="#resolution-{task.id}"' in blank.text
        r = await client.post(url, data={"csrf_token": token.group(1), "resolution": "已回访"})
        assert r.status_code == 303
        after = await client.get(r.headers["location"])
        assert f"/staff/follow-ups/{task.id}/resolve" not in after.text
        async with sessionmaker() as session:
            row = await session.get(FollowUpTask, task.id)
            assert row is not None and (row.status, row.resolution) == ("resolved", "已回访")
            assert row.resolved_at is not None


class TestDeadlinePause:
    async def test_a_supplement_pause_moves_the_deadline_by_exactly_the_paused_working_days(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import date, timedelta

        from sqlalchemy import update

        from app.models import Case, CasePause
        from app.services.calendar import work_calendar

        user, result = await submitted_rent_case(client)
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        r = await act(client, clerk, case_id, 1, "accept")
        r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
        r = await act(
            client,
            reviewer,
            case_id,
            r.json()["version"],
            "request_supplement",
            items=["租赁合同"],
        )
        assert r.status_code == 200 and r.json()["deadline"]["paused"] is True
        # Back-date the acceptance and the request, so the pause spans working days when the
        # supplement arrives today.
        today = f.local_today()
        accepted_on, paused_on = today - timedelta(days=21), today - timedelta(days=14)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Case)
                .where(Case.id == uuid.UUID(case_id))
                .values(accepted_on=accepted_on, paused_since=paused_on)
            )
            await session.execute(
                update(CasePause)
                .where(CasePause.case_id == uuid.UUID(case_id))
                .values(started_on=paused_on)
            )
            calendar = await work_calendar(session)
        unpaused = calendar.add_working_days(accepted_on, 15)
        paused_days = calendar.working_days_in(paused_on, today)
        assert paused_days > 0 and paused_on <= unpaused

        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        r = await client.post(
            f"/api/v1/cases/{case_id}/actions",
            headers=user.headers,
            json={"action": "receive_supplement", "expected_version": mine["version"]},
        )
        assert r.status_code == 200, r.text
        due = date.fromisoformat(r.json()["deadline"]["due_on"])
        assert due == calendar.add_working_days(unpaused, paused_days)
        assert calendar.working_days_between(unpaused, due) == paused_days
        assert r.json()["deadline"]["paused"] is False
        # Staff queues sort and page on the stored date, which moved with it.
        async with sessionmaker() as session:
            stored = await session.get(Case, uuid.UUID(case_id))
            assert stored is not None and stored.deadline_date == due
