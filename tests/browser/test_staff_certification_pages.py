"""Issue 16, point 5: a verified organisation applies, from its pages, for the high-level talent
classification of a person it confirmed as its employee (confirmed through the API first, as
the window and the HR user would). The criteria not met show the error summary; the filed
application shows its confirmation. Phone and desktop, Chinese and English, axe on each page."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Browser, expect

from app.services.demo import demo_uscc
from tests.browser import api_cases as api
from tests.browser.journeys import staff_page
from tests.browser.test_accessibility import violations
from tests.browser.test_service_card_journey import submitted_card_case

pytestmark = pytest.mark.browser

HR = f"hr.{demo_uscc('91310110MA1G8XYW0')[-6:].lower()}@demo-employer.cn"
WINDOW = "yangpu.window@demo.talent.gov.cn"


def confirmed_employee(server: str) -> str:
    """A new person whose service-card case the demo organisation confirmed; their full name."""
    with httpx.Client(base_url=server, timeout=30) as client:
        who = api.new_applicant(client)
        case_id = submitted_card_case(client, who, demo_uscc("91310110MA1G8XYW0"))
        window = api.staff_headers(client, WINDOW)
        due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 14 * 86400))
        api.act(client, window, case_id, "request_employer_confirmation", due_on=due)
        hr = api.staff_headers(client, HR)
        version = client.get(f"/api/v1/staff/cases/{case_id}", headers=window).json()["version"]
        r = client.post(
            f"/api/v1/employer/cases/{case_id}/actions",
            headers=hr,
            json={"action": "confirm_employment", "expected_version": version},
        )
        assert r.status_code == 200, r.text
        me = client.get("/api/v1/me", headers=who.headers).json()
        return str(me.get("full_name") or me.get("display_name") or "")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_organisation_applies_for_its_employee(
    browser: Browser, server: str, lang: str
) -> None:
    confirmed_employee(server)
    viewport = "phone" if lang == "zh" else "desktop"
    context, page = staff_page(browser, server, HR, viewport, "zh-CN" if lang == "zh" else "en-US")
    found: dict[str, list[str]] = {}
    try:
        page.goto(f"{server}/lang/{lang}?next=/employer")
        link = page.locator("a[href='/employer/staff']")
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(f"{server}/employer/staff")
        apply = page.locator("a[href$='/certification']").last
        expect(apply).to_be_visible()
        if problems := violations(page):
            found["staff"] = problems
        apply.click()
        expect(page.locator("#annual_salary_cny")).to_be_visible()
        page.locator("#professional_title-junior").check()
        page.locator("#highest_degree-bachelor").check()
        page.locator("#annual_salary_cny").fill("100000")
        page.locator("main button[type=submit]").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        if problems := violations(page):
            found["form (refused)"] = problems
        page.locator("#professional_title-senior").check()
        page.locator("#highest_degree-master").check()
        page.locator("#annual_salary_cny").fill("300000")
        page.locator("main button[type=submit]").click()
        done = page.locator(".notification.success")
        expect(done).to_be_visible()
        expect(done).to_contain_text("案件" if lang == "zh" else "case")
        if problems := violations(page):
            found["filed"] = problems
    finally:
        context.close()
    assert found == {}
