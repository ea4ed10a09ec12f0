"""Programme rounds on pages, in both languages: the admin opens a round on the setup page, an
organisation nominates (an ineligible person refused with the reasons on the page), a reviewer
declares, saves a draft with the button and with the autosave post, submits; the committee's
round page ranks and decides; the public notice at /notices takes an objection without
sign-in (bad input shown in the error summary); the person reads the nomination's timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_cases_api import staff_member_id
from tests.integration.test_housing import _csrf, _page_session
from tests.integration.test_programme_rounds import close_window

pytestmark = pytest.mark.usefixtures("isolated_db")
SM = async_sessionmaker[AsyncSession]


async def post(c: httpx.AsyncClient, page: str, url: str, data: dict[str, Any]) -> httpx.Response:
    form = await c.get(page)
    assert form.status_code == 200, form.text
    return await c.post(url, data={**data, "csrf_token": _csrf(form.text)})


class TestProgrammePages:
    async def test_a_round_on_pages(
        self, app: Any, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        admin_email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["district_admin"], department="talent_office"
        )
        reviewer_email = await f.create_staff(
            sessionmaker,
            district="yangpu",
            roles=["programme_reviewer"],
            department="talent_office",
        )
        _uscc, hr_email = await f.create_employer_with_hr(
            sessionmaker, district="yangpu", name="页面科技"
        )
        payload = f.domestic_payload(full_name="张三丰")
        user = await f.register_and_login(client, payload)
        other = f.domestic_payload()
        await f.register_and_login(client, other)

        admin = await _page_session(app, admin_email, f.PASSWORD, totp=True)
        reviewer = await _page_session(app, reviewer_email, f.PASSWORD, totp=True)
        org = await _page_session(app, hr_email, f.PASSWORD, totp=True)
        person = await _page_session(app, user.email, user.password, totp=False)
        public = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        try:
            today = f.local_today()
            r = await post(
                admin,
                "/staff/programmes",
                "/staff/programmes/rounds",
                {"programme": "outstanding_talent", "title": "", "quota": "1"},
            )
            assert r.status_code == 422 and "error-summary" in r.text
            round_form = {
                "programme": "outstanding_talent",
                "title": "2026年度杨浦区杰出人才评选",
                "quota": "1",
                "opens_on": today.isoformat(),
                "closes_on": (today + timedelta(days=20)).isoformat(),
                "reviewers_per_nomination": "1",
                "c0_code": "achievement",
                "c0_name_zh": "业绩",
                "c0_name_en": "Achievements",
                "c0_weight": "100",
                "c0_max": "10",
                "award_title_zh": "杨浦区杰出人才",
                "award_title_en": "Yangpu outstanding talent",
                "notice_days": "5",
            }
            r = await post(admin, "/staff/programmes", "/staff/programmes/rounds", round_form)
            assert r.status_code == 303, r.text
            round_url = r.headers["location"].split("?")[0]
            round_id = round_url.rsplit("/", 1)[1]
            assert (
                "Round opened" in (await admin.get(r.headers["location"])).text
                or "已开启" in (await admin.get(r.headers["location"])).text
            )

            nominate = {"round_id": round_id, "id_kind": "resident_id", "statement": "成果突出。"}
            r = await post(
                org,
                "/organisation/nominations",
                "/organisation/nominations",
                {
                    **nominate,
                    "id_number": other["id_number"],
                    "professional_title": "intermediate",
                    "highest_degree": "master",
                },
            )
            assert r.status_code == 422
            assert "行政复议" in r.text and "panel-refusal" in r.text
            r = await post(
                org,
                "/organisation/nominations",
                "/organisation/nominations",
                {**nominate, "id_number": payload["id_number"], "professional_title": "senior"},
            )
            assert r.status_code == 303, r.text
            nomination_id = r.headers["location"].split("/")[-1].split("?")[0]

            r = await post(
                reviewer,
                "/staff/reviews",
                f"/staff/reviews/rounds/{round_id}/declaration",
                {"organisation_codes": ""},
            )
            assert r.status_code == 303, r.text
            reviewer_id = await staff_member_id(sessionmaker, reviewer_email)
            r = await post(
                admin,
                round_url,
                f"{round_url}/assign",
                {"nomination_id": nomination_id, "reviewer_id": str(reviewer_id)},
            )
            assert r.status_code == 303, r.text

            page = f"/staff/reviews/{nomination_id}"
            assert "data-autosave=" in (await reviewer.get(page)).text
            r = await post(reviewer, page, f"{page}/draft", {"score_achievement": "7"})
            assert r.status_code == 204, r.text
            assert 'value="7"' in (await reviewer.get(page)).text
            r = await post(reviewer, page, page, {"score_achievement": "12", "action": "submit"})
            assert r.status_code == 422 and 'id="score_achievement-error"' in r.text
            r = await post(reviewer, page, page, {"score_achievement": "8", "action": "submit"})
            assert r.status_code == 303, r.text

            ranking = await admin.get(round_url)
            assert "张三丰" in ranking.text and "80.00" in ranking.text
            r = await post(admin, round_url, f"{round_url}/decision", {"proposed": nomination_id})
            assert r.status_code == 409 and "error-summary" in r.text  # the window is open
            await close_window(sessionmaker, round_id)
            r = await post(admin, round_url, f"{round_url}/decision", {"proposed": nomination_id})
            assert r.status_code == 303, r.text
            r = await post(admin, round_url, f"{round_url}/notice", {})
            assert r.status_code == 303, r.text

            notices = await public.get("/notices")
            assert (
                notices.status_code == 200
                and "张*丰" in notices.text
                and "张三丰" not in notices.text
            )
            r = await post(
                public,
                "/notices",
                "/notices/objections",
                {
                    "nomination_id": nomination_id,
                    "objector_name": "",
                    "contact": "",
                    "grounds": "短",
                },
            )
            assert r.status_code == 422 and "error-summary" in r.text
            r = await post(
                public,
                "/notices",
                "/notices/objections",
                {
                    "nomination_id": nomination_id,
                    "objector_name": "李四",
                    "contact": "lisi@example.com",
                    "grounds": "该成果系团队完成，并非其个人成果。",
                },
            )
            assert r.status_code == 303, r.text

            mine = await person.get(f"/nominations/{nomination_id}")
            assert mine.status_code == 200 and "张三丰" in mine.text
            english = await person.get(
                f"/nominations/{nomination_id}", headers={"Accept-Language": "en"}
            )
            assert english.status_code == 200
            listed = await person.get("/my-nominations")
            assert listed.status_code == 200 and nomination_id in listed.text
        finally:
            for c in (admin, reviewer, org, person, public):
                await c.aclose()
