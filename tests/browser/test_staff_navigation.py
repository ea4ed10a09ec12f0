"""Every link in a staff member's header and workspace opens its page, for each demo role."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.journeys import staff_page

pytestmark = pytest.mark.browser

# Demo accounts (app/services/demo.py) and the header links each should get, by page.
ACCOUNTS = {
    "yangpu.window@demo.talent.gov.cn": ["/staff", "/staff/cases", "/staff/window"],
    "yangpu.reviewer@demo.talent.gov.cn": ["/staff", "/staff/cases"],
    "yangpu.approver@demo.talent.gov.cn": [
        "/staff",
        "/staff/cases",
        "/staff/verifications",
        "/staff/follow-ups",
    ],
    "yangpu.housing@demo.talent.gov.cn": [
        "/staff",
        "/staff/cases",
        "/staff/verifications",
        "/staff/housing",
        "/staff/follow-ups",
    ],
    "yangpu.maker@demo.talent.gov.cn": ["/staff", "/staff/finance"],
    "yangpu.checker@demo.talent.gov.cn": ["/staff", "/staff/finance"],
    "yangpu.admin@demo.talent.gov.cn": [
        "/staff",
        "/staff/cases",
        "/staff/housing",
        "/staff/follow-ups",
        "/staff/indicators",
        "/staff/organisations",
        "/staff/programmes",
    ],
    "yangpu.auditor@demo.talent.gov.cn": ["/staff"],
    "yangpu.records@demo.talent.gov.cn": ["/staff", "/staff/records"],
    "yangpu.station@demo.talent.gov.cn": ["/staff", "/staff/youth-stations"],
    "yangpu.expert@demo.talent.gov.cn": ["/staff", "/staff/reviews"],
    "sysadmin@demo.talent.gov.cn": ["/staff"],
}


@pytest.mark.parametrize("email", list(ACCOUNTS))
def test_every_staff_link_opens_its_page(browser: Browser, server: str, email: str) -> None:
    context, page = staff_page(browser, server, email, "desktop")
    try:
        page.goto(server + "/staff")
        header = [
            str(a.get_attribute("href"))
            for a in page.locator("nav.header-nav a[href^='/staff']").all()
        ]
        workspace = [
            str(a.get_attribute("href"))
            for a in page.locator("main ul.list-plain a[href^='/staff']").all()
        ]
        assert sorted({h.split("?")[0] for h in header}) == sorted(ACCOUNTS[email])
        for href in header + workspace:
            response = page.goto(server + href)
            assert response is not None and response.status == 200, (email, href)
    finally:
        context.close()
