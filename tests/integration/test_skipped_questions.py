"""Issue 21 item 5: a question that does not apply is not asked (a return date of someone whose
degree is from China); "I don't know yet" is an explicit answer the task list returns to; the
task list counts only what submitting needs."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories as f
from tests.integration.test_cases_api import new_draft
from tests.integration.test_held_answers import csrf_of, web_login


def _facts(view: dict[str, Any]) -> list[str]:
    return [q["fact"] for q in view["questions"]]


class TestQuestionsThatDoNotApply:
    async def test_a_domestic_graduate_is_not_asked_for_a_return_date(
        self, client: httpx.AsyncClient
    ) -> None:
        user, draft = await new_draft(client, "yangpu", "rent_subsidy")
        assert "return_date" in _facts(draft)  # unknown where the degree is from: asked
        url = f"/api/v1/applications/{draft['id']}"
        domestic = await client.patch(
            url, headers=user.headers, json={"answers": {"degree_country": "CN"}}
        )
        assert domestic.status_code == 200, domestic.text
        assert "return_date" not in _facts(domestic.json())
        assert "return_date" not in domestic.json()["unanswered"]
        abroad = await client.patch(
            url, headers=user.headers, json={"answers": {"degree_country": "GB"}}
        )
        assert "return_date" in _facts(abroad.json())

    async def test_a_full_domestic_profile_leaves_nothing_to_answer_and_submits(
        self, client: httpx.AsyncClient
    ) -> None:
        user, draft = await new_draft(client, "changning", "rent_subsidy")
        answers = f.renting_returnee_profile(employer_district="changning", degree_country="CN")
        answers.pop("return_date", None)
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
        )
        assert r.status_code == 200, r.text
        assert r.json()["unanswered"] == []


class TestAnswerLater:
    async def test_i_dont_know_yet_is_kept_listed_and_asked_again(
        self, client: httpx.AsyncClient
    ) -> None:
        user, draft = await new_draft(client, "changning", "rent_subsidy")
        await web_login(client, user)
        page = await client.get(f"/applications/{draft['id']}/questions/1")
        assert "__later" in page.text
        first = [q["fact"] for q in draft["questions"][:4]]
        fact = next(name for name in first if name in draft["unanswered"])
        r = await client.post(
            f"/applications/{draft['id']}/questions/1",
            data={"csrf_token": csrf_of(page.text), f"{fact}__later": "1", "later": "1"},
        )
        assert r.status_code == 303, r.text
        view = (
            await client.get(f"/api/v1/applications/{draft['id']}", headers=user.headers)
        ).json()
        assert fact in view["answer_later"] and fact not in view["unanswered"]
        tasks = await client.get(f"/applications/{draft['id']}")
        assert 'class="answer-later"' in tasks.text
        assert "我们不会再问" not in tasks.text
        again = await client.get(f"/applications/{draft['id']}/questions/1")
        assert f'id="{fact}__later" name="{fact}__later" type="checkbox" value="1" checked' in (
            again.text
        )
        # Answering it takes it off the list.
        value = f.renting_returnee_profile(employer_district="changning")[fact]
        r = await client.patch(
            f"/api/v1/applications/{draft['id']}",
            headers=user.headers,
            json={"answers": {fact: value}},
        )
        assert fact not in r.json()["answer_later"]

    async def test_the_api_marks_and_unmarks_a_question(self, client: httpx.AsyncClient) -> None:
        user, draft = await new_draft(client, "changning", "rent_subsidy")
        url = f"/api/v1/applications/{draft['id']}"
        fact = draft["unanswered"][0]
        r = await client.patch(url, headers=user.headers, json={"answer_later": {fact: True}})
        assert r.status_code == 200 and fact in r.json()["answer_later"]
        r = await client.patch(url, headers=user.headers, json={"answer_later": {fact: False}})
        assert fact not in r.json()["answer_later"] and fact in r.json()["unanswered"]
