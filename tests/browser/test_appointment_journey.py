"""Issue 17, point 1, in a real browser at phone and desktop width, in Chinese and English: an
applicant finds the nearest service point of their district, books a time for a service (the
confirmation page after the post), and on the day the window clerk checks them in from the day
list, which opens the walk-in desk with them already found. axe checks each page."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.journeys import emailed_link, sign_in, staff_page
from tests.browser.test_accessibility import violations
from tests.factories import domestic_payload

pytestmark = pytest.mark.browser
PASSWORD = "Appointment-Tested-2026"


def _applicant(server: str, name: str) -> str:
    email = f"appt.{uuid.uuid4().hex[:8]}@example.cn"
    payload = domestic_payload(email=email, password=PASSWORD, full_name=name)
    assert httpx.post(server + "/api/v1/auth/register", json=payload).status_code == 202
    token = emailed_link(server, email).split("token=", 1)[1]
    confirmed = httpx.post(server + "/api/v1/auth/confirm-email", json={"token": token})
    assert confirmed.status_code == 204
    return email


def _the_day_comes(appointment_id: str) -> None:
    """Moves the booking to a few minutes from now: the clerk's day is the slot's day, and the
    test cannot wait for tomorrow."""
    start = (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None)
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        changed = db.execute(
            "UPDATE appointment SET slot_start = ?, slot_end = ? WHERE id = ?",
            (
                start.strftime("%Y-%m-%d %H:%M:%S.%f"),
                (start + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                uuid.UUID(appointment_id).hex,
            ),
        ).rowcount
    assert changed == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_find_a_point_book_and_be_checked_in(
    page: Page, browser: Browser, server: str, lang: str
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    name = f"预约{uuid.uuid4().hex[:4]}"
    email = _applicant(server, name)
    found: dict[str, list[str]] = {}

    sign_in(page, server, email, PASSWORD)
    page.goto(f"{server}/lang/{lang}?next=/service-points")
    if problems := violations(page):
        found["directory"] = problems
    page.locator("#district").select_option("yangpu")
    page.locator("form[action='/service-points'] button[type=submit]").click()
    first = page.locator("ul.service-points > li").first
    expect(first.locator(".tag.yangpu")).to_be_visible()
    expect(first.locator(".point-distance")).to_be_visible()
    expect(first.locator(".opening-week li").first).to_be_visible()
    first.locator("a.button").click()
    expect(page).to_have_url(re.compile(r"/service-points/yp-service-centre/book$"))
    if problems := violations(page):
        found["book"] = problems
    page.locator("button[type=submit]").last.click()  # nothing chosen: the error summary
    expect(page.locator(".error-summary")).to_be_visible()
    if problems := violations(page):
        found["book (errors)"] = problems
    page.locator("input[name=purpose][value='service:rent_subsidy']").check()
    page.locator("input[name=slot_start]").first.check()
    page.locator("button[type=submit]").last.click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    expect(page.locator(".appointment-time")).to_contain_text("UTC+8")
    assert "?done=booked" in page.url
    if problems := violations(page):
        found["confirmation"] = problems
    appointment_id = page.url.split("/appointments/", 1)[1].split("?", 1)[0]
    page.goto(server + "/appointments")
    expect(page.locator(f"a[href='/appointments/{appointment_id}']")).to_be_visible()

    _the_day_comes(appointment_id)
    locale = "zh-CN" if lang == "zh" else "en-US"
    context, clerk = staff_page(
        browser, server, "yangpu.window@demo.talent.gov.cn", viewport, locale
    )
    try:
        clerk.goto(f"{server}/lang/{lang}?next=/staff/appointments")
        row = clerk.locator("table.appointments tr", has_text=name)
        expect(row).to_be_visible()
        if problems := violations(clerk):
            found["day list"] = problems
        row.locator("form[action$='/check-in'] button").click()
        expect(clerk).to_have_url(re.compile(r"/staff/window/applicants/[0-9a-f-]{36}$"))
        expect(clerk.locator("main")).to_contain_text(name)
    finally:
        context.close()
    page.goto(f"{server}/appointments/{appointment_id}")
    expect(page.locator(".appointment-status")).to_have_text(
        "已签到" if lang == "zh" else "Checked in"
    )
    assert found == {}
