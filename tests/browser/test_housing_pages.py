"""Housing in a real browser: an applicant accepts an apartment offer and sees the lease; a
finance maker and a checker run a payment cycle and download the bank file; the dashboard
shows Changning's 5,000-unit target."""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyotp
from playwright.sync_api import Browser, Page, expect

from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.conftest import shot
from tests.browser.journeys import emailed_link, sign_in, staff_page
from tests.factories import renting_returnee_profile


def _staff_token(base: str, email: str) -> dict[str, str]:
    for attempt in range(3):
        step = int(time.time() // 30)
        for candidate in (step, step + 1):
            r = httpx.post(
                base + "/api/v1/auth/login",
                json={
                    "email": email,
                    "password": DEMO_PASSWORD,
                    "totp_code": pyotp.TOTP(DEMO_TOTP_SECRET).at(candidate * 30),
                },
            )
            if r.status_code == 200:
                return {"Authorization": f"Bearer {r.json()['access_token']}"}
        if attempt < 2:  # codes of this step used by another test: wait for the next step
            time.sleep(30 - time.time() % 30 + 0.5)
    raise AssertionError(r.text)


def _approved_rent_case(base: str) -> tuple[str, str]:
    """An applicant with an approved Changning rent-subsidy case, through the JSON API."""
    email = f"housing.{uuid.uuid4().hex[:8]}@example.cn"
    from tests.factories import domestic_payload

    payload = domestic_payload(email=email, password="Housing-Tested-2026")
    assert httpx.post(base + "/api/v1/auth/register", json=payload).status_code == 202
    token = emailed_link(base, email).split("token=", 1)[1]
    confirmed = httpx.post(base + "/api/v1/auth/confirm-email", json={"token": token})
    assert confirmed.status_code == 204
    token = httpx.post(
        base + "/api/v1/auth/login", json={"email": email, "password": payload["password"]}
    ).json()
    me = {"Authorization": f"Bearer {token['access_token']}"}
    services = httpx.get(base + "/api/v1/services", params={"district": "changning"}).json()
    sid = next(s["id"] for s in services if s["code"] == "rent_subsidy")
    draft = httpx.post(base + "/api/v1/applications", json={"service_id": sid}, headers=me).json()
    assert (
        httpx.patch(
            base + f"/api/v1/applications/{draft['id']}",
            headers=me,
            json={"answers": renting_returnee_profile()},
        ).status_code
        == 200
    )
    case = httpx.post(
        base + f"/api/v1/applications/{draft['id']}/submit",
        headers={**me, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    ).json()["case"]
    version = case["version"]
    # The rent subsidy is the housing department's: its officer reviews, and a second one
    # decides (whoever reviewed may not).
    for who, action in (
        ("window", "accept"),
        ("housing", "start_review"),
        ("housing2", "approve"),
    ):
        headers = _staff_token(base, f"changning.{who}@demo.talent.gov.cn")
        r = httpx.post(
            base + f"/api/v1/staff/cases/{case['id']}/actions",
            headers=headers,
            json={"action": action, "expected_version": version},
        )
        assert r.status_code == 200, r.text
        version = r.json()["version"]
    return email, case["id"]


def _put_on_waitlist(db_path: str, case_id: str) -> None:
    """As an approved apartment case would (the portal's own service, on the server's database)."""

    async def run() -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        from app.db import make_sessionmaker
        from app.models import Case
        from app.services.housing import join_waitlist

        engine = create_async_engine(f"sqlite+aiosqlite:///{db_path}")
        async with make_sessionmaker(engine)() as session, session.begin():
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            await join_waitlist(session, case)
        await engine.dispose()

    # Playwright's sync API owns this thread's event loop; run the coroutine on another thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_offer_lease_payment_cycle_and_dashboard(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    if page.viewport_name != "desktop":  # type: ignore[attr-defined]
        page.set_viewport_size({"width": 390, "height": 844})
    email, case_id = _approved_rent_case(server)
    _put_on_waitlist(os.environ["TALENT_BROWSER_DB"], case_id)
    viewport = page.viewport_name  # type: ignore[attr-defined]

    ctx, housing = staff_page(browser, server, "changning.housing@demo.talent.gov.cn", viewport)
    housing.goto(server + "/staff/housing")
    housing.locator("#name_zh").fill(f"虹桥人才公寓{uuid.uuid4().hex[:4]}")
    housing.locator("#name_en").fill("Hongqiao Talent Apartments")
    housing.locator("#address").fill("长宁区虹桥路")
    housing.locator("#operator").fill("长宁区国资公司")
    housing.get_by_role("button", name="添加项目").click()
    csv_path = tmp_path / "units.csv"
    csv_path.write_text(
        "building,number,layout,area_sqm,floor,market_rent_cny,talent_rent_cny\n"
        f"A,{uuid.uuid4().hex[:5]},studio,28,6,4500,3800\n",
        encoding="utf-8",
    )
    housing.locator("form.notice-box input[type=file]").last.set_input_files(str(csv_path))
    housing.locator("form.notice-box button[type=submit]").last.click()
    housing.get_by_role("button", name="开展一轮配租").click()
    shot(housing, "40-staff-housing")

    sign_in(page, server, email, "Housing-Tested-2026")
    page.goto(server + "/housing")
    page.get_by_role("button", name="接受该房源").first.click()
    expect(page.get_by_text("您已接受该房源")).to_be_visible()
    expect(page.locator("dl.lease").first).to_contain_text("3800")
    page.locator("#account_name").fill("张三")
    page.locator("#bank_account").fill("6222020200112233445")
    page.get_by_role("button", name="开始发放").click()
    expect(page.get_by_text("下月开始发放")).to_be_visible()
    shot(page, "41-applicant-lease-and-subsidy")

    housing.goto(server + "/staff/housing/dashboard")
    expect(housing.locator(".big-figure")).to_contain_text("5000")
    # Unit statuses read in the page's language, not as codes.
    chart = housing.locator("svg.chart").first
    expect(chart).to_contain_text("已出租")
    expect(chart).to_contain_text("维修中")
    expect(chart).not_to_contain_text("maintenance")
    expect(housing.get_by_role("table", name="按状态统计房源")).to_contain_text("已出租")
    shot(housing, "42-housing-dashboard")
    # Staff offer renewal terms on the lease page (rent set by them); the tenant sees them.
    # The unit let (the phone run may be offered the one the desktop run's tenant left).
    let = re.search(r"A-[0-9a-f]{5}", page.locator("dl.lease").first.inner_text())
    assert let is not None
    housing.goto(server + "/staff/housing")
    housing.locator("tr", has_text=let.group(0)).filter(has_text="履行中").get_by_role(
        "link", name="续租与退租"
    ).click()
    housing.locator("#monthly_rent_cny").fill("3900")
    housing.get_by_role("button", name="提出续租条件").click()
    expect(housing.get_by_text("续租条件已提出")).to_be_visible()
    shot(housing, "42-staff-lease-renewal")
    page.goto(server + "/housing")
    expect(page.get_by_text("运营方提出按每月 3900 元与您续租")).to_be_visible()
    # The tenant moves out instead: staff record the inspection on the same page. (A tenant
    # of a talent apartment is not paid the rent subsidy; once out, the payments below run.)
    housing.get_by_text("完好：无需维修").click()
    housing.locator("#note").fill("房屋完好，钥匙已归还")
    housing.get_by_text("承租人已搬离：终止租约，房源重新可配租").click()
    housing.get_by_role("button", name="登记退租").click()
    expect(housing.get_by_text("退租已登记，房源重新可配租。")).to_be_visible()
    page.goto(server + "/housing")
    expect(page.locator("dl.lease").first).to_contain_text("已终止")
    ctx.close()

    mctx, maker = staff_page(browser, server, "changning.maker@demo.talent.gov.cn", viewport)
    cctx, checker = staff_page(browser, server, "changning.checker@demo.talent.gov.cn", viewport)
    try:
        from datetime import date

        from app.services.payments import add_months

        # Next month on desktop, the month after on the phone run: one cycle per month.
        ahead = 1 if viewport == "desktop" else 2
        month = add_months(date.today().replace(day=1), ahead).isoformat()[:7]
        maker.goto(server + "/staff/finance")
        maker.locator("#month").fill(month)
        maker.get_by_role("button", name="生成发放批次").click()
        shot(maker, "43-finance-generated")
        maker.get_by_role("button", name="复核（经办）").first.click()
        checker.goto(server + "/staff/finance")
        checker.get_by_role("button", name="审批（复核）").first.click()
        with checker.expect_download() as download:
            checker.get_by_role("link", name="下载银行文件").first.click()
        path = download.value.path()
        assert "6222020200112233445" in Path(path).read_text(encoding="utf-8")
        shot(checker, "43-finance-cycle")
    finally:
        mctx.close()
        cctx.close()
