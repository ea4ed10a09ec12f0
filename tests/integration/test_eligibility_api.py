"""The eligibility API: the issue's worked examples, validation, the policy library."""

from __future__ import annotations

import html
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")

AS_OF = date(2026, 11, 22)


def months_ago(n: int) -> str:
    return (AS_OF - timedelta(days=round(n * 30.44))).isoformat()


async def check(
    client: httpx.AsyncClient, facts: dict[str, object], policy: str, lang: str = "en"
) -> dict[str, object]:
    r = await client.post(
        "/api/v1/eligibility/check",
        json={"facts": facts, "policies": [policy], "as_of": AS_OF.isoformat()},
        headers={"Accept-Language": lang},
    )
    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    return result  # type: ignore[no-any-return]


class TestWorkedExamples:
    async def test_recent_returnee_gets_the_3_plus_3_schedule(
        self, client: httpx.AsyncClient
    ) -> None:
        result = await check(
            client,
            f.top_returnee_profile(return_date=months_ago(3)),
            "changning.returnee_apartment_subsidy",
        )
        assert result["status"] == "eligible"
        outputs = result["outputs"]
        # policy-facts.md §6 (S36-S38): a doctorate gets 4,000 x3 then 3,000 x3, and months 7-12
        # at the first-quarter rate when stably employed in Changning; at most 45,000 in all.
        assert outputs["monthly_schedule_cny"] == [4000] * 3 + [3000] * 3 + [4000] * 6  # type: ignore[index]
        # Only months 1-6 are certain; 45,000 is the "up to" total.
        assert outputs["total_cny"] == 21000  # type: ignore[index]
        assert outputs["max_total_cny"] == 45000  # type: ignore[index]
        assert result["receipt"]["policy_id"] == "changning.returnee_apartment_subsidy"  # type: ignore[index]

    async def test_returned_14_months_ago_is_outside_the_one_year_window(
        self, client: httpx.AsyncClient
    ) -> None:
        result = await check(
            client,
            f.top_returnee_profile(return_date=months_ago(14)),
            "changning.returnee_apartment_subsidy",
        )
        assert result["status"] == "ineligible"
        failing = [c for c in result["criteria"] if c["result"] == "false"]  # type: ignore[union-attr]
        assert [c["id"] for c in failing] == ["returned_within_one_year"]
        assert "回国不满一年" in failing[0]["clause"]["text_zh"]

    async def test_foreigner_with_88_points_is_class_a(self, client: httpx.AsyncClient) -> None:
        result = await check(
            client, {"work_permit_points": 88, "nationality": "DE"}, "national.foreign_work_permit"
        )
        assert result["status"] == "eligible"
        assert result["outputs"]["class"] == "A"  # type: ignore[index]

    async def test_six_years_residence_permit_is_one_year_short(
        self, client: httpx.AsyncClient
    ) -> None:
        facts = {
            "nationality": "CN",
            "hukou": "other",
            "residence_permit_years": 6,
            "residence_permit_social_insurance_years": 6,
            "professional_title": "intermediate",
            "social_insurance_base_multiple_36_of_48": 1.0,
            "pays_income_tax_in_shanghai": True,
            "skill_level": 0,
        }
        result = await check(client, facts, "shanghai.residence_to_hukou")
        assert result["status"] == "ineligible"
        hints = result["hints"]
        assert isinstance(hints, list) and hints, "a hint must say what would change the outcome"
        # The missing year is named, and the date it is reached if nothing else changes.
        assert any(h.get("fact") == "residence_permit_years" for h in hints)
        assert any(h.get("date") == "2027-11-22" for h in hints)

    async def test_missing_birth_date_is_unknown_and_named(self, client: httpx.AsyncClient) -> None:
        facts = {
            "highest_degree": "master",
            "professional_title": "none",
            "social_insurance_base_multiple": 1.0,
            "social_insurance_months": 24,
        }
        result = await check(client, facts, "shanghai.residence_points")
        assert result["status"] == "unknown"
        assert "birth_date" in result["missing_facts"]  # type: ignore[operator]


class TestValidation:
    async def test_unknown_and_ill_typed_facts_are_422_naming_them(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.post(
            "/api/v1/eligibility/check",
            json={"facts": {"shoe_size": 42, "birth_date": "yesterday"}},
            headers={"Accept-Language": "zh-CN"},
        )
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields == {"facts.shoe_size", "facts.birth_date"}
        assert all(e["message"] for e in r.json()["errors"])

    async def test_unknown_policy_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/api/v1/eligibility/check", json={"facts": {}, "policies": ["nowhere.nothing"]}
        )
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        [error] = r.json()["errors"]
        assert error["code"] == "unknown_policy"
        assert error["field"] == "policies.0"
        assert "nowhere.nothing" in error["message"]

    async def test_policy_not_in_force_on_the_date_is_422_naming_it(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {
            "facts": {},
            "policies": ["shanghai.graduate_settlement", "shanghai.returnee_settlement"],
            "as_of": "2019-01-01",
        }
        messages = {}
        for lang in ("zh-CN", "en"):
            r = await client.post(
                "/api/v1/eligibility/check", json=body, headers={"Accept-Language": lang}
            )
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            assert problem["code"] == "validation_failed"
            assert [(e["field"], e["code"]) for e in problem["errors"]] == [
                ("policies.0", "policy_not_in_force"),
                ("policies.1", "policy_not_in_force"),
            ]
            message = problem["errors"][1]["message"]
            assert "shanghai.returnee_settlement" in message
            assert "2019-01-01" in message
            messages[lang] = message
        assert messages["zh-CN"] != messages["en"]
        assert "有效" in messages["zh-CN"]


class TestLibrary:
    async def test_all_catalog_policies_are_listed(self, client: httpx.AsyncClient) -> None:
        from tests.unit.test_catalog import CATALOG_POLICIES

        r = await client.get("/api/v1/policies")
        assert {p["policy_id"] for p in r.json()} >= CATALOG_POLICIES

    async def test_policy_detail_shows_sourced_and_assumed_parameters(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/api/v1/policies/changning.rent_subsidy")
        assert r.status_code == 200
        params = r.json()["versions"][-1]["spec"]["parameters"]
        assert {p["status"] for p in params.values()} <= {"sourced", "assumed"}
        assert any(p["status"] == "assumed" for p in params.values())
        assert (await client.get("/api/v1/policies/nowhere.nothing")).status_code == 404

    async def test_policy_detail_is_in_the_request_language(
        self, client: httpx.AsyncClient
    ) -> None:
        url = "/api/v1/policies/changning.returnee_apartment_subsidy"
        zh = (await client.get(url, headers={"Accept-Language": "zh-CN"})).json()
        en = (await client.get(url, headers={"Accept-Language": "en"})).json()
        assert zh["title"] == "留学回国人员过渡期人才公寓租赁支持"
        assert en["title"] == "Transitional talent-apartment rent support for returnees"
        for data, lang in ((zh, "zh"), (en, "en")):
            spec = data["versions"][-1]["spec"]
            # ids, values and CEL stay as they are
            assert spec["parameters"]["total_cap"]["values"][0]["value"] == 45000
            assert spec["parameters"]["total_cap"]["status"] == "sourced"
            window = next(
                c for c in spec["conditions"]["all"] if c.get("id") == "returned_within_one_year"
            )
            assert window["expr"] == "months_since_return < params.return_window_months"
            assert window["clause"]["quote_zh"].startswith("回国不满一年")
            assert isinstance(window["messages"]["fail"], str)
            doc = spec["documents"][window["clause"]["document"]]
            assert isinstance(doc["title"], str)
            assert window["clause"]["document_title"] == doc["title"]
            if lang == "zh":
                assert window["clause"]["text"] == window["clause"]["quote_zh"]
                assert window["requirement"] == "回国后月数小于12个月"
                assert doc["title"].startswith("长宁区")
            else:
                assert "year" in window["clause"]["text"]
                assert window["requirement"] == "months since return less than 12 months"
                assert window["messages"]["fail"].startswith("Returned")
        both = (await client.get(url + "?lang=all")).json()
        spec = both["versions"][-1]["spec"]
        assert set(spec["title"]) == {"zh", "en"}
        window = next(
            c for c in spec["conditions"]["all"] if c.get("id") == "returned_within_one_year"
        )
        assert {"text_zh", "text_en"} <= set(window["clause"])

    async def test_assumed_version_is_marked_in_the_library_and_results(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get(
            "/api/v1/policies/shanghai.talent_introduction", headers={"Accept-Language": "en"}
        )
        earlier, later = r.json()["versions"]
        assert (earlier["spec"]["status"], later["spec"]["status"]) == ("sourced", "assumed")
        assert "30 Nov 2025" in later["spec"]["assumption"]["reason"]
        listed = (await client.get("/api/v1/policies")).json()
        statuses = {p["policy_id"]: p["version_status"] for p in listed}
        assert statuses["shanghai.talent_introduction"] == "assumed"
        assert statuses["national.foreign_work_permit"] == "sourced"
        page = await client.get("/policies?lang=en")
        row = page.text.split("/policies/shanghai.talent_introduction", 1)[1].split("</tr>")[0]
        assert 'class="tag assumed"' in row
        result = await check(client, {}, "shanghai.talent_introduction")
        assert result["version_status"] == "assumed"
        assert result["receipt"]["version_status"] == "assumed"  # type: ignore[index]
        assert "30 Nov 2025" in result["version_assumption"]  # type: ignore[operator]


class TestCalculatorPage:
    """The calculator's answers travel in hidden fields; a changed one is refused, not a crash."""

    async def _form(self, client: httpx.AsyncClient, known: str) -> dict[str, object]:
        from tests.integration.test_sessions_and_pages import _csrf

        page = await client.get("/calculator", headers={"Accept-Language": "en"})
        return {
            "csrf_token": _csrf(page.text),
            "known": known,
            "asked": ["highest_degree"],
            "highest_degree": "doctorate",
        }

    @pytest.mark.parametrize(
        ("known", "named"),
        [
            ('{"birth_date": "yesterday"}', "birth_date"),
            ('{"shoe_size": 42}', "shoe_size"),
            ('{"age": 30}', "age"),
            ("[1, 2]", None),
            ("{not json", None),
        ],
    )
    async def test_tampered_known_answers_show_the_error_summary(
        self, client: httpx.AsyncClient, known: str, named: str | None
    ) -> None:
        form = await self._form(client, known)
        r = await client.post("/calculator", data=form, headers={"Accept-Language": "en"})
        assert r.status_code == 422
        assert "text/html" in r.headers["content-type"]
        assert "error-summary" in r.text
        assert "Start the calculator again" in r.text
        if named:
            assert named in r.text

    async def test_results_name_what_they_grant_and_the_answers_given(
        self, client: httpx.AsyncClient
    ) -> None:
        """Outputs by label with codes named (class A, not ``class: A``); answers by name."""
        form = await self._form(client, '{"nationality": "DE", "work_permit_points": 88}')
        r = await client.post("/calculator", data=form, headers={"Accept-Language": "en"})
        assert r.status_code == 200, r.text
        text = html.unescape(r.text)
        assert "class: A (foreign high-end talent)" in text and "points: 88" in text
        assert "class: A;" not in text and "class: A<" not in text
        assert "<dd>Germany</dd>" in text and "<dd>DE</dd>" not in text
        # An answer standing alone in the summary reads in sentence case.
        assert "<dd>Doctorate</dd>" in text and "<dd>doctorate</dd>" not in text

    async def test_a_country_is_chosen_by_name(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/calculator", headers={"Accept-Language": "en"})
        text = html.unescape(page.text)
        assert '<select class="select" id="nationality" name="nationality"' in text
        assert '<option value="CN">China</option>' in text
        assert '<option value="HK">Hong Kong, China</option>' in text
        assert '<option value="DE">Germany</option>' in text
        assert "ISO 3166" not in text and '<option value="001">' not in text

    async def test_tampered_question_names_are_not_asked(self, client: httpx.AsyncClient) -> None:
        form = await self._form(client, "{}")
        form["asked"] = ["shoe_size", "highest_degree"]
        form["highest_degree"] = "wizard"
        r = await client.post("/calculator", data=form, headers={"Accept-Language": "en"})
        assert r.status_code == 422
        assert 'name="asked" value="highest_degree"' in r.text
        assert 'name="asked" value="shoe_size"' not in r.text

    async def test_stale_saved_facts_are_left_out_with_a_notice(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.models.accounts import Applicant, User
        from tests.integration.test_sessions_and_pages import _sign_up_via_pages

        payload = f.domestic_payload()
        await _sign_up_via_pages(client, payload)
        async with sessionmaker() as session, session.begin():
            user = (
                await session.execute(select(User).filter_by(email=payload["email"]))
            ).scalar_one()
            applicant = (
                await session.execute(select(Applicant).filter_by(user_id=user.id))
            ).scalar_one()
            applicant.profile_facts = {
                "birth_date": "1994-04-01",
                "highest_degree": "wizard",
                "retired_fact": True,
            }
        page = await client.get("/calculator", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "不再适用" in page.text  # a signed-in applicant reads their own language
        assert "1994-04-01" in page.text  # the valid saved answer is still used
        assert 'name="asked" value="highest_degree"' in page.text  # asked again


class TestStartup:
    async def test_startup_loads_the_policy_library(self, app: FastAPI) -> None:
        from app.main import create_app
        from app.rules import load_library

        load_library.cache_clear()
        fresh = create_app()
        assert load_library.cache_info().currsize == 0
        async with fresh.router.lifespan_context(fresh):
            assert load_library.cache_info().currsize == 1

    async def test_a_bad_policy_file_stops_the_boot(
        self, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.main import create_app
        from app.rules import PolicyLoadError, load_library, loader

        (tmp_path / "yangpu.broken@2026-01-01.yaml").write_text("policy_id: [not, a, policy]\n")
        monkeypatch.setattr(loader, "package_directory", lambda: tmp_path)
        load_library.cache_clear()
        fresh = create_app()
        try:
            with pytest.raises(PolicyLoadError):
                async with fresh.router.lifespan_context(fresh):
                    pass
        finally:
            monkeypatch.undo()
            load_library.cache_clear()


class TestPolicyPages:
    async def test_policy_page_reads_as_nested_conditions_with_clauses(
        self, client: httpx.AsyncClient
    ) -> None:
        url = "/policies/shanghai.returnee_settlement?lang="
        zh = await client.get(url + "zh")
        en = await client.get(url + "en")
        assert zh.status_code == en.status_code == 200
        assert "须满足以下至少一项" in zh.text or "须同时满足以下全部条件" in zh.text
        assert "all of the following" in en.text
        # every version is shown with its basis, the raw CEL only inside <details>
        for version in ("2020-11-13", "2022-07-01", "2023-07-01"):
            assert f'id="version-{version}"' in en.text
        assert "Basis of this version" in en.text
        readable, expressions = en.text.split("<details", 1)
        cel = "degree_country != &#39;CN&#39;"
        assert cel in expressions
        assert cel not in readable

    async def test_assumed_version_and_dated_assumptions_are_badged(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/policies/shanghai.talent_introduction?lang=en")
        assert "This whole version is an assumption staff must confirm" in page.text
        # A single dated value assumed inside a sourced parameter (the wage series) says so.
        wage = page.text.split("previous-year city average monthly wage", 1)[1].split("</tr>")[0]
        assert 'class="tag assumed"' in wage and 'class="tag sourced"' in wage
