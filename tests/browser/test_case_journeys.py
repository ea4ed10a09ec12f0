"""Case journeys in a real browser: apply online through to rating, the service window for a
walk-in, and the public status page. Screenshots at phone and desktop widths."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import VIEWPORTS, shot
from tests.browser.journeys import (
    act,
    answer,
    confirm_and_sign_in,
    sign_in,
    staff_page,
    to_declaration,
    upload_materials,
    upload_pdf,
)
from tests.factories import as_typed, renting_returnee_profile, resident_id

PASSWORD = "Journey-Tested-2026"
# Typed into the question pages; the district is each journey's own.
RENT = as_typed(renting_returnee_profile())


def _register(page: Page, server: str) -> str:
    email = f"journey.{uuid.uuid4().hex[:8]}@example.cn"
    page.goto(server + "/register/domestic")
    page.locator("#full_name").fill("周申请")
    page.locator("#id_number").fill(resident_id())
    page.locator("#mobile").fill("13600136000")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#consent_personal_info-input").check()
    page.get_by_role("button", name="创建账户").click()
    expect(page.get_by_text("请查收电子邮件")).to_be_visible()
    confirm_and_sign_in(page, server, email, PASSWORD)
    expect(page.get_by_role("heading", name="我的账户")).to_be_visible()
    return email


def test_apply_online_supplement_approve_issue_and_rate(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    district = "changning" if viewport == "desktop" else "yangpu"
    email = _register(page, server)

    # Start the rent subsidy and answer the first page, then save and leave.
    page.goto(server + "/services")
    card = page.locator("li.card", has=page.get_by_role("heading", name="人才租房补贴")).nth(
        0 if district == "yangpu" else 1
    )
    card.get_by_role("button").click()
    expect(page.get_by_role("heading", name="人才租房补贴")).to_be_visible()
    shot(page, "10-task-list")
    page.get_by_role("link", name="回答问题").click()
    answer(page, {**RENT, "employer_district": district})
    shot(page, "11-questions")
    page.get_by_role("button", name="保存，稍后继续").click()
    expect(page.get_by_text("您的回答已保存")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    # Back again: the answers are there; finish the questions and the documents.
    sign_in(page, server, email, PASSWORD)
    page.goto(server + "/cases")
    page.locator("a", has_text="人才租房补贴").first.click()
    page.get_by_role("link", name="回答问题").click()
    expect(page.locator("#graduation_date")).to_have_value("2025-07-01")
    # Issue 21: the birth date is read from the ID number, not asked.
    expect(page.locator("#birth_date")).to_have_count(0)
    while page.get_by_role("button", name="保存并继续").count():
        answer(page, {**RENT, "employer_district": district})
        with page.expect_navigation():
            page.get_by_role("button", name="保存并继续").click()
    answer(page, {**RENT, "employer_district": district})
    page.get_by_role("button", name="保存并完成").click()
    page.get_by_role("link", name="添加材料").click()
    upload_materials(
        page,
        tmp_path,
        (
            "id_document",
            "degree_certificate",
            "overseas_degree_verification",
            "employment_contract",
        ),
    )
    shot(page, "12-documents")
    to_declaration(page)
    shot(page, "13-check-answers")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"(CN|YP)-\d{4}-\d{6}", number)
    expect(page.locator(".deadline-date")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    shot(page, "14-confirmation")
    page.get_by_role("link", name="跟踪办理进度").click()
    case_url = page.url

    clerk_ctx, clerk = staff_page(
        browser, server, f"{district}.window@demo.talent.gov.cn", viewport
    )
    reviewer_ctx, reviewer = staff_page(
        browser, server, f"{district}.housing@demo.talent.gov.cn", viewport
    )
    # Whoever reviewed may not decide (four eyes): the department's second officer approves.
    approver_ctx, approver = staff_page(
        browser, server, f"{district}.housing2@demo.talent.gov.cn", viewport
    )
    try:
        clerk.goto(server + "/staff/cases")
        clerk.get_by_role("link", name=number).click()
        act(clerk, "受理")
        reviewer.goto(clerk.url)
        act(reviewer, "开始审核")
        act(
            reviewer,
            "一次性告知补正",
            items="房屋租赁合同（双方签字页）",
            reason="租赁合同缺少出租方签字",
        )
        shot(reviewer, "15-staff-supplement-requested")

        page.goto(case_url)
        expect(page.get_by_role("heading", name="还需补充材料")).to_be_visible()
        expect(
            page.locator("#supplement").get_by_role("heading", name="房屋租赁合同（双方签字页）")
        ).to_be_visible()
        # Each requested item has its own upload; sending is a step of its own (issue 21).
        upload_pdf(page, "#file-0", tmp_path, "lease.pdf")
        page.locator("#supplement-item-0 button[type=submit]").click()
        page.get_by_role("button", name="提交给受理部门").click()
        expect(page.get_by_text("已通知受理部门")).to_be_visible()

        approver.goto(reviewer.url)
        act(approver, "批准")
        clerk.reload()
        act(clerk, "出件")
        shot(clerk, "16-staff-result-issued")

        page.goto(case_url)
        page.locator("#score-2").check()
        page.locator("#comment").fill("等待时间有点长")
        shot(page, "17-rating")
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_text("感谢您的评价")).to_be_visible()

        # The call-back is for the department's supervisor, the housing officer who approves.
        approver.goto(server + "/staff/follow-ups")
        expect(approver.get_by_role("link", name=number)).to_be_visible()
        shot(approver, "18-follow-up-task")
    finally:
        clerk_ctx.close()
        reviewer_ctx.close()
        approver_ctx.close()


def test_window_clerk_serves_a_walk_in_overseas_applicant(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    district = "yangpu" if viewport == "desktop" else "changning"
    page.context.close()
    ctx, clerk = staff_page(browser, server, f"{district}.window@demo.talent.gov.cn", viewport)
    try:
        passport = "P" + uuid.uuid4().hex[:8].upper()
        clerk.goto(server + "/staff/window")
        clerk.locator("#id_kind-passport").check()
        clerk.locator("#id_number").fill(passport)
        clerk.get_by_role("button", name="查找").click()
        expect(clerk.get_by_role("alert")).to_contain_text("没有使用该证件号码注册的申请人")
        clerk.get_by_text("使用护照", exact=True).click()
        form = clerk.locator("form[action$='/register/overseas']")
        form.locator("#full_name").fill("Lena Fischer")
        form.locator("#passport_number").fill(passport)
        # Issue 21: a country picker instead of a two-letter code typed in.
        form.locator("#nationality").select_option("DE")
        form.locator("#email").fill(f"walkin.{uuid.uuid4().hex[:8]}@example.de")
        form.locator("#password").fill("Walk-In-Temporary-1")
        form.locator("#consent_personal_info-input").check()
        shot(clerk, "20-window-register")
        form.get_by_role("button", name="登记申请人").click()
        expect(clerk.get_by_role("heading", name="Lena Fischer")).to_be_visible()

        clerk.get_by_role("link", name="外国人来华工作许可预审").click()
        answer(
            clerk,
            {
                "nationality": "DE",
                "birth_date": "1990-03-03",
                "highest_degree": "doctorate",
                "degree_country": "DE",
                "university_world_rank": "45",
                "work_experience_years": "6",
                "annual_salary_cny": "600000",
                "months_in_china_per_year": "10",
                "hsk_level": "3",
                "talent_programs": [],
            },
        )
        for code in ("id_document", "degree_certificate", "employment_contract"):
            upload_pdf(clerk, f"#file_{code}", tmp_path, f"{code}.pdf")
            clerk.locator(f"#seen_{code}").check()
        shot(clerk, "21-window-file")
        clerk.get_by_role("button", name="录入并受理").click()
        expect(clerk.get_by_role("heading", name=re.compile("受理回执"))).to_be_visible()
        expect(clerk.locator(".qr svg")).to_be_visible()
        number = clerk.locator(".case-number").inner_text()
        code = clerk.locator(".lookup-code").inner_text()
        shot(clerk, "22-window-receipt")

        # The clerk stays first responsible and sees the case.
        clerk.goto(server + "/staff/cases")
        clerk.get_by_role("link", name=number).click()
        expect(clerk.get_by_text("首问负责人")).to_be_visible()

        # (c) anyone can look the case up with the number and code.
        public = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-US").new_page()
        public.viewport_name = viewport  # type: ignore[attr-defined]
        public.goto(server + "/status")
        public.locator("#number").fill(number)
        public.locator("#code").fill("WRONG123")
        public.get_by_role("button", name="Check status").click()
        expect(public.get_by_role("alert")).to_contain_text("No case matches")
        public.locator("#number").fill(number)
        public.locator("#code").fill(code)
        public.get_by_role("button", name="Check status").click()
        expect(public.get_by_role("heading", name=f"Case {number}")).to_be_visible()
        expect(public.locator(".status-tag")).to_have_text("Application accepted")
        shot(public, "23-public-status-en")
        public.context.close()
    finally:
        ctx.close()
