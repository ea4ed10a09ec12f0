"""Route finding for talent hukou settlement."""

from __future__ import annotations

import httpx

from tests import factories as f

RETURNEE = f.settlement_returnee_profile(
    return_date="2026-05-01",
    employment_start_date="2026-06-01",
    university_world_rank=30,
    social_insurance_months=6,
    talent_programs=[],
    professional_title="none",
    annual_salary_cny=200000,
    residence_permit_years=0,
    residence_permit_social_insurance_years=0,
    skill_level=0,
    pays_income_tax_in_shanghai=True,
    hukou="other",
    contract_start_date="2026-06-01",
    contract_end_date="2029-06-01",
    university_cn_tier="other",
)


class TestRoutes:
    async def test_a_top_50_returnee_is_routed_to_returnee_settlement(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.post(
            "/api/v1/settlement/routes",
            json={"facts": RETURNEE, "as_of": "2026-11-22"},
            headers={"Accept-Language": "en"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["recommended"] == "shanghai.returnee_settlement"
        returnee = next(
            x for x in body["routes"] if x["policy_id"] == "shanghai.returnee_settlement"
        )
        assert returnee["status"] == "eligible"
        assert returnee["outputs"]["route"]  # the band this applicant settles under
        assert [x["policy_id"] for x in body["routes"]] == [
            "shanghai.talent_introduction",
            "shanghai.returnee_settlement",
            "shanghai.graduate_settlement",
            "shanghai.residence_to_hukou",
        ]
        # Every route that is closed says why.
        for route in body["routes"]:
            if route["status"] == "ineligible":
                assert any(c["result"] == "false" for c in route["criteria"])

    async def test_bad_facts_are_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/v1/settlement/routes", json={"facts": {"return_date": "soon"}})
        assert r.status_code == 422
