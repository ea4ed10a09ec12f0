"""Issue 16, the talent register's pages in a real browser, at phone and desktop width and in
both languages (the staff in one, the applicant in the other, switched per width): the talent
office searches the district's register, opens a person's history (a current and an expired
membership from the demo), meets the recording form's error summary; the demo applicant reads
"my recognitions". axe checks each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from app.services.demo import DEMO_PASSWORD
from tests.browser.journeys import sign_in, staff_page
from tests.browser.test_accessibility import violations

pytestmark = pytest.mark.browser

KEEPER = "yangpu.talent@demo.talent.gov.cn"
PERSON = "li.wei@demo.example.cn"  # two Yangpu entries in the demo: one valid, one expired
WORDS = {
    "zh": {
        "register": "人才名册",
        "expired": "已过期",
        "valid": "有效",
        "outstanding": "区级杰出人才",
    },
    "en": {
        "register": "Talent register",
        "expired": "Expired",
        "valid": "Valid",
        "outstanding": "district outstanding talent",
    },
}


def test_the_register_pages_for_staff_and_the_applicant(
    page: Page, browser: Browser, server: str
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    staff_lang, own_lang = ("zh", "en") if viewport == "phone" else ("en", "zh")
    found: dict[str, list[str]] = {}

    context, desk = staff_page(browser, server, KEEPER, viewport)
    desk.goto(f"{server}/lang/{staff_lang}?next=/staff/talent-register")
    words = WORDS[staff_lang]
    expect(desk.locator("h1")).to_have_text(words["register"])
    desk.locator("#programme").select_option("district_outstanding")
    desk.locator("form.filters button[type=submit]").click()
    # The demo's member since 2024 (the programme round's journey may award others today).
    row = desk.locator("table tbody tr").filter(has_text="2024-05-01").first
    expect(row).to_contain_text(words["outstanding"])
    if problems := violations(desk):
        found["search"] = problems
    row.locator("a").first.click()
    expect(desk.locator("table tbody tr")).to_have_count(2)
    expect(desk.locator("table")).to_contain_text(words["expired"])
    expect(desk.locator("table")).to_contain_text(words["valid"])
    if problems := violations(desk):
        found["history"] = problems
    desk.goto(f"{server}/staff/talent-register/new")
    desk.locator("form[action='/staff/talent-register'] button[type=submit]").click()
    summary = desk.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#file']")).to_have_count(1)
    if problems := violations(desk):
        found["record (errors)"] = problems
    context.close()

    sign_in(page, server, PERSON, DEMO_PASSWORD)
    page.goto(f"{server}/lang/{own_lang}?next=/recognitions")
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.locator("table")).to_contain_text(WORDS[own_lang]["outstanding"])
    if problems := violations(page):
        found["recognitions"] = problems
    assert found == {}
