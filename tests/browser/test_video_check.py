"""Issue 17, point 5 (不见面): the staff member responsible for a case schedules a video
appointment to check the originals from the staff case page — a missing time is refused with an
error summary — records its outcome, and the applicant sees the appointment on their case page.
Chinese on a phone and English on a desktop; axe on each page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.api_cases import act, new_applicant, staff_headers, submitted_rent_case
from tests.browser.portal_api import applicant_in, staff_in
from tests.browser.test_accessibility import violations

pytestmark = pytest.mark.browser
CLERK = "yangpu.window@demo.talent.gov.cn"
WORDS = {
    "zh": {
        "schedule_panel": "预约视频核验",
        "schedule": "预约",
        "record_panel": "记录视频核验结果",
        "verified": "原件核验通过",
        "save": "保存结果",
    },
    "en": {
        "schedule_panel": "Schedule a video appointment",
        "schedule": "Schedule",
        "record_panel": "Record the video check's outcome",
        "verified": "Originals verified",
        "save": "Save the outcome",
    },
}
WIDTH = {"zh": "phone", "en": "desktop"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_schedule_a_video_check_record_it_and_the_applicant_sees_it(
    browser: Browser, server: str, lang: str
) -> None:
    w, viewport = WORDS[lang], WIDTH[lang]
    found: dict[str, list[str]] = {}
    client = httpx.Client(base_url=server, timeout=30)
    who = new_applicant(client, language=lang)
    case = submitted_rent_case(client, who)
    # The clerk who accepts the case stays responsible for it (首问负责).
    act(client, staff_headers(client, CLERK), case["id"], "accept")
    when = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )

    clerk = staff_in(browser, server, CLERK, viewport, lang)
    try:
        clerk.goto(f"{server}/staff/cases/{case['id']}#video-checks")
        section = clerk.locator("#video-checks")
        section.locator("summary", has_text=w["schedule_panel"]).click()
        # No time given: refused at the top and at the field; nothing is scheduled.
        section.get_by_role("button", name=w["schedule"], exact=True).click()
        expect(clerk.locator(".error-summary a[href='#scheduled_at']")).to_be_visible()
        expect(clerk.locator("ul.video-checks")).to_have_count(0)
        if problems := violations(clerk):
            found["schedule refused"] = problems
        panel = clerk.locator("#video-checks details.action").last
        panel.locator("#scheduled_at").fill(when.strftime("%Y-%m-%dT%H:%M"))
        panel.get_by_role("button", name=w["schedule"], exact=True).click()
        expect(clerk.get_by_role("status")).to_be_visible()
        listed = clerk.locator("ul.video-checks li")
        expect(listed).to_have_count(1)
        expect(listed.first).to_contain_text(when.strftime("%Y-%m-%d %H:%M"))
        if problems := violations(clerk):
            found["scheduled"] = problems

        listed.first.locator("summary", has_text=w["record_panel"]).click()
        listed.first.locator("#outcome-verified").check()
        listed.first.get_by_role("button", name=w["save"]).click()
        expect(clerk.get_by_role("status")).to_be_visible()
        expect(clerk.locator("ul.video-checks li").first).to_contain_text(w["verified"])
        # Recorded: no outcome form remains.
        expect(clerk.locator("ul.video-checks summary")).to_have_count(0)
        if problems := violations(clerk):
            found["recorded"] = problems
    finally:
        clerk.context.close()

    page = applicant_in(browser, server, who, viewport, lang, f"/cases/{case['id']}")
    try:
        expect(page.get_by_text(when.strftime("%Y-%m-%d %H:%M")).first).to_be_visible()
        expect(page.get_by_text(w["verified"]).first).to_be_visible()
        if problems := violations(page):
            found["applicant case"] = problems
    finally:
        page.context.close()
    assert found == {}
