"""Two requests at once on the real server and PostgreSQL, each on a connection of its own:
double approval of a case, double approval of a payment cycle, double acceptance of a housing
offer. Exactly one wins; the other is refused (409) or changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.faults.conftest import Process, report
from tests.faults.test_kill9 import ready_draft, rows, submit
from tests.integration.test_cases_api import act, staff
from tests.integration.test_housing import HEADER, housing_staff, project, waiting_applicants
from tests.integration.test_subsidies import approve, enrol

pytestmark = pytest.mark.timeout(120)


async def at_once(base: str, n: int, method: str, url: str, **kw: Any) -> list[httpx.Response]:
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(n)]
    try:
        return list(await asyncio.gather(*[c.request(method, url, **kw) for c in clients]))
    finally:
        for c in clients:
            await c.aclose()


def audit_count(database_url: str, action: str, object_id: str) -> int:
    return int(
        rows(
            database_url,
            "SELECT count(*) FROM audit_entry WHERE action = %s AND object_id = %s",
            action,
            object_id,
        )[0][0]
    )


async def test_double_approval_of_a_case(
    portal: tuple[Process, str],
    database_url: str,
    http: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, base = portal
    user, draft = await ready_draft(http)
    case = (await submit(base, user, draft, uuid.uuid4().hex)).json()["case"]  # type: ignore[union-attr]
    clerk = await staff(http, sessionmaker, "changning", ["window_clerk"], "service_center")
    # The rent subsidy is the housing department's (department scope, item 1).
    reviewer = await staff(http, sessionmaker, "changning", ["reviewer"], "housing")
    approver = await staff(http, sessionmaker, "changning", ["approver"], "housing")
    r = await act(http, clerk, case["id"], 1, "accept")
    r = await act(http, reviewer, case["id"], r.json()["version"], "start_review")
    version = r.json()["version"]
    results = await at_once(
        base,
        2,
        "POST",
        f"/api/v1/staff/cases/{case['id']}/actions",
        headers=approver,
        json={"action": "approve", "expected_version": version},
    )
    codes = sorted(r.status_code for r in results)
    events = rows(
        database_url,
        "SELECT count(*) FROM case_event WHERE case_id = %s::uuid AND to_status = 'approved'",
        case["id"],
    )[0][0]
    assert codes == [200, 409], [r.text for r in results]
    assert events == 1
    report("race: double approval of a case", answers=codes, approvals_stored=events)


async def test_double_payment_cycle_approval(
    portal: tuple[Process, str],
    database_url: str,
    http: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, base = portal
    month = date(2052, 5, 1)
    user, draft = await ready_draft(http)
    case = (await submit(base, user, draft, uuid.uuid4().hex)).json()["case"]  # type: ignore[union-attr]
    await approve(http, sessionmaker, "changning", case["id"])
    await enrol(http, sessionmaker, user, case["id"], "6222020200155669999", month)
    maker = await staff(http, sessionmaker, "changning", ["finance_maker"], "finance")
    checkers = [
        await staff(http, sessionmaker, "changning", ["finance_checker"], "finance")
        for _ in range(2)
    ]
    r = await http.post("/api/v1/finance/cycles", headers=maker, json={"month": str(month)})
    assert r.status_code == 201, r.text
    cycle = r.json()["id"]
    assert (await http.post(f"/api/v1/finance/cycles/{cycle}/review", headers=maker)).is_success
    url = f"{base}/api/v1/finance/cycles/{cycle}/approve"
    async with httpx.AsyncClient(timeout=30) as a, httpx.AsyncClient(timeout=30) as b:
        results = await asyncio.gather(
            a.post(url, headers=checkers[0]), b.post(url, headers=checkers[1])
        )
    codes = sorted(r.status_code for r in results)
    approvals = audit_count(database_url, "subsidy.cycle_approved", cycle)
    # Approving twice changes nothing, so both may answer 200; one approval is recorded.
    assert all(c in (200, 409) for c in codes), [r.text for r in results]
    assert approvals == 1
    report("race: double payment-cycle approval", answers=codes, approvals_recorded=approvals)


async def test_double_offer_acceptance(
    portal: tuple[Process, str],
    database_url: str,
    http: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, base = portal
    headers = await housing_staff(http, sessionmaker, "yangpu")
    pid = await project(http, headers)
    r = await http.post(
        f"/api/v1/housing/projects/{pid}/units/import",
        headers={**headers, "Content-Type": "text/csv"},
        content=HEADER + f"Z,{uuid.uuid4().hex[:6]},studio,25,3,4000,3500\n",
    )
    assert r.is_success, r.text
    [user] = await waiting_applicants(http, sessionmaker, 1, "yangpu")
    r = await http.post("/api/v1/housing/allocation-rounds", headers=headers, json={})
    assert r.status_code == 201, r.text
    mine = (await http.get("/api/v1/my/housing", headers=user.headers)).json()
    [offer] = [o for o in mine["offers"] if o["unit"]["project_id"] == pid]
    results = await at_once(
        base, 2, "POST", f"/api/v1/my/housing/offers/{offer['id']}/accept", headers=user.headers
    )
    codes = sorted(r.status_code for r in results)
    leases = rows(
        database_url, "SELECT count(*) FROM lease WHERE unit_id = %s::uuid", offer["unit"]["id"]
    )[0][0]
    assert codes == [201, 409], [r.text for r in results]
    assert leases == 1
    report("race: double offer acceptance", answers=codes, leases_stored=leases)
