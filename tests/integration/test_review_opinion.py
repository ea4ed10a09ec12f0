"""Issue 21 item 4: the reviewer records an opinion (审核意见) with reasons and a clause of the
policy; the approver reads it on the case; the reviewer still cannot decide (四眼原则); the
applicant is neither told nor shown the department's internal opinion."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import act, staff, submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")


async def _in_review(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[object, str, dict[str, str], dict[str, str], int]:
    user, result = await submitted_rent_case(client, district="yangpu")
    case_id = result["case"]["id"]
    clerk = await staff(client, sm, "yangpu", ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, "yangpu", ["reviewer", "approver"], "housing")
    r = await act(client, clerk, case_id, 1, "accept")
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    assert r.status_code == 200, r.text
    return user, case_id, reviewer, r.json(), r.json()["version"]


class TestReviewOpinion:
    async def test_a_recommended_rejection_reaches_the_approver_with_its_clause(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, reviewer, view, version = await _in_review(client, sessionmaker)
        assert {"recommend_approval", "recommend_rejection"} <= set(view["allowed_actions"])
        clause = view["clauses"][0]
        r = await act(
            client,
            reviewer,
            case_id,
            version,
            "recommend_rejection",
            reason="本区社保缴纳不足",
            clause=clause,
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "in_review"
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], "housing")
        seen = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=approver)).json()
        assert seen["opinion"]["recommendation"] == "reject"
        assert seen["opinion"]["reason"] == "本区社保缴纳不足"
        assert seen["opinion"]["clause"] == clause
        # Four eyes: whoever gave the opinion reviewed the case and may not decide it.
        refused = await act(
            client, reviewer, case_id, seen["version"], "reject", reason="x", clause=clause
        )
        assert refused.status_code == 403, refused.text
        decided = await act(
            client, approver, case_id, seen["version"], "reject", reason="不符", clause=clause
        )
        assert decided.status_code == 200, decided.text
        # The applicant's case shows the decision, never the internal opinion.
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()  # type: ignore[attr-defined]
        assert "recommend_rejection" not in {t["action"] for t in mine["timeline"]}
        assert mine.get("opinion") is None

    async def test_a_clause_not_of_the_policy_or_no_reason_is_refused_and_changes_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, reviewer, _view, version = await _in_review(client, sessionmaker)
        r = await act(
            client,
            reviewer,
            case_id,
            version,
            "recommend_rejection",
            reason="不符",
            clause="第九十九条",
        )
        assert r.status_code == 422, r.text
        r = await act(client, reviewer, case_id, version, "recommend_approval", reason=" ")
        assert r.status_code == 422, r.text
        seen = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=reviewer)).json()
        assert seen["version"] == version and seen["opinion"] is None

    async def test_the_approver_sees_the_opinion_on_the_case_page(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, reviewer, _view, version = await _in_review(client, sessionmaker)
        r = await act(
            client, reviewer, case_id, version, "recommend_approval", reason="材料齐全，符合条件"
        )
        assert r.status_code == 200, r.text
        approver = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="housing"
        )
        client.cookies.clear()
        await page_login(client, approver)
        page = await client.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200
        assert 'id="opinion"' in page.text
        assert "材料齐全，符合条件" in page.text
