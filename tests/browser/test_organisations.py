"""Organisation accounts in a real browser (issue 15), at phone and desktop width: a new
organisation registers with its licence, its admin enrols an authenticator, the district's
staff verify it, the admin invites a colleague who joins, and an applicant's talent-apartment
case naming the organisation (waiting for it to register) moves past ``awaiting_employer``
when the colleague confirms. The new pages are checked with axe in Chinese and English.

The applicant's application is filed through the JSON API (the question pages have journeys
of their own); everything the organisation and staff do is done on the pages."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.journeys import emailed_link, staff_page, upload_pdf
from tests.browser.test_accessibility import violations
from tests.factories import domestic_payload, local_today, renting_returnee_profile, uscc

PASSWORD = "Organised-Tested-2026"


def _outbox_url(template: str) -> str:
    """The newest link of ``template`` in the outbox (invitations go to an address, not to a
    user of the portal, so they are found by template)."""
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            "SELECT payload FROM outbox_message WHERE template = ? "
            "ORDER BY created_at DESC LIMIT 1",
            (template,),
        ).fetchone()
    assert row is not None, f"no {template} message"
    return str(json.loads(row[0])["params"]["url"])


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at((int(time.time() // 30) + offset) * 30)


def _sign_in_with_code(page: Page, server: str, email: str, secret: str) -> None:
    """Signs in with a code from ``secret``; the step just used (enrolment) is not replayed."""
    for offset in (1, 2, -1):
        page.goto(server + "/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#totp_code").fill(_code(secret, offset))
        page.locator("button[type=submit]").last.click()
        if "/login" not in page.url:
            return
    raise AssertionError("organisation sign-in failed")


def _case_naming(server: str, code: str) -> tuple[str, dict[str, str]]:
    """An applicant (through the API) whose Changning talent-apartment case names ``code``."""
    payload = domestic_payload(password=PASSWORD)
    with httpx.Client(base_url=server, timeout=30) as api:
        assert api.post("/api/v1/auth/register", json=payload).status_code == 202
        token = emailed_link("", payload["email"]).split("token=", 1)[1]
        assert api.post("/api/v1/auth/confirm-email", json={"token": token}).status_code == 204
        r = api.post("/api/v1/auth/login", json={"email": payload["email"], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        services = api.get("/api/v1/services", params={"district": "changning"}).json()
        sid = next(s["id"] for s in services if s["code"] == "talent_apartment")
        draft = api.post("/api/v1/applications", json={"service_id": sid}, headers=headers).json()
        asked = {q["fact"] for q in draft["questions"]}
        answers = {k: v for k, v in renting_returnee_profile().items() if k in asked}
        answers.update(
            marital_status="single",
            employer_uscc=code,
            contract_end_date="2029-06-01",
            housing_area_per_person_sqm=0,
            skill_level=0,
        )
        r = api.patch(
            f"/api/v1/applications/{draft['id']}", headers=headers, json={"answers": answers}
        )
        assert r.status_code == 200, r.text
        r = api.post(
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            json={"declaration": True, "sensitive_consent": True},
        )
        assert r.status_code == 201, r.text
    return str(r.json()["case"]["id"]), {"email": payload["email"]}


def _no_violations(page: Page, where: str) -> None:
    assert violations(page) == [], where


def test_register_verify_invite_join_and_confirm(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    code = uscc()
    case_id, applicant = _case_naming(server, code)

    # The window asks the employer, which has not registered: the case waits for it.
    clerk_ctx, clerk = staff_page(browser, server, "changning.window@demo.talent.gov.cn", viewport)
    try:
        clerk.goto(f"{server}/staff/cases/{case_id}")
        panel = clerk.locator("details.action", has=clerk.get_by_text("请用人单位确认", exact=True))
        panel.locator("summary").click()
        panel.locator("[name=due_on]").fill((local_today() + timedelta(days=10)).isoformat())
        panel.locator("button[type=submit]").click()
        expect(clerk.get_by_role("status")).to_be_visible()
        # The paper route is offered too, on a page of its own.
        expect(clerk.get_by_role("link", name="登记单位书面证明")).to_be_visible()
    finally:
        clerk_ctx.close()

    # The applicant sees why the case waits, and invites the employer.
    page.goto(server + "/login")
    page.locator("#email").fill(applicant["email"])
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").last.click()
    page.goto(f"{server}/cases/{case_id}")
    expect(page.get_by_role("heading", name="等待您的单位注册")).to_be_visible()
    _no_violations(page, "applicant case page")
    page.locator("#email").fill("hr@new-employer.example.cn")
    page.get_by_role("button", name="发送注册邀请").click()
    expect(page.get_by_role("status")).to_contain_text("已向您的单位发送注册邀请")
    page.get_by_role("button", name="退出登录").click()

    # The organisation registers with its licence.
    admin_email = f"org.{uuid.uuid4().hex[:8]}@new-employer.example.cn"
    page.goto(server + "/organisations/register")
    page.get_by_role("button", name="注册单位").click()
    expect(page.locator(".error-summary")).to_be_visible()
    _no_violations(page, "registration with errors")
    page.locator("#org_type-enterprise").check()
    page.locator("#name").fill("上海浏览器测试科技有限公司")
    page.locator("#uscc").fill(code)
    page.locator("#district-changning").check()
    page.locator("#registered_capital_cny").fill("2000000")
    page.locator("#industry").fill("软件和信息技术服务业")
    upload_pdf(page, "#file", tmp_path, "licence.pdf")
    page.locator("#full_name").fill("王管理")
    page.locator("#email").fill(admin_email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="注册单位").click()
    expect(page.get_by_role("heading", name="请查收电子邮件")).to_be_visible()

    # The emailed link: confirm the address and enrol the authenticator.
    page.goto(emailed_link(server, admin_email, "organisation.confirm_email"))
    secret = page.locator("#totp-secret").inner_text().strip()
    _no_violations(page, "enrolment")
    page.locator("#totp_code").fill(_code(secret))
    page.locator("button[type=submit]").last.click()
    expect(page.locator(".panel-confirmation")).to_be_visible()

    # The district's staff verify it.
    admin_ctx, staff = staff_page(browser, server, "changning.admin@demo.talent.gov.cn", viewport)
    try:
        staff.goto(server + "/staff/organisations")
        _no_violations(staff, "verification queue")
        staff.get_by_role("link", name="上海浏览器测试科技有限公司").click()
        _no_violations(staff, "organisation to verify")
        staff.locator("#decision-approve").check()
        staff.get_by_role("button", name="记录决定").click()
        expect(staff.get_by_role("status")).to_contain_text("核验通过")
    finally:
        admin_ctx.close()

    # The admin invites a colleague as HR officer.
    _sign_in_with_code(page, server, admin_email, secret)
    page.goto(server + "/organisation")
    expect(page.locator(".status-tag")).to_have_text("已核验")
    _no_violations(page, "organisation page")
    colleague = f"hr.{uuid.uuid4().hex[:8]}@new-employer.example.cn"
    page.locator("#email").fill(colleague)
    page.locator("#role-hr_officer").check()
    page.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_role("status")).to_contain_text("邀请已发送")
    page.get_by_role("button", name="退出登录").click()

    # The colleague joins and confirms the employee's employment.
    link = urlsplit(_outbox_url("organisation.invitation"))
    page.goto(f"{server}{link.path}?{link.query}")
    colleague_secret = page.locator("#totp-secret").inner_text().strip()
    _no_violations(page, "join")
    page.locator("#full_name").fill("李人事")
    page.locator("#password").fill(PASSWORD)
    page.locator("#totp_code").fill(_code(colleague_secret))
    page.locator("button[type=submit]").last.click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    _sign_in_with_code(page, server, colleague, colleague_secret)
    page.goto(server + "/employer/cases")
    page.locator("input[value=confirm]").check()
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_role("status")).to_be_visible()

    # The case has left awaiting_employer: the window may accept it now.
    clerk_ctx, clerk = staff_page(browser, server, "changning.window@demo.talent.gov.cn", viewport)
    try:
        clerk.goto(f"{server}/staff/cases/{case_id}")
        expect(
            clerk.locator("details.action", has=clerk.get_by_text("受理", exact=True))
        ).to_be_visible()
    finally:
        clerk_ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_organisation_pages_are_accessible_in_both_languages(
    browser: Browser, server: str, lang: str
) -> None:
    page = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US").new_page()
    page.goto(f"{server}/lang/{lang}?next=/")
    found = {}
    for path in [
        "/organisations/register",
        "/organisations/register/sent",
        "/organisations/enrol?token=x",
        "/organisations/enrol?done=1",
        "/organisations/join?token=x",
        "/organisations/join?done=1",
    ]:
        page.goto(server + path)
        if problems := violations(page):
            found[path] = problems
    page.goto(server + "/organisations/register")
    page.locator("button[type=submit]").last.click()
    if problems := violations(page):
        found["/organisations/register (errors)"] = problems
    page.context.close()
    assert found == {}
