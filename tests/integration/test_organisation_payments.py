"""Every organisation service that pays (issue 15): filed by a verified organisation, decided,
paid through the district's finance run into the organisation's account, reconciled, and never
paid twice, however often the run is computed."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration.test_one_off_payments import compute, grant_of, lines_of, pay
from tests.integration.test_organisation_claims import (
    SM,
    decide,
    exam_line,
    file,
    organisation,
    settled_person,
    staff,
)

# Each test's runs pay every due line of its district: rolled back, so no other test's
# enrolments are paid by them.
pytestmark = pytest.mark.usefixtures("isolated_db")

ACCOUNT = "31050161393600000077"


async def filed(
    client: httpx.AsyncClient, sm: SM, district: str, code: str, org: dict[str, str]
) -> dict[str, Any]:
    """The organisation's approved case of ``code``."""
    if code == "employer_exam_fee_claim":
        r = await file(client, org, service_code=code, lines=[exam_line()])
    elif code == "recruitment_reward":
        placed = await settled_person(client, sm, district)
        r = await file(
            client, org, service_code=code, lines=[{"id_number": placed, "name": "人才"}]
        )
    elif code == "internship_subsidy_claim":
        base = await file(client, org, service_code="youth_internship_base", plan="基地方案")
        assert base.status_code == 201, base.text
        await decide(client, sm, base.json())
        month = f.local_today().strftime("%Y-%m")
        interns = [{"id_number": f.resident_id(), "name": "实习生"}]
        r = await file(client, org, service_code=code, month=month, lines=interns)
    else:
        r = await file(client, org, service_code=code, plan="三年计划 / three-year plan")
    assert r.status_code == 201, r.text
    decided = await decide(client, sm, r.json())
    assert decided["status"] == "approved"
    return decided


@pytest.mark.parametrize(
    ("district", "code", "month"),
    [
        ("yangpu", "employer_exam_fee_claim", date(2031, 1, 1)),
        ("yangpu", "chief_technician_studio", date(2032, 1, 1)),
        ("changning", "chief_technician_studio", date(2033, 1, 1)),
        ("changning", "youth_internship_base", date(2034, 1, 1)),
        ("changning", "internship_subsidy_claim", date(2035, 1, 1)),
        ("yangpu", "recruitment_reward", date(2036, 1, 1)),
        ("changning", "recruitment_reward", date(2037, 1, 1)),
        ("yangpu", "postdoc_workstation", date(2038, 1, 1)),
        ("changning", "postdoc_workstation", date(2039, 1, 1)),
    ],
)
async def test_an_organisation_service_is_decided_paid_and_reconciled_once(
    client: httpx.AsyncClient, sessionmaker: SM, district: str, code: str, month: date
) -> None:
    org = await organisation(client, sessionmaker, district, f"付款测试单位{month.year}")
    case = await filed(client, sessionmaker, district, code, org)
    if case["decided_amount_cny"] is None:
        # A designation (the internship base) decides status, not money: nothing to pay.
        assert code == "youth_internship_base"
        return
    grant = await grant_of(sessionmaker, case["id"])
    assert grant.amount_cny == case["decided_amount_cny"] and grant.applicant_id is None
    r = await client.put(
        "/api/v1/employer/bank-account",
        headers=org,
        json={"account_name": f"付款测试单位{month.year}", "bank_account": ACCOUNT},
    )
    assert r.status_code == 200, r.text
    maker = await staff(client, sessionmaker, district, ["finance_maker"], "finance")
    checker = await staff(client, sessionmaker, district, ["finance_checker"], "finance")
    cycle = await compute(client, maker, month)
    rows = await pay(client, maker, checker, cycle)
    [line] = await lines_of(sessionmaker, grant.id)
    [row] = [r for r in rows if r["entitlement_id"] == str(line.id)]
    assert row["bank_account"] == ACCOUNT and int(row["amount_cny"]) == grant.amount_cny
    assert (await grant_of(sessionmaker, case["id"])).status == "paid"
    # The next month's run finds nothing more to pay for this decision (each case of this test
    # has a year of its own, so no other case's run is met).
    later = await compute(client, maker, date(month.year, month.month + 1, 1))
    assert all(
        r["entitlement_id"] != str(line.id) for r in await pay(client, maker, checker, later)
    )
    assert [ln.status for ln in await lines_of(sessionmaker, grant.id)] == ["paid"]
    space = (await client.get("/api/v1/employer/workspace", headers=org)).json()
    assert [p["status"] for p in space["payments"]] == ["paid"]


async def test_a_batch_claim_is_approved_for_what_its_lines_add_up_to(
    client: httpx.AsyncClient, sessionmaker: SM
) -> None:
    """A recruitment reward for two people: the rules' amount is one person's, the claim's
    ceiling is what its checked lines add up to (filed as the case's amount)."""
    org = await organisation(client, sessionmaker, "yangpu", "两人奖励测试单位")
    placed = [await settled_person(client, sessionmaker, "yangpu") for _ in range(2)]
    r = await file(
        client,
        org,
        service_code="recruitment_reward",
        lines=[{"id_number": p, "name": "人才"} for p in placed],
    )
    assert r.status_code == 201, r.text
    filed_total = r.json()["decided_amount_cny"]
    unit = r.json()["eligibility"]["outputs"]["amount_cny"]
    assert filed_total == 2 * unit
    # The approver's page offers the claim's total, not one person's reward.
    officer = await staff(client, sessionmaker, "yangpu", ["approver"], str(r.json()["department"]))
    view = await client.get(f"/api/v1/staff/cases/{r.json()['id']}", headers=officer)
    assert view.status_code == 200, view.text
    assert view.json()["one_off"]["rules_amount_cny"] == filed_total
    decided = await decide(client, sessionmaker, r.json())
    assert decided["status"] == "approved"
    assert decided["decided_amount_cny"] == filed_total
