"""WCAG 2.2 AA checks with axe-core (bundled by axe-playwright-python) on the main pages, in both
languages, signed out, as an applicant and as staff."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.browser.journeys import confirm_and_sign_in, staff_page
from tests.factories import resident_id

AXE = Axe()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PUBLIC = [
    "/",
    "/register",
    "/register/domestic",
    "/register/overseas",
    "/login",
    "/register/sent",
    "/confirm-email?token=x",
    "/forgot-password",
    "/forgot-password?sent=1",
    "/reset-password?token=x",
    "/calculator",
    "/policies",
    "/policies/changning.returnee_apartment_subsidy",
    "/status",
    "/privacy",
    "/no-such-page",
]


def violations(page: Page) -> list[str]:
    result = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages(browser: Browser, server: str, lang: str) -> None:
    page = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US").new_page()
    page.goto(f"{server}/lang/{lang}?next=/")
    found = {}
    for path in PUBLIC:
        page.goto(server + path)
        if problems := violations(page):
            found[path] = problems
    # A page with its error summary shown.
    page.goto(server + "/register/domestic")
    page.locator("button[type=submit]").last.click()
    if problems := violations(page):
        found["/register/domestic (errors)"] = problems
    page.context.close()
    assert found == {}


def test_applicant_and_staff_pages(browser: Browser, server: str) -> None:
    page = browser.new_context(locale="zh-CN").new_page()
    email = f"a11y.{uuid.uuid4().hex[:8]}@example.cn"
    page.goto(server + "/register/domestic")
    page.locator("#full_name").fill("无障碍测试")
    page.locator("#id_number").fill(resident_id())
    page.locator("#mobile").fill("13500135000")
    page.locator("#email").fill(email)
    page.locator("#password").fill("Accessible-Tested-2026")
    page.locator("#consent_personal_info-input").check()
    page.locator("button[type=submit]").last.click()
    confirm_and_sign_in(page, server, email, "Accessible-Tested-2026")
    found = {}
    for path in ["/account", "/account/password", "/services", "/cases", "/wallet"]:
        page.goto(server + path)
        if problems := violations(page):
            found[path] = problems
    page.goto(server + "/services")
    page.locator("li.card button[type=submit]").first.click()
    for suffix in ["", "/questions/1", "/documents", "/check"]:
        page.goto(
            page.url.split("/applications/")[0]
            + "/applications/"
            + page.url.split("/applications/")[1].split("/")[0]
            + suffix
        )
        if problems := violations(page):
            found[page.url] = problems
    # The bundle: its records section (this invented person has none on file) and route question.
    page.goto(server + "/services")
    page.locator("li.card", has=page.get_by_role("heading", name="人才落户一件事")).first.locator(
        "button[type=submit]"
    ).click()
    bundle = page.url
    for suffix in ["", "/questions/1"]:
        page.goto(bundle + suffix)
        if problems := violations(page):
            found[page.url] = problems
    page.context.close()

    ctx, staff = staff_page(browser, server, "yangpu.window@demo.talent.gov.cn", "desktop")
    for path in ["/staff", "/staff/cases", "/staff/cases?mine=1", "/staff/window"]:
        staff.goto(server + path)
        if problems := violations(staff):
            found[path] = problems
    ctx.close()
    # Auditors read the log; district admins keep the calendar and the service catalog.
    for account, paths in (
        ("yangpu.auditor@demo.talent.gov.cn", ["/staff/audit"]),
        # The housing officer approves: rating call-backs and 告知承诺 checks are theirs; the
        # talent-apartment page (waitlist breakdown, units, leases) too.
        (
            "yangpu.housing@demo.talent.gov.cn",
            ["/staff/follow-ups", "/staff/verifications", "/staff/housing"],
        ),
        ("yangpu.admin@demo.talent.gov.cn", ["/staff/admin/calendar", "/staff/admin/services"]),
    ):
        ctx, staff = staff_page(browser, server, account, "desktop")
        for path in paths:
            staff.goto(server + path)
            if problems := violations(staff):
                found[path] = problems
        if "/staff/audit" in paths:
            # The chain is checked only on request; its result is part of the page too.
            staff.get_by_role(
                "button", name=re.compile("Check the chain now|立即校验审计链")
            ).click()
            staff.get_by_text(re.compile("Hash chain intact|哈希链完整")).wait_for()
            if problems := violations(staff):
                found[staff.url + " (chain checked)"] = problems
        if "/staff/admin/services" in paths:
            staff.locator("table a[href^='/staff/admin/services/']").first.click()
            if problems := violations(staff):
                found[staff.url] = problems
        ctx.close()
    assert found == {}
