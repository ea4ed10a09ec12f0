"""Every approved money decision paid through finance: an approved exam-fee reimbursement and a
skills subsidy become one grant each, for the amount the approver decided, wait for the
beneficiary's bank account, and are paid in the next monthly payment run beside the rent
subsidies (maker, a different checker, one bank file, one result file); a failed payment is
retried once and then returned to the case; nothing is ever paid twice, even when the run is
computed twice at once."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import (
    Case,
    CaseEvent,
    Employer,
    Entitlement,
    GrantPayment,
    OutboxMessage,
    PaymentCycle,
    Service,
)
from app.models.base import utcnow
from app.repositories import grants as grants_repo
from app.services.payments import grants as grants_service
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import act, new_draft, staff, submitted_exam_fee_case, upload
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_subsidies import result_file

pytestmark = pytest.mark.usefixtures("isolated_db")

ACCOUNT = "6222020200155667788"


async def submitted_skills_case(client: httpx.AsyncClient) -> tuple[f.ApiUser, dict[str, Any]]:
    """Yangpu's skills subsidy for a new level-3 certificate (the rules give 2,500 yuan)."""
    user, draft = await new_draft(client, "yangpu", "skills_subsidy")
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        headers=user.headers,
        json={
            "answers": {
                "certificate_level": 3,
                "certificate_date": (f.local_today().replace(day=1)).isoformat(),
                "social_insurance_months": 24,
                "hukou": "shanghai",
                "birth_date": "1995-01-01",
            },
            "documents": {
                "id_document": await upload(client, user, "id_card"),
                "exam_fee_receipt": await upload(client, user, "exam_fee_receipt"),
            },
        },
    )
    assert r.status_code == 200, r.text
    return user, await f.submit_application(client, user, draft["id"])


async def decide(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    case_id: str,
    *,
    district: str = "yangpu",
    department: str = "hr_bureau",
    decision: str = "approve",
    **approve: Any,
) -> httpx.Response:
    """Accepted by the window, reviewed and decided by the department (the HR bureau unless
    another is named; ``decision`` approve with ``approve``, or reject)."""
    clerk = await staff(client, sm, district, ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, district, ["reviewer"], department)
    approver = await staff(client, sm, district, ["approver"], department)
    r = await act(client, clerk, case_id, 1, "accept")
    assert r.status_code == 200, r.text
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    assert r.status_code == 200, r.text
    return await act(client, approver, case_id, r.json()["version"], decision, **approve)


async def finance(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[dict[str, str], dict[str, str]]:
    maker = await staff(client, sm, "yangpu", ["finance_maker"], "finance")
    checker = await staff(client, sm, "yangpu", ["finance_checker"], "finance")
    return maker, checker


async def compute(client: httpx.AsyncClient, maker: dict[str, str], month: date) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/finance/cycles", headers=maker, json={"month": month.isoformat()}
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def pay(
    client: httpx.AsyncClient,
    maker: dict[str, str],
    checker: dict[str, str],
    cycle: dict[str, Any],
    fail: set[str] | None = None,
) -> list[dict[str, str]]:
    """Reviews, approves, exports and reconciles the run (failing the lines in ``fail``);
    returns the bank file's rows."""
    cid = cycle["id"]
    assert (await client.post(f"/api/v1/finance/cycles/{cid}/review", headers=maker)).is_success
    r = await client.post(f"/api/v1/finance/cycles/{cid}/approve", headers=checker)
    assert r.status_code == 200, r.text
    batch = (await client.get(f"/api/v1/finance/cycles/{cid}/batch.csv", headers=maker)).text
    r = await client.post(
        f"/api/v1/finance/cycles/{cid}/reconciliation",
        headers={**maker, "Content-Type": "text/csv"},
        content=result_file(batch, fail),
    )
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(batch)))


async def pay_approved(
    client: httpx.AsyncClient, maker: dict[str, str], cycle: dict[str, Any]
) -> None:
    cid = cycle["id"]
    batch = (await client.get(f"/api/v1/finance/cycles/{cid}/batch.csv", headers=maker)).text
    r = await client.post(
        f"/api/v1/finance/cycles/{cid}/reconciliation",
        headers={**maker, "Content-Type": "text/csv"},
        content=result_file(batch),
    )
    assert r.status_code == 200, r.text


async def grant_of(sm: async_sessionmaker[AsyncSession], case_id: str) -> GrantPayment:
    async with sm() as session:
        grant = (
            await session.execute(
                select(GrantPayment).where(GrantPayment.case_id == uuid.UUID(case_id))
            )
        ).scalar_one()
        return grant


async def lines_of(sm: async_sessionmaker[AsyncSession], grant_id: uuid.UUID) -> list[Entitlement]:
    async with sm() as session:
        stmt = select(Entitlement).where(Entitlement.grant_id == grant_id)
        return list((await session.execute(stmt)).scalars())


async def give_account(client: httpx.AsyncClient, user: f.ApiUser, case_id: str) -> None:
    r = await client.put(
        f"/api/v1/my/grants/{case_id}/account",
        headers=user.headers,
        json={"account_name": "王小明", "bank_account": ACCOUNT},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    assert ACCOUNT not in r.text


def next_month(n: int = 1) -> date:
    today = f.local_today()
    index = today.year * 12 + today.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


class TestGrantsPaidThroughFinance:
    async def test_exam_fee_and_skills_subsidy_appear_in_the_next_run_and_are_paid_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        exam_user, exam = await submitted_exam_fee_case(client)
        skills_user, skills = await submitted_skills_case(client)
        exam_id, skills_id = exam["case"]["id"], skills["case"]["id"]
        # The exam fee: the rules' amount (the fee paid) by default.
        r = await decide(client, sessionmaker, exam_id)
        assert r.status_code == 200, r.text
        assert r.json()["one_off"]["decided_amount_cny"] == 450
        # The skills subsidy: never above the rules' 2,500 yuan, and then a lower amount.
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"], "hr_bureau")
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], "hr_bureau")
        r = await act(client, clerk, skills_id, 1, "accept")
        r = await act(client, reviewer, skills_id, r.json()["version"], "start_review")
        version = r.json()["version"]
        too_much = await act(client, approver, skills_id, version, "approve", amount_cny=2501)
        assert too_much.status_code == 422, too_much.text
        assert too_much.json()["errors"][0]["field"] == "amount_cny"
        nothing = await act(client, approver, skills_id, version, "approve", amount_cny=0)
        assert nothing.status_code == 422
        r = await act(client, approver, skills_id, version, "approve", amount_cny=2000)
        assert r.status_code == 200, r.text
        assert r.json()["one_off"]["grant"]["status"] == "awaiting_account"
        # Retrying the approval's follow-up adds no second grant (one per decision).
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(skills_id))
            assert case is not None
            service = await session.get(Service, case.service_id)
            assert service is not None
            await grants_service.entitle(session, case, service)
        async with sessionmaker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(GrantPayment)
                .where(GrantPayment.case_id.in_([uuid.UUID(exam_id), uuid.UUID(skills_id)]))
            )
        assert count == 2

        maker, checker = await finance(client, sessionmaker)
        # Without a bank account the grants wait: the run does not take them.
        cycle = await compute(client, maker, next_month())
        exam_grant = await grant_of(sessionmaker, exam_id)
        assert exam_grant.status == "awaiting_account"
        assert await lines_of(sessionmaker, exam_grant.id) == []
        await pay(client, maker, checker, cycle)

        await give_account(client, exam_user, exam_id)
        await give_account(client, skills_user, skills_id)
        month = next_month(2)
        first = await compute(client, maker, month)
        again = await compute(client, maker, month)
        assert first["id"] == again["id"] and first["entitlements"] == again["entitlements"]
        assert first["one_off"] >= 2
        lines = await client.get(f"/api/v1/finance/cycles/{first['id']}/lines", headers=maker)
        assert lines.status_code == 200, lines.text
        mine = {
            line["case_number"]: line
            for line in lines.json()["lines"]
            if line["case_number"] in (exam["case"]["number"], skills["case"]["number"])
        }
        assert {line["kind"] for line in mine.values()} == {"one_off"}
        assert mine[exam["case"]["number"]]["amount_cny"] == 450
        assert mine[skills["case"]["number"]]["amount_cny"] == 2000
        assert mine[skills["case"]["number"]]["service_name"] == "职业技能提升补贴"
        assert mine[skills["case"]["number"]]["beneficiary_name"]
        # The checker must not be the maker.
        cid = first["id"]
        await client.post(f"/api/v1/finance/cycles/{cid}/review", headers=maker)
        same = await client.post(f"/api/v1/finance/cycles/{cid}/approve", headers=maker)
        assert same.status_code == 403
        rows = await pay(client, maker, checker, first)
        paid_lines = {str(line.id) for line in await lines_of(sessionmaker, exam_grant.id)}
        assert len(paid_lines) == 1 and paid_lines <= {row["entitlement_id"] for row in rows}
        assert [r for r in rows if r["entitlement_id"] in paid_lines][0]["bank_account"] == ACCOUNT
        for case_id in (exam_id, skills_id):
            grant = await grant_of(sessionmaker, case_id)
            assert grant.status == "paid" and grant.paid_at is not None
            async with sessionmaker() as session:
                notices = (
                    await session.execute(
                        select(OutboxMessage).where(
                            OutboxMessage.template == "grant.paid",
                            OutboxMessage.channel == "inapp",
                            OutboxMessage.payload["case_id"].as_string() == case_id,
                        )
                    )
                ).scalars()
                assert [n.language for n in notices] == ["zh"]
        # The next month's run does not pay them again.
        later = await compute(client, maker, next_month(3))
        for case_id in (exam_id, skills_id):
            grant = await grant_of(sessionmaker, case_id)
            assert len(await lines_of(sessionmaker, grant.id)) == 1
        mine_later = await client.get(f"/api/v1/finance/cycles/{later['id']}/lines", headers=maker)
        numbers = {line["case_number"] for line in mine_later.json()["lines"]}
        assert exam["case"]["number"] not in numbers
        # The person sees the grant paid.
        r = await client.get("/api/v1/my/grants", headers=exam_user.headers)
        assert [g["status"] for g in r.json()] == ["paid"]

    async def test_a_failed_grant_is_retried_then_returned_to_the_case(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, exam = await submitted_exam_fee_case(client)
        case_id = exam["case"]["id"]
        assert (await decide(client, sessionmaker, case_id)).status_code == 200
        await give_account(client, user, case_id)
        maker, checker = await finance(client, sessionmaker)
        grant = await grant_of(sessionmaker, case_id)

        async def run(n: int, fail: bool) -> None:
            cycle = await compute(client, maker, next_month(n))
            lines = {str(line.id) for line in await lines_of(sessionmaker, grant.id)}
            await pay(client, maker, checker, cycle, lines if fail else None)

        await run(1, fail=True)
        assert (await grant_of(sessionmaker, case_id)).status == "ready"  # retried next run
        await run(2, fail=True)
        returned = await grant_of(sessionmaker, case_id)
        assert returned.status == "returned" and returned.returned_reason == "account closed"
        async with sessionmaker() as session:
            events = (
                await session.execute(
                    select(CaseEvent).where(
                        CaseEvent.case_id == uuid.UUID(case_id),
                        CaseEvent.action == "payment_returned",
                    )
                )
            ).scalars()
            assert len(list(events)) == 1
            notices = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.template == "grant.returned", OutboxMessage.channel == "inapp")
            )
            assert notices and notices >= 1
        # A run while it waits for another account does not take it.
        await run(3, fail=False)
        assert (await grant_of(sessionmaker, case_id)).status == "returned"
        await give_account(client, user, case_id)
        await run(4, fail=False)
        paid = await grant_of(sessionmaker, case_id)
        assert paid.status == "paid"
        lines = await lines_of(sessionmaker, grant.id)
        # Each failed line is carried once: the first by the retry, the second by the run after
        # the new account; the third is paid.
        assert sorted(line.status for line in lines) == ["carried", "carried", "paid"]
        assert sum(1 for line in lines if line.status == "paid") == 1

    async def test_an_organisations_grant_is_paid_into_its_account(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _uscc, hr_email = await f.create_employer_with_hr(
            sessionmaker, district="yangpu", name="杨浦测试工坊"
        )
        _user, exam = await submitted_exam_fee_case(client)
        case_id = exam["case"]["id"]
        async with sessionmaker() as session, session.begin():
            employer_id = await session.scalar(
                select(Employer.id).where(Employer.name == "杨浦测试工坊")
            )
            await session.execute(
                update(Case)
                .where(Case.id == uuid.UUID(case_id))
                # The case becomes the organisation's own (a case has exactly one party).
                .values(organisation_id=employer_id, applicant_id=None)
            )
        assert (await decide(client, sessionmaker, case_id, amount_cny=400)).status_code == 200
        grant = await grant_of(sessionmaker, case_id)
        assert grant.status == "awaiting_account" and grant.beneficiary_name == "杨浦测试工坊"
        assert grant.applicant_id is None
        headers = await f.employer_login(client, hr_email)
        r = await client.put(
            "/api/v1/employer/bank-account",
            headers=headers,
            json={"account_name": "杨浦测试工坊", "bank_account": "31050161393600000001"},
        )
        assert r.status_code == 200, r.text
        assert [g["status"] for g in r.json()] == ["ready"]
        maker, checker = await finance(client, sessionmaker)
        rows = await pay(client, maker, checker, await compute(client, maker, next_month()))
        [line] = await lines_of(sessionmaker, grant.id)
        [row] = [r for r in rows if r["entitlement_id"] == str(line.id)]
        assert row["bank_account"] == "31050161393600000001" and row["amount_cny"] == "400"
        assert (await grant_of(sessionmaker, case_id)).status == "paid"
        r = await client.get("/api/v1/my/grants", headers=headers)
        assert [g["status"] for g in r.json()] == ["paid"]

    async def test_the_database_refuses_a_second_grant_for_one_decision(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, exam = await submitted_exam_fee_case(client)
        case_id = exam["case"]["id"]
        assert (await decide(client, sessionmaker, case_id)).status_code == 200
        grant = await grant_of(sessionmaker, case_id)
        async with sessionmaker() as session:
            session.add(
                GrantPayment(
                    case_id=grant.case_id,
                    service_id=grant.service_id,
                    district="yangpu",
                    applicant_id=grant.applicant_id,
                    beneficiary_name="x",
                    amount_cny=1,
                )
            )
            with pytest.raises(IntegrityError):
                await session.flush()
            await session.rollback()

    async def test_a_revoked_approval_cancels_its_unpaid_grant(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, exam = await submitted_exam_fee_case(client)
        case_id = exam["case"]["id"]
        assert (await decide(client, sessionmaker, case_id)).status_code == 200
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            await grants_service.cancel_unpaid(session, case)
        assert (await grant_of(sessionmaker, case_id)).status == "cancelled"
        r = await client.put(
            f"/api/v1/my/grants/{case_id}/account",
            headers=user.headers,
            json={"account_name": "王小明", "bank_account": ACCOUNT},
        )
        assert r.status_code == 409
        maker, _checker = await finance(client, sessionmaker)
        await compute(client, maker, next_month())
        grant = await grant_of(sessionmaker, case_id)
        assert await lines_of(sessionmaker, grant.id) == []


@pytest.mark.shared_db(reason="two runs computed at once, each in a transaction of its own")
class TestConcurrentRuns:
    async def test_a_run_computed_twice_at_once_pays_each_grant_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        users_cases = [await submitted_exam_fee_case(client), await submitted_skills_case(client)]
        ids = [result["case"]["id"] for _u, result in users_cases]
        for (user, _r), case_id in zip(users_cases, ids, strict=True):
            assert (await decide(client, sessionmaker, case_id)).status_code == 200
            await give_account(client, user, case_id)
        maker, checker = await finance(client, sessionmaker)
        other_maker, _c = await finance(client, sessionmaker)
        # A month far ahead that no other test computes, and another one: the same month twice
        # at once, and two months at once, each by its own request and transaction.
        base = date(2090 + uuid.uuid4().int % 9, 1 + uuid.uuid4().int % 12, 1)
        other = date(base.year + 1, base.month, 1)
        results = await asyncio.gather(
            client.post("/api/v1/finance/cycles", headers=maker, json={"month": base.isoformat()}),
            client.post(
                "/api/v1/finance/cycles", headers=other_maker, json={"month": base.isoformat()}
            ),
            client.post("/api/v1/finance/cycles", headers=maker, json={"month": other.isoformat()}),
        )
        assert [r.status_code for r in results] == [201, 201, 201], [r.text for r in results]
        assert results[0].json()["id"] == results[1].json()["id"]
        for case_id in ids:
            grant = await grant_of(sessionmaker, case_id)
            assert len(await lines_of(sessionmaker, grant.id)) == 1
            assert grant.status == "in_run"
        for cycle in {r.json()["id"]: r.json() for r in results}.values():
            await pay(client, maker, checker, cycle)
        for case_id in ids:
            grant = await grant_of(sessionmaker, case_id)
            assert grant.status == "paid"
            [line] = await lines_of(sessionmaker, grant.id)
            assert line.status == "paid"

    async def test_two_sessions_taking_the_grants_at_once_take_each_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Two runs of different months in two open transactions: the second waits on the
        unique line of each grant, then adds nothing (PostgreSQL: true concurrency; SQLite
        serialises the writers, with the same result)."""
        user, exam = await submitted_exam_fee_case(client)
        case_id = exam["case"]["id"]
        assert (await decide(client, sessionmaker, case_id)).status_code == 200
        await give_account(client, user, case_id)
        grant = await grant_of(sessionmaker, case_id)
        base = date(2080 + uuid.uuid4().int % 9, 1 + uuid.uuid4().int % 12, 1)
        async with sessionmaker() as session, session.begin():
            cycles = [
                PaymentCycle(district="yangpu", month=base),
                PaymentCycle(district="yangpu", month=date(base.year + 1, base.month, 1)),
            ]
            session.add_all(cycles)
        first_in = asyncio.Event()

        async def take(cycle: PaymentCycle, wait: bool) -> int:
            async with sessionmaker() as session, session.begin():
                if wait:
                    await first_in.wait()
                taken = await grants_repo.add_grants_to_cycle(
                    session, cycle.id, "yangpu", utcnow(), cycle.month
                )
                if not wait:
                    first_in.set()
                    await asyncio.sleep(0.5)  # the other transaction runs into our rows
                return taken

        taken = await asyncio.gather(take(cycles[0], False), take(cycles[1], True))
        assert sorted(taken)[0] == 0 and sum(taken) >= 1
        [line] = await lines_of(sessionmaker, grant.id)
        assert line.cycle_id == cycles[0].id
        assert (await grant_of(sessionmaker, case_id)).status == "in_run"
        # Leave nothing due for other tests' runs of the district: the bank pays it.
        maker, _checker = await finance(client, sessionmaker)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(PaymentCycle)
                .where(PaymentCycle.id.in_([c.id for c in cycles]))
                .values(status="approved")
            )
        for cycle in cycles:
            await pay_approved(client, maker, {"id": str(cycle.id)})
        assert (await grant_of(sessionmaker, case_id)).status == "paid"


class TestPages:
    async def test_the_approver_decides_the_amount_the_person_gives_the_account_finance_sees(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, exam = await submitted_exam_fee_case(client)
        case_id, number = exam["case"]["id"], exam["case"]["number"]
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"], "hr_bureau")
        r = await act(client, clerk, case_id, 1, "accept")
        r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
        version = r.json()["version"]
        approver = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="hr_bureau"
        )
        client.cookies.clear()
        await page_login(client, approver)
        page = await client.get(f"/staff/cases/{case_id}")
        assert 'name="amount_cny"' in page.text and 'value="450"' in page.text
        form = {
            "csrf_token": csrf_of(page.text),
            "action": "approve",
            "expected_version": str(version),
            "amount_cny": "451",
        }
        refused = await client.post(f"/staff/cases/{case_id}/actions", data=form)
        assert refused.status_code == 422
        assert 'href="#amount_cny"' in refused.text and "450" in refused.text
        done = await client.post(
            f"/staff/cases/{case_id}/actions", data={**form, "amount_cny": "300"}
        )
        assert done.status_code == 303, done.text
        assert (await grant_of(sessionmaker, case_id)).amount_cny == 300

        client.cookies.clear()
        await web_login(client, user)
        page = await client.get("/payments")
        assert page.status_code == 200 and number in page.text
        action = f"/payments/{case_id}/account"
        assert f'action="{action}"' in page.text
        bad = await client.post(
            action,
            data={"csrf_token": csrf_of(page.text), "account_name": "王", "bank_account": "12"},
        )
        assert bad.status_code == 422 and 'href="#bank_account"' in bad.text
        assert (await grant_of(sessionmaker, case_id)).status == "awaiting_account"
        good = await client.post(
            action,
            data={"csrf_token": csrf_of(page.text), "account_name": "王", "bank_account": ACCOUNT},
        )
        assert good.status_code == 303
        assert (await grant_of(sessionmaker, case_id)).status == "ready"

        maker, _checker = await finance(client, sessionmaker)
        cycle = await compute(client, maker, next_month())
        client.cookies.clear()
        finance_staff = await f.create_staff(
            sessionmaker, district="yangpu", roles=["finance_maker"], department="finance"
        )
        await page_login(client, finance_staff)
        listing = await client.get("/staff/finance")
        assert f'href="/staff/finance/cycles/{cycle["id"]}"' in listing.text
        lines = await client.get(f"/staff/finance/cycles/{cycle['id']}")
        assert lines.status_code == 200
        assert number in lines.text and "300" in lines.text and "一次性补贴" in lines.text
