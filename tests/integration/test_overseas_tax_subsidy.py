"""境外人才个税差额补贴 (issue 18, point 5): an overseas person claims a past tax year; the rules
compute the tax paid above 15% of taxable income; the approval explains the computation in both
languages and becomes one payable grant, paid by finance's maker and checker. A PRC citizen is
refused at the form; impossible figures, a year not ended and a second claim for a year are
refused at submission; a claim rejected frees its year."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Case
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import new_draft, service_id, staff, upload
from tests.integration.test_issued_documents import _text as pdf_text
from tests.integration.test_one_off_payments import (
    compute,
    give_account,
    grant_of,
    next_month,
    pay,
)
from tests.integration.test_one_off_payments import (
    decide as one_off_decide,
)

pytestmark = pytest.mark.usefixtures("isolated_db")

SERVICE = "overseas_tax_subsidy"


def figures(**overrides: Any) -> dict[str, Any]:
    """A 2025 year with 250,000 yuan tax on 1,000,000 taxable: 100,000 above the 15%."""
    return {
        "tax_year": f.local_today().year - 1,
        "tax_year_income_cny": 1_200_000,
        "taxable_income_cny": 1_000_000,
        "income_tax_paid_cny": 250_000,
        **overrides,
    }


async def fill(
    client: httpx.AsyncClient, user: f.ApiUser, draft_id: str, answers: dict[str, Any]
) -> None:
    r = await client.patch(
        f"/api/v1/applications/{draft_id}",
        headers=user.headers,
        json={
            "answers": answers,
            "documents": {
                "id_document": await upload(client, user, "passport"),
                "tax_payment_record": await upload(client, user, "tax_payment_record"),
            },
        },
    )
    assert r.status_code == 200, r.text


async def submit(client: httpx.AsyncClient, user: f.ApiUser, draft_id: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/applications/{draft_id}/submit",
        headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )


async def claim(
    client: httpx.AsyncClient, user: f.ApiUser | None = None, **overrides: Any
) -> tuple[f.ApiUser, httpx.Response]:
    if user is None:
        user, draft = await new_draft(
            client, "changning", SERVICE, f.overseas_payload(language="en")
        )
    else:
        sid = await service_id(client, "changning", SERVICE)
        draft = (
            await client.post(
                "/api/v1/applications", json={"service_id": sid}, headers=user.headers
            )
        ).json()
    await fill(client, user, draft["id"], figures(**overrides))
    return user, await submit(client, user, draft["id"])


async def decide(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    case_id: str,
    final: str = "approve",
    **extra: Any,
) -> httpx.Response:
    """Accepted by Changning's window, reviewed and decided by its talent office."""
    return await one_off_decide(
        client,
        sm,
        case_id,
        district="changning",
        department="talent_office",
        decision=final,
        **extra,
    )


class TestTaxDifferenceSubsidy:
    async def test_an_approved_claim_explains_its_computation_and_is_paid_by_finance(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, r = await claim(client)
        assert r.status_code == 201, r.text
        case = r.json()["case"]
        case_id = case["id"]
        r = await decide(client, sessionmaker, case_id)
        assert r.status_code == 200, r.text
        assert r.json()["one_off"]["decided_amount_cny"] == 100_000
        assert r.json()["one_off"]["grant"]["status"] == "awaiting_account"
        # The person reads how the amount was worked out, in English and in Chinese.
        mine = await client.get(
            f"/api/v1/cases/{case_id}", headers={**user.headers, "Accept-Language": "en"}
        )
        assert mine.status_code == 200, mine.text
        basis = " ".join(mine.json()["outcome"]["basis"])
        assert "CNY 250,000" in basis and "CNY 150,000" in basis and "CNY 100,000" in basis
        zh = await client.get(
            f"/api/v1/cases/{case_id}", headers={**user.headers, "Accept-Language": "zh"}
        )
        assert "差额100,000元" in " ".join(zh.json()["outcome"]["basis"])

        # The written decision tells the computation in Chinese and, for this reader, English.
        mine = mine.json()
        [decision] = mine["issued_documents"]
        assert decision["languages"] == ["zh", "en"]
        pdf = await client.get(
            f"/api/v1/cases/{case_id}/issued-documents/{decision['id']}/pdf",
            headers=user.headers,
        )
        assert pdf.status_code == 200, pdf.text
        text = pdf_text(pdf.content)
        for expected in (
            "金额计算方法",
            "高于应纳税所得额1,000,000元×0.15＝150,000元，差额100,000元",
            "Howtheamountwasworkedout",
            "CNY1,000,000×0.15=CNY150,000;differenceCNY100,000",
        ):
            assert expected in text, expected

        await give_account(client, user, case_id)
        maker = await staff(client, sessionmaker, "changning", ["finance_maker"], "finance")
        checker = await staff(client, sessionmaker, "changning", ["finance_checker"], "finance")
        cycle = await compute(client, maker, next_month())
        assert cycle["one_off"] >= 1
        rows = await pay(client, maker, checker, cycle)
        assert any(row["amount_cny"] in ("100000", "100000.00") for row in rows), rows
        grant = await grant_of(sessionmaker, case_id)
        assert grant.status == "paid" and grant.amount_cny == 100_000

    async def test_a_prc_citizen_is_refused_at_the_form(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload(language="en"))
        sid = await service_id(client, "changning", SERVICE)
        r = await client.post(
            "/api/v1/applications",
            json={"service_id": sid},
            headers={**user.headers, "Accept-Language": "en"},
        )
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "tax_subsidy_not_for_citizens"
        assert "PRC citizens cannot claim it" in r.json()["detail"]
        zh = await client.post(
            "/api/v1/applications",
            json={"service_id": sid},
            headers={**user.headers, "Accept-Language": "zh"},
        )
        assert "中国公民" in zh.json()["detail"]

    async def test_a_hong_kong_resident_may_claim(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(
            client, "changning", SERVICE, f.overseas_payload(nationality="HK")
        )
        assert "id" in draft, draft

    async def test_figures_that_cannot_be_true_and_a_year_not_ended_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        this_year = f.local_today().year
        user, r = await claim(
            client,
            tax_year=this_year,
            taxable_income_cny=1_300_000,
            income_tax_paid_cny=600_000,
        )
        assert r.status_code == 422, r.text
        fields = {e["field"]: e["code"] for e in r.json()["errors"]}
        assert fields == {
            "tax_year": "tax_year_not_ended",
            "taxable_income_cny": "taxable_above_income",
            "income_tax_paid_cny": "tax_above_top_rate",
        }
        # Negative amounts never reach submission: the vocabulary's bounds refuse them.
        _, draft = await new_draft(client, "changning", SERVICE, f.overseas_payload())
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": {"income_tax_paid_cny": -1}},
        )
        assert r.status_code in (404, 422)

    async def test_one_claim_per_person_and_tax_year_and_a_rejection_frees_the_year(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, first = await claim(client)
        assert first.status_code == 201, first.text
        number = first.json()["case"]["number"]
        _, second = await claim(client, user)
        assert second.status_code == 409, second.text
        assert second.json()["code"] == "tax_year_already_claimed"
        assert number in second.json()["detail"]
        # Another year is a claim of its own.
        _, other = await claim(client, user, tax_year=f.local_today().year - 2)
        assert other.status_code == 201, other.text
        # Rejected, the year may be claimed again.
        r = await decide(
            client,
            sessionmaker,
            first.json()["case"]["id"],
            "reject",
            reason="The tax record does not show the tax paid.",
            clause="补贴标准 / amount",
        )
        assert r.status_code == 200, r.text
        _, again = await claim(client, user)
        assert again.status_code == 201, again.text

    async def test_no_difference_is_refused_with_its_computation(
        self, client: httpx.AsyncClient
    ) -> None:
        _, r = await claim(client, income_tax_paid_cny=150_000)
        assert r.status_code == 201, r.text
        eligibility = r.json()["case"].get("eligibility") or r.json().get("eligibility")
        assert eligibility is not None and eligibility["status"] == "ineligible"
        unmet = [c["message"] for c in eligibility["criteria"] if c["result"] == "false"]
        assert any("差额0元：" in m and "差额至少1元方可补贴" in m for m in unmet), unmet

    async def test_a_difference_below_one_yuan_is_refused_and_approved_for_no_amount(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        # 50,000 paid on 333,333 taxable is 0.05 yuan above 15%: nothing in whole yuan.
        user, r = await claim(
            client,
            tax_year_income_cny=400_000,
            taxable_income_cny=333_333,
            income_tax_paid_cny=50_000,
        )
        assert r.status_code == 201, r.text
        case_id = r.json()["case"]["id"]
        for lang, expected in (
            (
                "en",
                "CNY 49,999.95; difference CNY 0.05: the subsidy is paid in whole yuan and "
                "needs a difference of at least CNY 1",
            ),
            ("zh", "49,999.95元，差额0.05元：补贴按整元发放，差额至少1元方可补贴"),
        ):
            mine = await client.get(
                f"/api/v1/cases/{case_id}", headers={**user.headers, "Accept-Language": lang}
            )
            eligibility = mine.json()["eligibility"]
            assert eligibility["status"] == "ineligible"
            unmet = [c["message"] for c in eligibility["criteria"] if c["result"] == "false"]
            assert any(expected in m for m in unmet), unmet
        # The rules give nothing, so the approver cannot approve any amount for payment.
        r = await decide(client, sessionmaker, case_id, amount_cny=999)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "rules_give_nothing"

    async def test_an_amount_of_zero_from_the_rules_is_a_ceiling_not_no_ceiling(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        # A claim decided by the rules for 0 (as the version before the whole-yuan minimum did
        # for 0.05 yuan): the approver may not enter an amount of their own.
        _, r = await claim(client)
        case_id = r.json()["case"]["id"]
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None and case.eligibility_result is not None
            outputs = dict(case.eligibility_result["outputs"])  # type: ignore[call-overload]
            case.eligibility_result = {
                **case.eligibility_result,
                "outputs": {**outputs, "amount_cny": 0},
            }
            await session.commit()
        r = await decide(client, sessionmaker, case_id, amount_cny=5000)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "rules_give_nothing"
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None and case.decided_amount_cny is None
        # The approver's page says so instead of inviting an amount of their own.
        approver = await f.create_staff(
            sessionmaker, district="changning", roles=["approver"], department="talent_office"
        )
        client.cookies.clear()
        await page_login(client, approver)
        await client.get("/lang/en")
        page = await client.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200, page.text
        assert "The rules give 0 yuan: this case cannot be approved for payment." in page.text
        assert "The policy gives no amount" not in page.text
