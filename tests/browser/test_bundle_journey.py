"""人才落户一件事 in a real browser: the applicant's bundle with records fetched from the simulator,
then the window and the departments' reviewers on their parts."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from app.services.demo import DEMO_PASSWORD
from tests.browser.conftest import shot
from tests.browser.journeys import (
    act,
    answer,
    listed_materials,
    sign_in,
    staff_page,
    to_declaration,
    upload_materials,
    upload_pdf,
)
from tests.support.simulator import RunningSimulator

ANSWERS = {
    "settlement_route": "talent_introduction",
    "spouse_moves": False,
    "children_moving": 1,
    "marital_status": "married",
    "residence_permit_years": 3,
    "talent_programs": [],
    "professional_title": "senior",
    "annual_salary_cny": 900000,
    "employment_start_date": "2023-01-01",
    "pays_income_tax_in_shanghai": True,
    "contract_end_date": "2028-12-31",
}


def _records_fetched(page: Page) -> None:
    """The worker asks the systems in the background; the page says so until they answer."""
    deadline = time.monotonic() + 40
    while page.get_by_text("正在获取").count():
        assert time.monotonic() < deadline, "records were not fetched in time"
        time.sleep(1)
        page.reload()


def test_bundle_from_records_and_route_to_the_departments(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    sign_in(page, server, "li.wei@demo.example.cn", DEMO_PASSWORD)
    page.goto(server + "/services")
    card = page.locator("li.card", has=page.get_by_role("heading", name="人才落户一件事")).first
    card.get_by_role("button").click()
    expect(page.get_by_role("heading", name="人才落户一件事")).to_be_visible()
    expect(page.get_by_role("heading", name="从其他政务系统获取的信息")).to_be_visible()
    _records_fetched(page)
    records = page.locator("section.verifications")
    expect(records.locator(".status-verified")).to_have_count(4)
    shot(page, "40-bundle-records")

    page.get_by_role("link", name="回答问题").click()
    # Each route says whether it is open, from the records already fetched.
    expect(page.locator("#settlement_route")).to_contain_text("不符合")
    shot(page, "41-bundle-route")
    while page.get_by_role("button", name="保存并继续").count():
        answer(page, ANSWERS)
        # Verified records are never asked again.
        assert not page.locator("#highest_degree").count()
        assert not page.locator("#social_insurance_months").count()
        with page.expect_navigation():
            page.get_by_role("button", name="保存并继续").click()
    answer(page, ANSWERS)
    with page.expect_navigation():
        page.get_by_role("button", name="保存并完成").click()

    page.get_by_role("link", name="添加材料").click()
    # The records replace the ID card, degree certificate and social insurance record.
    assert not page.locator("#file-degree_certificate").count()
    assert not page.locator("#file-id_document").count()
    codes = listed_materials(page)
    assert "employment_contract" in codes
    upload_materials(page, tmp_path, codes)
    to_declaration(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"YP-\d{4}-\d{6}", number)
    page.get_by_role("link", name="跟踪办理进度").click()
    case_url = page.url
    expect(page.get_by_text("人才引进", exact=True)).to_be_visible()
    shot(page, "42-bundle-submitted")
    if viewport != "desktop":
        return

    # The one window accepts the bundle once; it goes to every department at once.
    clerk_ctx, clerk = staff_page(browser, server, "yangpu.window@demo.talent.gov.cn", viewport)
    reviewer_ctx, reviewer = staff_page(
        browser, server, "yangpu.reviewer@demo.talent.gov.cn", viewport
    )
    approver_ctx, approver = staff_page(
        browser, server, "yangpu.approver@demo.talent.gov.cn", viewport
    )
    police_ctx, police = staff_page(browser, server, "yangpu.police@demo.talent.gov.cn", viewport)
    # Whoever reviewed may not decide (four eyes): the bureau's second officer approves.
    police2_ctx, police2 = staff_page(
        browser, server, "yangpu.police2@demo.talent.gov.cn", viewport
    )
    try:
        clerk.goto(server + "/staff/cases")
        clerk.get_by_role("link", name=number, exact=True).click()
        act(clerk, "受理")
        parts = clerk.locator("table", has=clerk.get_by_text("落户审批"))
        expect(parts).to_contain_text("户口迁入")
        expect(parts).to_contain_text("等待前置环节")
        shot(clerk, "43-bundle-dispatched")

        # The HR bureau reviews and approves its part, found through the part link.
        reviewer.goto(clerk.url)
        reviewer.get_by_role("link", name="落户审批").click()
        expect(reviewer.get_by_text("本件是以下事项中的“落户审批”环节")).to_be_visible()
        act(reviewer, "开始审核")
        approver.goto(reviewer.url)
        act(approver, "批准")
        shot(approver, "44-part-approved")

        # The police see the move-in in their department's queue, now started.
        police.goto(server + "/staff/cases?department=public_security")
        police.get_by_role("link", name=f"{number}-2").click()
        expect(police.locator(".status-tag").first).to_have_text("已受理")
        act(police, "开始审核")
        police2.goto(police.url)
        act(police2, "批准")
        shot(police2, "45-move-in-approved")

        page.goto(case_url)
        table = page.locator("table", has=page.get_by_text("户口迁入"))
        expect(table).to_contain_text("已批准")
        shot(page, "46-bundle-progress")
    finally:
        for ctx in (clerk_ctx, reviewer_ctx, approver_ctx, police_ctx, police2_ctx):
            ctx.close()


def test_a_late_no_record_is_answered_on_the_bundle_page(
    page: Page, server: str, simulator: RunningSimulator, tmp_path: Path
) -> None:
    """The social insurance system is down when the applicant submits, then says it holds no
    record: the bundle page asks, once, for what it was to provide."""
    simulator.control("social_insurance", "down", duration_ms=600_000)
    try:
        sign_in(page, server, "zhang.min@demo.example.cn", DEMO_PASSWORD)
        page.goto(server + "/services")
        card = page.locator("li.card", has=page.get_by_role("heading", name="人才落户一件事"))
        card.first.get_by_role("button").click()
        _records_fetched(page)
        page.get_by_role("link", name="回答问题").click()
        while page.get_by_role("button", name="保存并继续").count():
            answer(page, ANSWERS)
            assert not page.locator("#social_insurance_months").count()
            with page.expect_navigation():
                page.get_by_role("button", name="保存并继续").click()
        answer(page, ANSWERS)
        with page.expect_navigation():
            page.get_by_role("button", name="保存并完成").click()
        page.get_by_role("link", name="添加材料").click()
        assert not page.locator("#file-social_insurance_record").count()
        upload_materials(page, tmp_path, listed_materials(page))
        to_declaration(page)
        page.get_by_role("button", name="提交申请").click()
        page.get_by_role("link", name="跟踪办理进度").click()
        expect(page.get_by_text("正在等待以下系统的数据：社会保险信息系统").first).to_be_visible()

        simulator.control("social_insurance", "no_record")
        deadline = time.monotonic() + 90
        while not page.locator("#details").count():
            assert time.monotonic() < deadline, "the late answer did not reach the case"
            time.sleep(2)
            page.reload()
        details = page.locator("#details")
        expect(details.get_by_role("heading", name="需要您补充的信息和材料")).to_be_visible()
        expect(details).to_contain_text("社保缴费记录")
        shot(page, "47-bundle-late-notice")

        # Sending without everything names what is missing, and keeps what was typed.
        details.locator("#employer_district-yangpu").check()
        with page.expect_navigation():
            details.get_by_role("button", name="提交答复和材料").click()
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.locator("#employer_district-yangpu")).to_be_checked()

        upload_pdf(page, "#upload-social_insurance_record", tmp_path, "record.pdf")
        with page.expect_navigation():
            page.locator("form.late-upload").get_by_role("button", name="上传此材料").click()
        page.locator("#employer_district-yangpu").check()
        page.locator("input#social_insurance_months").fill("48")
        if page.locator("input#social_insurance_base_multiple").count():
            page.locator("input#social_insurance_base_multiple").fill("2")
        with page.expect_navigation():
            page.get_by_role("button", name="提交答复和材料").click()
        expect(page.get_by_text("谢谢，已通知受理部门您的材料已送达。")).to_be_visible()
        assert not page.locator("#details").count()
        expect(page.locator(".status-tag").first).to_have_text("已收到申请")
        shot(page, "48-bundle-late-answered")
    finally:
        simulator.reset()
