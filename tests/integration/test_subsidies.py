"""A rent subsidy's whole life: enrolment, twelve monthly cycles with maker and checker, batch
files, reconciliation with a failed payment carried over, and the end when the beneficiary
leaves the district. Every step is idempotent."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings, get_settings
from app.models import (
    ApartmentOffer,
    ApartmentProject,
    ApartmentUnit,
    Applicant,
    Application,
    AuditEntry,
    Case,
    Enrolment,
    Entitlement,
    FactVerification,
    Lease,
    OutboxMessage,
    PaymentCycle,
    User,
    WaitlistEntry,
)
from app.models.base import utcnow
from app.services.notifications import render
from app.services.payments import add_months
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_cases_api import (
    act,
    new_draft,
    staff,
    submitted_rent_case,
    upload,
)

pytestmark = pytest.mark.usefixtures("isolated_db")


async def approve(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str, case_id: str
) -> None:
    """The district's clerk accepts the new case, a reviewer reviews it and an approver approves."""
    clerk = await staff(client, sm, district, ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, district, ["reviewer"])
    approver = await staff(client, sm, district, ["approver"])
    r = await act(client, clerk, case_id, 1, "accept")
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    r = await act(client, approver, case_id, r.json()["version"], "approve")
    assert r.status_code == 200, r.text


async def approved_subsidy(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[object, str]:
    user, result = await submitted_rent_case(client, "yangpu")
    case_id = result["case"]["id"]
    await approve(client, sm, "yangpu", case_id)
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


async def approved_returnee(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], return_date: date
) -> tuple[Any, str]:
    """An approved Changning returnee (3+3) case."""
    user, draft = await new_draft(client, "changning", "returnee_apartment_subsidy")
    answers = f.apartment_returnee_profile(return_date=return_date.isoformat())
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    kinds = {
        "id_document": "id_card",
        "degree_certificate": "degree_certificate",
        "overseas_degree_verification": "overseas_degree_verification",
        "employment_contract": "employment_contract",
        "lease_contract": "lease_contract",
    }
    docs = {slot: await upload(client, user, kind) for slot, kind in kinds.items()}
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"documents": docs}
    )
    assert r.status_code == 200, r.text
    case_id = (await f.submit_application(client, user, draft["id"]))["case"]["id"]
    await approve(client, sm, "changning", case_id)
    return user, case_id


async def enrol(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    user: Any,
    case_id: str,
    account: str,
    starts_on: date,
) -> Any:
    """Enrols, then moves the first month to ``starts_on``: the tests share one database, and
    cycles are per district and month, so each test pays months of its own."""
    r = await client.post(
        "/api/v1/my/subsidies",
        headers=user.headers,
        json={"case_id": case_id, "account_name": "王小明", "bank_account": account},
    )
    assert r.status_code == 201, r.text
    async with sm() as session, session.begin():
        await session.execute(
            update(Enrolment)
            .where(Enrolment.id == uuid.UUID(r.json()["id"]))
            .values(starts_on=starts_on)
        )
    return {**r.json(), "starts_on": starts_on.isoformat()}


async def run_cycle(
    client: httpx.AsyncClient,
    maker: dict[str, str],
    checker: dict[str, str],
    month: date,
    account: str,
    fail: bool = False,
) -> list[dict[str, str]]:
    """Generate, review, approve, export and reconcile one month; the batch file's rows paying
    ``account`` (failed by the bank when ``fail``). Other tests' enrolments may be paid too."""
    r = await client.post(
        "/api/v1/finance/cycles", headers=maker, json={"month": month.isoformat()}
    )
    assert r.status_code == 201, r.text
    cycle = r.json()["id"]
    await client.post(f"/api/v1/finance/cycles/{cycle}/review", headers=maker)
    r = await client.post(f"/api/v1/finance/cycles/{cycle}/approve", headers=checker)
    assert r.status_code == 200, r.text
    batch = (await client.get(f"/api/v1/finance/cycles/{cycle}/batch.csv", headers=maker)).text
    rows = [r for r in csv.DictReader(io.StringIO(batch)) if r["bank_account"] == account]
    r = await client.post(
        f"/api/v1/finance/cycles/{cycle}/reconciliation",
        headers={**maker, "Content-Type": "text/csv"},
        content=result_file(batch, {r["entitlement_id"] for r in rows} if fail else None),
    )
    assert r.status_code == 200, r.text
    return rows


async def outbox(
    sm: async_sessionmaker[AsyncSession], user_id: uuid.UUID, template: str
) -> list[OutboxMessage]:
    async with sm() as session:
        stmt = select(OutboxMessage).where(
            OutboxMessage.recipient_user_id == user_id,
            OutboxMessage.template == template,
            OutboxMessage.channel == "inapp",
        )
        return list((await session.execute(stmt)).scalars())


def social_insurance_record(
    case: Case, employer_district: str, verified_at: datetime
) -> FactVerification:
    """What the social insurance system verified for the case's applicant: their employer's
    district."""
    return FactVerification(
        application_id=case.application_id,
        applicant_id=case.applicant_id,
        system="social_insurance",
        status="verified",
        facts={"employer_district": employer_district},
        correlation_id=uuid.uuid4().hex,
        verified_at=verified_at,
    )


async def beneficiary_user_id(sm: async_sessionmaker[AsyncSession], case_id: str) -> uuid.UUID:
    async with sm() as session:
        case = await session.get(Case, uuid.UUID(case_id))
        assert case is not None
        applicant = await session.get(Applicant, case.applicant_id)
        assert applicant is not None
        return applicant.user_id


async def _active_lease(session: AsyncSession, case: Case, starts_on: date) -> None:
    """A talent-apartment lease for the case's applicant (rows only, not the allocation)."""
    project = ApartmentProject(
        district=case.district, name_zh="测试公寓", name_en="Test", address="x", operator="x"
    )
    session.add(project)
    await session.flush()
    unit = ApartmentUnit(
        project_id=project.id,
        district=case.district,
        building="1",
        number=uuid.uuid4().hex[:6],
        layout="studio",
        area_sqm=20.0,
        floor=3,
        market_rent_cny=3000,
        talent_rent_cny=2500,
        status="leased",
    )
    entry = WaitlistEntry(
        case_id=case.id, district=case.district, applicant_id=case.applicant_id, score=1.0
    )
    session.add_all([unit, entry])
    await session.flush()
    offer = ApartmentOffer(
        unit_id=unit.id, entry_id=entry.id, status="accepted", respond_by=starts_on
    )
    session.add(offer)
    await session.flush()
    session.add(
        Lease(
            unit_id=unit.id,
            applicant_id=case.applicant_id,
            offer_id=offer.id,
            starts_on=starts_on,
            ends_on=add_months(starts_on, 36),
            monthly_rent_cny=2500,
            deposit_cny=5000,
        )
    )


class TestLapsingConditions:
    async def test_returnee_changing_job_at_month_7_gets_no_month_7_payment_and_is_told(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id = await approved_returnee(client, sessionmaker, date(2026, 9, 1))
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155667788", date(2034, 1, 1)
        )
        assert enrolment["schedule"] == [4000] * 3 + [3000] * 3 + [4000] * 6
        start = date.fromisoformat(enrolment["starts_on"])
        maker = await staff(client, sessionmaker, "changning", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "changning", ["finance_checker"], "finance")
        for i in range(6):
            rows = await run_cycle(
                client, maker, checker, add_months(start, i), "6222020200155667788"
            )
            assert [r["amount_cny"] for r in rows] == [str(enrolment["schedule"][i])]
        # The social insurance system now reports an employer in another district.
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            session.add(social_insurance_record(case, "other_shanghai", utcnow()))
        rows = await run_cycle(client, maker, checker, add_months(start, 6), "6222020200155667788")
        assert rows == []
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()[0]
        assert mine["status"] == "ended"
        assert mine["months_paid"] == 6 and mine["total_paid_cny"] == 21000
        assert "employed_in_changning_months_7_to_12" in mine["status_reason"]
        assert "长宁" in mine["status_reason"] and "Changning" in mine["status_reason"]
        [notice] = await outbox(
            sessionmaker, await beneficiary_user_id(sessionmaker, case_id), "subsidy.ended"
        )
        assert notice.language == "zh"
        assert "第7至12个月" in str(notice.payload["params"])
        async with sessionmaker() as session:
            [entry] = (
                await session.execute(
                    select(AuditEntry).where(
                        AuditEntry.action == "subsidy.lapsed",
                        AuditEntry.object_id == enrolment["id"],
                    )
                )
            ).scalars()
        assert entry.detail["conditions"] == ["employed_in_changning_months_7_to_12"]

    async def test_returnee_back_11_months_when_applying_is_paid_in_month_12(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        today = local_date(utcnow())
        user, case_id = await approved_returnee(client, sessionmaker, add_months(today, -11))
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155667700", date(2035, 1, 1)
        )
        start = date.fromisoformat(enrolment["starts_on"])
        maker = await staff(client, sessionmaker, "changning", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "changning", ["finance_checker"], "finance")
        for i in range(12):
            rows = await run_cycle(
                client, maker, checker, add_months(start, i), "6222020200155667700"
            )
            assert len(rows) == 1, i
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()[0]
        assert mine["months_paid"] == 12 and mine["total_paid_cny"] == 45000
        assert mine["status"] == "active"
        # Each payment records what was re-checked before it: from month 7 the Changning job.
        async with sessionmaker() as session:
            details = {
                e.month_index: e.detail
                for e in (
                    await session.execute(
                        select(Entitlement).where(
                            Entitlement.enrolment_id == uuid.UUID(enrolment["id"])
                        )
                    )
                ).scalars()
            }
        assert details[0]["checked"] == ["no_home_in_shanghai"]
        assert details[6]["checked"] == [
            "no_home_in_shanghai",
            "employed_in_changning_months_7_to_12",
        ]
        assert details[11]["policy_version"] == "2022-02-25"
        await run_cycle(client, maker, checker, add_months(start, 12), "6222020200155667700")
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()[0]
        assert mine["status"] == "ended" and mine["status_reason"] == "schedule completed"

    async def test_a_social_insurance_answer_older_than_the_application_is_not_used(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155660008", date(2043, 1, 1)
        )
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            granted = await session.get(Application, case.application_id)
            assert granted is not None and granted.submitted_at is not None
            session.add(
                social_insurance_record(
                    case, "changning", granted.submitted_at - timedelta(days=30)
                )
            )
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "yangpu", ["finance_checker"], "finance")
        start = date.fromisoformat(enrolment["starts_on"])
        assert len(await run_cycle(client, maker, checker, start, "6222020200155660008")) == 1

    async def test_a_talent_apartment_lease_stops_the_rent_subsidy(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155660001", date(2036, 1, 1)
        )
        start = date.fromisoformat(enrolment["starts_on"])
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "yangpu", ["finance_checker"], "finance")
        assert len(await run_cycle(client, maker, checker, start, "6222020200155660001")) == 1
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            await _active_lease(session, case, start)
        assert (
            await run_cycle(client, maker, checker, add_months(start, 1), "6222020200155660001")
            == []
        )
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()[0]
        assert mine["status"] == "ended" and "no_other_housing_benefit" in mine["status_reason"]


class TestBatchFileSettings:
    def test_columns_come_from_the_environment_and_are_checked(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "TALENT_PAYMENT_BATCH_COLUMNS", "entitlement_id, payer_account,amount_cny"
        )
        assert Settings().payment_batch_columns == ("entitlement_id", "payer_account", "amount_cny")
        monkeypatch.setenv("TALENT_PAYMENT_BATCH_COLUMNS", "amount_cny,bank_account")
        with pytest.raises(ValidationError, match="entitlement_id"):
            Settings()
        monkeypatch.setenv("TALENT_PAYMENT_BATCH_COLUMNS", "entitlement_id,iban")
        with pytest.raises(ValidationError, match="unknown payment batch columns"):
            Settings()

    async def test_batch_file_has_the_configured_payer_and_columns(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155660002", date(2037, 1, 1)
        )
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "yangpu", ["finance_checker"], "finance")
        settings = get_settings()
        columns = (
            "payer_name",
            "payer_account",
            "bank_code",
            "entitlement_id",
            "account_name",
            "bank_account",
            "amount_cny",
            "currency",
        )
        monkeypatch.setattr(settings, "payment_batch_columns", columns)
        monkeypatch.setattr(settings, "payment_batch_payer_name", "杨浦区人才专项资金")
        monkeypatch.setattr(settings, "payment_batch_bank_code", "ICBKCNBJ")
        r = await client.post("/api/v1/finance/cycles", headers=maker, json={"month": "2037-01-01"})
        cycle = r.json()["id"]
        await client.post(f"/api/v1/finance/cycles/{cycle}/review", headers=maker)
        await client.post(f"/api/v1/finance/cycles/{cycle}/approve", headers=checker)
        url = f"/api/v1/finance/cycles/{cycle}/batch.csv"
        # The paying account is asked for but not set up: no file, and a clear reason.
        r = await client.get(url, headers=maker)
        assert r.status_code == 409 and "TALENT_PAYMENT_BATCH_" in r.text
        monkeypatch.setattr(settings, "payment_batch_payer_account", "31001234567890123")
        r = await client.get(url, headers=maker)
        assert r.status_code == 200
        reader = csv.DictReader(io.StringIO(r.text))
        assert tuple(reader.fieldnames or ()) == columns
        [row] = [x for x in reader if x["bank_account"] == "6222020200155660002"]
        assert row["payer_name"] == "杨浦区人才专项资金"
        assert row["payer_account"] == "31001234567890123"
        assert row["bank_code"] == "ICBKCNBJ" and row["currency"] == "CNY"
        assert row["account_name"] == "王*明"
        assert row["amount_cny"] == str(enrolment["schedule"][0])


async def _set_enrolment(
    sm: async_sessionmaker[AsyncSession], enrolment_id: str, **values: Any
) -> None:
    async with sm() as session, session.begin():
        await session.execute(
            update(Enrolment).where(Enrolment.id == uuid.UUID(enrolment_id)).values(**values)
        )


class TestCaps:
    async def test_total_cap_counts_unsettled_payments_and_ends_the_enrolment(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155660003", date(2038, 1, 1)
        )
        await _set_enrolment(
            sessionmaker, enrolment["id"], schedule=[4000] * 6, cap_total_cny=10000
        )
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        start = date(2038, 1, 1)
        # Three cycles computed before any is paid: the cap counts what is still due.
        for i in range(4):
            r = await client.post(
                "/api/v1/finance/cycles",
                headers=maker,
                json={"month": add_months(start, i).isoformat()},
            )
            assert r.status_code == 201
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()  # type: ignore[attr-defined]
        [row] = [e for e in mine if e["id"] == enrolment["id"]]
        assert [p["amount_cny"] for p in row["payments"]] == [4000, 4000, 2000]
        # Unsettled payments keep it open; it ends once nothing more can be paid.
        assert row["status"] == "active"

    async def test_months_cap_and_a_failed_last_payment_is_still_carried(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155660004", date(2039, 1, 1)
        )
        await _set_enrolment(sessionmaker, enrolment["id"], schedule=[900, 900], cap_total_cny=1800)
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "yangpu", ["finance_checker"], "finance")
        start = date(2039, 1, 1)
        assert len(await run_cycle(client, maker, checker, start, "6222020200155660004")) == 1
        # The bank cannot pay the last month: the month after the schedule carries it.
        [last] = await run_cycle(
            client, maker, checker, add_months(start, 1), "6222020200155660004", fail=True
        )
        carried = await run_cycle(
            client, maker, checker, add_months(start, 2), "6222020200155660004"
        )
        assert [r["amount_cny"] for r in carried] == ["900"]
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()  # type: ignore[attr-defined]
        [row] = [e for e in mine if e["id"] == enrolment["id"]]
        assert row["status"] == "active" and row["total_paid_cny"] == 1800
        assert (
            await run_cycle(client, maker, checker, add_months(start, 3), "6222020200155660004")
            == []
        )
        mine = (await client.get("/api/v1/my/subsidies", headers=user.headers)).json()  # type: ignore[attr-defined]
        [row] = [e for e in mine if e["id"] == enrolment["id"]]
        assert row["status"] == "ended" and row["status_reason"] == "schedule completed"
        assert row["months_paid"] == 2 and len(row["payments"]) == 3


class TestNoticesInTheBeneficiarysLanguage:
    @pytest.mark.parametrize("language", ["zh", "en"])
    async def test_suspension_and_termination_notices(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        language: str,
    ) -> None:
        user, case_id = await approved_subsidy(client, sessionmaker)
        enrolment = await enrol(
            client, sessionmaker, user, case_id, "6222020200155660005", date(2040, 1, 1)
        )
        user_id = await beneficiary_user_id(sessionmaker, case_id)
        async with sessionmaker() as session, session.begin():
            await session.execute(update(User).where(User.id == user_id).values(language=language))
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        url = f"/api/v1/finance/enrolments/{enrolment['id']}"
        r = await client.post(f"{url}/suspend", headers=maker, json={"reason": "核查社保缴纳情况"})
        assert r.status_code == 200
        r = await client.post(f"{url}/terminate", headers=maker, json={"reason": "已购房"})
        assert r.status_code == 200 and r.json()["status"] == "ended"
        expected = {
            "zh": ("补贴暂停发放", "补贴停发"),
            "en": ("Subsidy suspended", "Subsidy ended"),
        }[language]
        for template, subject in zip(("subsidy.suspended", "subsidy.ended"), expected, strict=True):
            [notice] = await outbox(sessionmaker, user_id, template)
            assert notice.language == language
            rendered = render(template, notice.language, notice.payload["params"])  # type: ignore[arg-type]
            assert rendered.subject.startswith(subject), rendered.subject
            service = "人才租房补贴" if language == "zh" else "Rent subsidy for talent"
            assert service in rendered.body


class TestDashboardBudget:
    async def test_paid_against_budget_chart_assumed_until_set(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from tests.integration.test_audit import page_login

        user, case_id = await approved_subsidy(client, sessionmaker)
        await enrol(client, sessionmaker, user, case_id, "6222020200155660006", date(2041, 1, 1))
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "yangpu", ["finance_checker"], "finance")
        [paid] = await run_cycle(client, maker, checker, date(2041, 1, 1), "6222020200155660006")
        client.cookies.clear()
        viewer = await f.create_staff(
            sessionmaker, district="yangpu", roles=["finance_maker"], department="finance"
        )
        await page_login(client, viewer)
        page = (await client.get("/staff/housing/dashboard")).text
        chart = page[page.index('aria-labelledby="paid-chart-title paid-chart-desc"') :]
        chart = chart[: chart.index("</svg>")]
        assert "2041-01" in chart and "2000000" in chart
        assert 'id="paid-chart-desc"' in chart  # the text alternative
        assert "（假设）" in chart or "(assumed)" in chart
        csv_text = (await client.get("/staff/housing/dashboard.csv")).text
        assert "monthly_budget_cny_assumed,2000000" in csv_text

        monkeypatch.setattr(get_settings(), "subsidy_monthly_budget_yangpu_cny", 1500)
        page = (await client.get("/staff/housing/dashboard")).text
        chart = page[page.index('aria-labelledby="paid-chart-title paid-chart-desc"') :]
        chart = chart[: chart.index("</svg>")]
        assert "1500" in chart and "assumed" not in chart and "假设" not in chart
        if int(paid["amount_cny"]) > 1500:
            assert "over budget" in chart or "超出预算" in chart
        csv_text = (await client.get("/staff/housing/dashboard.csv")).text
        assert "monthly_budget_cny,1500" in csv_text


class TestConcurrentGeneration:
    @pytest.mark.shared_db(reason="two cycle generations at once race in transactions of their own")
    async def test_two_concurrent_generations_make_one_cycle(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Both callers find no cycle and insert one; the database's unique (district, month)
        refuses the second, which then returns the first's cycle instead of an error."""
        user, case_id = await approved_subsidy(client, sessionmaker)
        await enrol(client, sessionmaker, user, case_id, "6222020200155660007", date(2042, 1, 1))
        maker = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        other = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        body = {"month": "2042-01-01"}
        first, second = await asyncio.gather(
            client.post("/api/v1/finance/cycles", headers=maker, json=body),
            client.post("/api/v1/finance/cycles", headers=other, json=body),
        )
        assert first.status_code == second.status_code == 201, (first.text, second.text)
        assert first.json() == second.json()
        async with sessionmaker() as session:
            cycles = (
                await session.execute(
                    select(PaymentCycle).where(
                        PaymentCycle.district == "yangpu", PaymentCycle.month == date(2042, 1, 1)
                    )
                )
            ).scalars()
            [cycle] = list(cycles)
            entitlements = (
                await session.execute(select(Entitlement).where(Entitlement.cycle_id == cycle.id))
            ).scalars()
            assert len(list(entitlements)) == first.json()["entitlements"] >= 1
