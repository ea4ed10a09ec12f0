"""A rent subsidy's whole life: enrolment, twelve monthly cycles with maker and checker, batch
files, reconciliation with a failed payment carried over, and the end when the beneficiary
leaves the district. Every step is idempotent."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Application, Case
from app.services.subsidies import add_months
from tests.integration.test_cases_api import act, staff, submitted_rent_case


async def approved_subsidy(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[object, str]:
    user, result = await submitted_rent_case(client, "yangpu")
    case_id = result["case"]["id"]
    clerk = await staff(client, sm, "yangpu", ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, "yangpu", ["reviewer"])
    approver = await staff(client, sm, "yangpu", ["approver"])
    r = await act(client, clerk, case_id, 1, "accept")
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    r = await act(client, approver, case_id, r.json()["version"], "approve")
    assert r.status_code == 200, r.text
    return user, case_id


def result_file(batch_csv: str, fail: set[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["entitlement_id", "status", "reference", "reason"])
    for row in csv.DictReader(io.StringIO(batch_csv)):
        failed = row["entitlement_id"] in (fail or set())
        writer.writerow(
            [
                row["entitlement_id"],
                "failed" if failed else "paid",
                "" if failed else f"BANK-{row['entitlement_id'][:8]}",
                "account closed" if failed else "",
            ]
        )
    return out.getvalue()


class TestSubsidyLife:
    async def test_twelve_cycles_failed_payment_carried_and_end_on_leaving(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        r = await client.post(
            "/api/v1/my/subsidies",
            headers=user.headers,  # type: ignore[attr-defined]
            json={
                "case_id": case_id,
                "account_name": "王小明",
                "bank_account": "6222020200112233445",
            },
        )
        assert r.status_code == 201, r.text
        enrolment = r.json()
        assert enrolment["bank_account_masked"].endswith("3445")
        assert "6222020200112233445" not in r.text
        start = date.fromisoformat(enrolment["starts_on"])
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "yangpu", ["finance_checker"], "finance")
        failed_once: str | None = None
        for i in range(12):
            month = add_months(start, i).isoformat()
            c1 = await client.post("/api/v1/finance/cycles", headers=maker, json={"month": month})
            c2 = await client.post("/api/v1/finance/cycles", headers=maker, json={"month": month})
            assert c1.status_code == c2.status_code == 201
            assert c1.json() == c2.json()  # generating twice changes nothing
            cycle = c1.json()["id"]
            assert (
                await client.post(f"/api/v1/finance/cycles/{cycle}/approve", headers=checker)
            ).status_code == 409
            await client.post(f"/api/v1/finance/cycles/{cycle}/review", headers=maker)
            a1 = await client.post(f"/api/v1/finance/cycles/{cycle}/approve", headers=checker)
            a2 = await client.post(f"/api/v1/finance/cycles/{cycle}/approve", headers=checker)
            assert a1.json()["status"] == a2.json()["status"] == "approved"
            batch = (
                await client.get(f"/api/v1/finance/cycles/{cycle}/batch.csv", headers=maker)
            ).text
            rows = [
                r
                for r in csv.DictReader(io.StringIO(batch))
                if r["bank_account"] == "6222020200112233445"
            ]
            assert rows and rows[0]["account_name"] == "王*明"
            fail = set()
            if i == 2:
                failed_once = rows[0]["entitlement_id"]
                fail = {failed_once}
            if i == 3:
                assert len(rows) == 2  # the carried payment and this month's
            results = result_file(batch, fail)
            r1 = await client.post(
                f"/api/v1/finance/cycles/{cycle}/reconciliation",
                headers={**maker, "Content-Type": "text/csv"},
                content=results,
            )
            r2 = await client.post(
                f"/api/v1/finance/cycles/{cycle}/reconciliation",
                headers={**maker, "Content-Type": "text/csv"},
                content=results,
            )
            assert r1.status_code == 200, r1.text
            assert r1.json() == r2.json()  # importing the same file twice changes nothing
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()[0]  # type: ignore[attr-defined]
        assert mine["months_paid"] == 12
        assert mine["total_paid_cny"] == 12 * mine["schedule"][0]
        statuses = [p["status"] for p in mine["payments"]]
        assert statuses.count("carried") == 1 and statuses.count("paid") == 12
        assert failed_once is not None

        # The beneficiary moves to a job outside the district: the next cycle ends payments.
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            app_row = await session.get(Application, case.application_id)
            assert app_row is not None
            await session.execute(
                update(Application)
                .where(Application.id == app_row.id)
                .values(answers={**app_row.answers, "employer_district": "other_shanghai"})
            )
        month = add_months(start, 12).isoformat()
        r = await client.post("/api/v1/finance/cycles", headers=maker, json={"month": month})
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()[0]  # type: ignore[attr-defined]
        assert mine["status"] == "ended"
        assert "employed_in_yangpu" in (mine["status_reason"] or "")
        assert len(mine["payments"]) == 13

    async def test_maker_cannot_approve_their_own_cycle(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        both = await staff(
            client, sessionmaker, "changning", ["finance_maker", "finance_checker"], "finance"
        )
        month = date(2031, 1, 1).isoformat()
        cycle = (
            await client.post("/api/v1/finance/cycles", headers=both, json={"month": month})
        ).json()
        await client.post(f"/api/v1/finance/cycles/{cycle['id']}/review", headers=both)
        r = await client.post(f"/api/v1/finance/cycles/{cycle['id']}/approve", headers=both)
        assert r.status_code == 403


class TestSuspension:
    async def test_suspended_enrolment_is_skipped_and_the_beneficiary_told(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from sqlalchemy import select

        from app.models import OutboxMessage

        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = (
            await client.post(
                "/api/v1/my/subsidies",
                headers=user.headers,  # type: ignore[attr-defined]
                json={
                    "case_id": case_id,
                    "account_name": "李四",
                    "bank_account": "6222020200199887766",
                },
            )
        ).json()
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        url = f"/api/v1/finance/enrolments/{enrolment['id']}"
        r = await client.post(f"{url}/suspend", headers=maker, json={"reason": "核查社保缴纳情况"})
        assert r.status_code == 200 and r.json()["status"] == "suspended"
        assert (
            await client.post(f"{url}/suspend", headers=maker, json={"reason": "again"})
        ).status_code == 409
        month = add_months(date.fromisoformat(enrolment["starts_on"]), 40).isoformat()
        await client.post("/api/v1/finance/cycles", headers=maker, json={"month": month})
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()  # type: ignore[attr-defined]
        assert next(e for e in mine if e["id"] == enrolment["id"])["payments"] == []
        r = await client.post(f"{url}/resume", headers=maker, json={"reason": "核查无误"})
        assert r.json()["status"] == "active"
        async with sessionmaker() as session:
            templates = set(
                (
                    await session.execute(
                        select(OutboxMessage.template).where(
                            OutboxMessage.template.in_(("subsidy.suspended", "subsidy.resumed"))
                        )
                    )
                ).scalars()
            )
        assert templates == {"subsidy.suspended", "subsidy.resumed"}
