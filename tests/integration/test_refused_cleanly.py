"""Issue 13, classes 4 and 10 through HTTP: the eligibility API and application answer saves answer
422 problem+json naming the field for what the rules refuse, change nothing, and never 500."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.base import utcnow
from app.rules import FACTS
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_cases_api import new_draft
from tests.integration.test_held_answers import answers_of, csrf_of, draft_for, web_login

pytestmark = pytest.mark.usefixtures("isolated_db")

CHECK = "/api/v1/eligibility/check"
HUGE = int("9" * 401)


async def _problem(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


class TestEligibilityApi:
    @pytest.mark.parametrize("as_of", ["9999-12-31", "1900-01-01", "0001-01-01", "2101-01-01"])
    async def test_as_of_outside_the_supported_range_is_422_with_the_range(
        self, client: httpx.AsyncClient, as_of: str
    ) -> None:
        body = {"facts": {**f.renting_returnee_profile(), "birth_date": None}, "as_of": as_of}
        for lang, word in (("zh-CN", "至"), ("en", "to")):
            r = await client.post(CHECK, json=body, headers={"Accept-Language": lang})
            [error] = (await _problem(r))["errors"]
            assert (error["field"], error["code"]) == ("as_of", "out_of_range")
            assert "1950-01-01" in error["message"] and "2100-12-31" in error["message"]
            assert word in error["message"]

    async def test_a_401_digit_salary_is_422_naming_it(self, client: httpx.AsyncClient) -> None:
        text = json.dumps({"facts": {"annual_salary_cny": HUGE, "graduate_score": -HUGE}})
        r = await client.post(CHECK, content=text, headers={"content-type": "application/json"})
        errors = (await _problem(r))["errors"]
        assert {(e["field"], e["code"]) for e in errors} == {
            ("facts.annual_salary_cny", "out_of_range"),
            ("facts.graduate_score", "out_of_range"),
        }

    async def test_a_future_birth_date_is_422_naming_it(self, client: httpx.AsyncClient) -> None:
        body = {"facts": {"birth_date": "2026-12-01", "graduation_date": "2027-07-01"}}
        body["as_of"] = "2026-11-22"
        r = await client.post(CHECK, json=body, headers={"Accept-Language": "zh-CN"})
        [error] = (await _problem(r))["errors"]
        assert (error["field"], error["code"]) == ("facts.birth_date", "future_date")
        assert "出生日期" in error["message"]

    async def test_contradictory_facts_are_422_naming_both(self, client: httpx.AsyncClient) -> None:
        body = {"facts": {"nationality": "US", "hukou": "shanghai"}, "as_of": "2026-11-22"}
        r = await client.post(CHECK, json=body, headers={"Accept-Language": "en"})
        errors = (await _problem(r))["errors"]
        assert {(e["field"], e["code"]) for e in errors} == {
            ("facts.nationality", "contradiction"),
            ("facts.hukou", "contradiction"),
        }
        assert all("nationality" in e["message"] and "hukou" in e["message"] for e in errors)

    async def test_a_named_policy_outside_the_district_is_422_naming_it(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {
            "facts": {},
            "policies": ["yangpu.rent_subsidy", "changning.rent_subsidy"],
            "district": "yangpu",
        }
        for lang, district in (("zh-CN", "杨浦区"), ("en", "Yangpu")):
            r = await client.post(CHECK, json=body, headers={"Accept-Language": lang})
            [error] = (await _problem(r))["errors"]
            assert (error["field"], error["code"]) == ("policies.1", "policy_not_in_district")
            assert "changning.rent_subsidy" in error["message"] and district in error["message"]


def _json_value() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**420), max_value=10**420)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
        | st.dates().map(lambda d: d.isoformat())
    )
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)


BODIES = st.fixed_dictionaries(
    {
        "facts": st.dictionaries(
            st.sampled_from(sorted(FACTS)) | st.text(max_size=6), _json_value(), max_size=8
        )
    },
    optional={
        "as_of": st.dates().map(lambda d: d.isoformat()) | st.text(max_size=10),
        "policies": st.lists(
            st.sampled_from(["yangpu.rent_subsidy", "changning.rent_subsidy", "x"]), max_size=3
        ),
        "district": st.sampled_from(["yangpu", "changning", "pudong", None]),
    },
)


class TestNever500:
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=BODIES)
    async def test_random_bodies_never_get_a_5xx(
        self, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        # Serialised by hand: json= would refuse nothing, but keeps big ints exact this way too.
        r = await client.post(
            CHECK, content=json.dumps(body), headers={"content-type": "application/json"}
        )
        assert r.status_code in (200, 422), (r.status_code, r.text[:300])


ANSWERS = st.dictionaries(
    st.sampled_from(sorted(FACTS)) | st.text(max_size=6), _json_value(), max_size=8
)


_DRAFTS: dict[int, tuple[f.ApiUser, dict[str, Any]]] = {}


class TestAnswerSavesNever500:
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(answers=ANSWERS)
    async def test_random_answers_never_get_a_5xx(
        self, client: httpx.AsyncClient, answers: dict[str, Any]
    ) -> None:
        # One applicant and draft for the whole run (the client fixture lives as long): each
        # example saves onto what the earlier ones left, which is what a real client does.
        if id(client) not in _DRAFTS:
            _DRAFTS[id(client)] = await new_draft(client, "changning", "rent_subsidy")
        user, draft = _DRAFTS[id(client)]
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            content=json.dumps({"answers": answers}),
            headers={**user.headers, "content-type": "application/json"},
        )
        assert r.status_code in (200, 422), (r.status_code, r.text[:300])


class TestAnswerSaves:
    async def _draft(self, client: httpx.AsyncClient) -> tuple[f.ApiUser, str, dict[str, Any]]:
        user, draft = await new_draft(client, "changning", "rent_subsidy")
        answers = f.renting_returnee_profile(employer_district="changning")
        url = f"/api/v1/applications/{draft['id']}"
        r = await client.patch(url, headers=user.headers, json={"answers": answers})
        assert r.status_code == 200, r.text
        return user, url, (await client.get(url, headers=user.headers)).json()

    @pytest.mark.parametrize(
        ("change", "fields"),
        [
            ({"birth_date": "future"}, {"birth_date"}),
            ({"return_date": "future"}, {"return_date"}),
            ({"annual_salary_cny": HUGE}, {"annual_salary_cny"}),
            ({"monthly_rent_cny": -HUGE}, {"monthly_rent_cny"}),
            # Against the birth date already saved.
            ({"graduation_date": "1900-01-01"}, {"graduation_date"}),
        ],
    )
    async def test_refused_answers_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, change: dict[str, Any], fields: set[str]
    ) -> None:
        user, url, before = await self._draft(client)
        tomorrow = (local_date(utcnow()) + timedelta(days=1)).isoformat()
        sent = {k: tomorrow if v == "future" else v for k, v in change.items()}
        r = await client.patch(
            url,
            content=json.dumps({"answers": sent}),
            headers={**user.headers, "content-type": "application/json"},
        )
        errors = (await _problem(r))["errors"]
        assert {e["field"] for e in errors} == fields
        after = (await client.get(url, headers=user.headers)).json()
        assert after == before  # answers, updated_at and verdict alike

    async def test_the_questions_page_shows_a_future_birth_date_in_its_error_summary(
        self, client: httpx.AsyncClient
    ) -> None:
        # A passport holder: a resident ID number gives the birth date, which is then not asked
        # (issue 21, item 11).
        user = await f.register_and_login(client, f.overseas_payload())
        draft = await draft_for(client, user)
        await web_login(client, user)
        page_url = f"/applications/{draft['id']}/questions/1"
        page = await client.get(page_url)
        assert draft["questions"][0]["fact"] == "birth_date"  # on page 1
        tomorrow = (local_date(utcnow()) + timedelta(days=1)).isoformat()
        r = await client.post(
            page_url, data={"birth_date": tomorrow, "csrf_token": csrf_of(page.text)}
        )
        assert r.status_code == 422
        assert 'class="error-summary"' in r.text and tomorrow in r.text
        now = (await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)).json()
        assert answers_of(now).get("birth_date") is None
