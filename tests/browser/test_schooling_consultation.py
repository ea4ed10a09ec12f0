"""Issue 17, point 4, in a real browser: a family without a Shanghai hukou asks the education
bureau for schooling help (the child's date of birth and the district for school), books a
consultation session from the case page, and the education officer sees the session on the
case. Two runs cover both languages and both widths (Chinese on a phone, English on a
desktop); axe checks the new and changed pages."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LOCALES, VIEWPORTS, watch
from tests.browser.journeys import answer_every_page, sign_in, staff_page
from tests.browser.portal_api import service_id
from tests.browser.test_accessibility import violations
from tests.browser.test_appointment_journey import PASSWORD, _applicant

pytestmark = pytest.mark.browser

WIDTH = {"zh": "phone", "en": "desktop"}
WORDS = {
    "zh": {
        "answer": "回答问题",
        "save_continue": "保存并继续",
        "save_finish": "保存并完成",
        "submit": "提交申请",
        "follow": "跟踪办理进度",
        "sessions": "咨询场次",
    },
    "en": {
        "answer": "Answer the questions",
        "save_continue": "Save and continue",
        "save_finish": "Save and finish",
        "submit": "Submit application",
        "follow": "Follow your case",
        "sessions": "Consultation sessions",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_request_a_consultation_book_a_session_the_officer_sees_it(
    browser: Browser, server: str, lang: str
) -> None:
    w, viewport = WORDS[lang], WIDTH[lang]
    errors: list[str] = []
    found: dict[str, list[str]] = {}
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    page = watch(context.new_page(), errors)
    try:
        sign_in(page, server, _applicant(server, f"家长{uuid.uuid4().hex[:4]}"), PASSWORD)
        page.goto(f"{server}/lang/{lang}?next=/services")
        sid = service_id("schooling_consultation", "yangpu")
        page.locator(f"form:has(input[name=service_id][value='{sid}'])").locator("button").click()
        page.get_by_role("link", name=w["answer"]).click()
        child = date.today().replace(year=date.today().year - 7).isoformat()
        answers = {"hukou": "other", "child_birth_date": child, "school_district": "yangpu"}
        answer_every_page(page, answers, lang)
        if problems := violations(page):
            found["questions"] = problems
        with page.expect_navigation():
            page.get_by_role("button", name=w["save_finish"]).click()
        application = re.search(r"/applications/([0-9a-f-]{36})", page.url)
        assert application is not None, page.url
        page.goto(f"{server}/applications/{application.group(1)}/check")
        page.locator("#declaration-input").check()
        page.locator("#sensitive_consent-input").check()
        page.get_by_role("button", name=w["submit"]).click()
        page.get_by_role("link", name=w["follow"]).click()
        case_id = page.url.rsplit("/", 1)[1]
        number = page.title().split(" ")[0]
        assert re.fullmatch(r"YP-\d{4}-\d{6}", number), page.title()

        sessions = page.get_by_role("heading", name=w["sessions"])
        expect(sessions).to_be_visible()
        if problems := violations(page):
            found["case"] = problems
        page.locator(f"a[href$='/book?purpose=case:{case_id}']").first.click()
        expect(page.locator(f"input[name=purpose][value='case:{case_id}']")).to_be_checked()
        page.locator("input[name=slot_start]").first.check()
        page.locator("button[type=submit]").last.click()
        expect(page.locator(".panel-confirmation")).to_be_visible()
        expect(page.locator("main")).to_contain_text(number)  # booked for the case

        staff, officer = staff_page(
            browser, server, "yangpu.education@demo.talent.gov.cn", viewport, LOCALES[lang]
        )
        try:
            watch(officer, errors)
            officer.goto(f"{server}/lang/{lang}?next=/staff/cases/{case_id}")
            heading = officer.get_by_role("heading", name=w["sessions"])
            expect(heading).to_be_visible()
            booked = officer.locator("#sessions + ul li")
            expect(booked).to_have_count(1)
            expect(booked).to_contain_text("UTC+8")
            if problems := violations(officer):
                found["staff case"] = problems
        finally:
            staff.close()
    finally:
        context.close()
    assert found == {} and errors == []
