"""Case journeys in a real browser, in Chinese and English, at phone and desktop widths (issue 21's
journeys 1 and 4): apply online through to rating, the service window for a walk-in, and the
public status page. No page answers 5xx (``server_errors``)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LOCALES, VIEWPORTS, shot, watch
from tests.browser.journeys import (
    WORDS,
    act,
    answer,
    answer_every_page,
    confirm_and_sign_in,
    sign_in,
    to_declaration,
    to_documents,
    upload_materials,
    upload_pdf,
)
from tests.browser.portal_api import staff_in
from tests.factories import as_typed, renting_returnee_profile, resident_id

PASSWORD = "Journey-Tested-2026"
# Typed into the question pages; the district is each journey's own.
RENT = as_typed(renting_returnee_profile())


def _register(page: Page, server: str, lang: str) -> str:
    w = WORDS[lang]
    email = f"journey.{uuid.uuid4().hex[:8]}@example.cn"
    page.goto(f"{server}/lang/{lang}?next=/register/domestic")
    page.locator("#full_name").fill("周申请")
    page.locator("#id_number").fill(resident_id())
    page.locator("#mobile").fill("13600136000")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#consent_personal_info-input").check()
    page.get_by_role("button", name=w["create_account"]).click()
    expect(page.get_by_text(w["check_email"])).to_be_visible()
    confirm_and_sign_in(page, server, email, PASSWORD)
    expect(page.get_by_role("heading", name=w["your_account"])).to_be_visible()
    return email


def _viewport(page: Page) -> str:
    return str(page.viewport_name).split("-", 1)[0]  # type: ignore[attr-defined]


def test_apply_online_supplement_approve_issue_and_rate(
    applicant: Page,
    browser: Browser,
    server: str,
    server_errors: list[str],
    tmp_path: Path,
    lang: str,
) -> None:
    """Journey 1 of issue 21: a domestic graduate applies for a rent subsidy online."""
    page, w = applicant, WORDS[lang]
    viewport = _viewport(page)
    district = "changning" if viewport == "desktop" else "yangpu"
    email = _register(page, server, lang)

    # Start the rent subsidy and answer the first page, then save and leave.
    page.goto(server + "/services")
    card = page.locator("li.card", has=page.get_by_role("heading", name=w["rent"])).nth(
        0 if district == "yangpu" else 1
    )
    card.get_by_role("button").click()
    expect(page.get_by_role("heading", name=w["rent"])).to_be_visible()
    shot(page, "10-task-list")
    page.get_by_role("link", name=w["answer"]).click()
    # answer() fills only the fields it finds, so the questions must be on screen first (under
    # load the click's page could still be the task list, and nothing would be filled).
    expect(page.locator("#graduation_date")).to_be_visible()
    answer(page, {**RENT, "employer_district": district})
    shot(page, "11-questions")
    page.get_by_role("button", name=w["save_later"]).click()
    expect(page.get_by_text(w["saved"])).to_be_visible()
    page.get_by_role("button", name=w["sign_out"]).click()

    # Back again: the answers are there; finish the questions and the documents.
    sign_in(page, server, email, PASSWORD)
    page.goto(server + "/cases")
    page.locator("a", has_text=w["rent"]).first.click()
    page.get_by_role("link", name=w["answer"]).click()
    expect(page.locator("#graduation_date")).to_have_value("2025-07-01")
    # Issue 21: the birth date is read from the ID number, not asked.
    expect(page.locator("#birth_date")).to_have_count(0)
    answer_every_page(page, {**RENT, "employer_district": district}, lang)
    page.get_by_role("button", name=w["save_finish"]).click()
    to_documents(page, lang)
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
    to_declaration(page, lang)
    shot(page, "13-check-answers")
    page.get_by_role("button", name=w["submit"]).click()
    expect(page.get_by_role("heading", name=w["submitted"])).to_be_visible()
    number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"(CN|YP)-\d{4}-\d{6}", number)
    expect(page.locator(".deadline-date")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    shot(page, "14-confirmation")
    page.get_by_role("link", name=w["follow"]).click()
    case_url = page.url

    # Staff sign in once per session (their codes cannot be replayed); every page is watched.
    clerk, reviewer, approver = (
        watch(
            staff_in(browser, server, f"{district}.{k}@demo.talent.gov.cn", viewport, lang),
            server_errors,
        )
        # Whoever reviewed may not decide (four eyes): the department's second officer approves.
        for k in ("window", "housing", "housing2")
    )
    try:
        clerk.goto(server + "/staff/cases")
        clerk.get_by_role("link", name=number).click()
        act(clerk, w["accept"])
        reviewer.goto(clerk.url)
        act(reviewer, w["start_review"])
        act(
            reviewer,
            w["request_supplement"],
            items="房屋租赁合同（双方签字页）",
            reason="租赁合同缺少出租方签字",
        )
        shot(reviewer, "15-staff-supplement-requested")

        page.goto(case_url)
        expect(page.get_by_role("heading", name=w["more_documents"])).to_be_visible()
        expect(
            page.locator("#supplement").get_by_role("heading", name="房屋租赁合同（双方签字页）")
        ).to_be_visible()
        # Each requested item has its own upload; sending is a step of its own (issue 21).
        upload_pdf(page, "#file-0", tmp_path, "lease.pdf")
        page.locator("#supplement-item-0 button[type=submit]").click()
        page.get_by_role("button", name=w["send_supplement"]).click()
        expect(page.get_by_text(w["supplement_sent"])).to_be_visible()

        approver.goto(reviewer.url)
        act(approver, w["approve"])
        clerk.reload()
        act(clerk, w["issue"])
        shot(clerk, "16-staff-result-issued")

        page.goto(case_url)
        page.locator("#score-2").check()
        page.locator("#comment").fill("等待时间有点长")
        shot(page, "17-rating")
        page.get_by_role("button", name=w["send_rating"]).click()
        expect(page.get_by_text(w["rated"])).to_be_visible()

        # The call-back is for the department's supervisor, the housing officer who approves.
        approver.goto(server + "/staff/follow-ups")
        expect(approver.get_by_role("link", name=number)).to_be_visible()
        shot(approver, "18-follow-up-task")
    finally:
        for officer in (clerk, reviewer, approver):
            officer.context.close()


def test_window_clerk_serves_a_walk_in_overseas_applicant(
    applicant: Page,
    browser: Browser,
    server: str,
    server_errors: list[str],
    tmp_path: Path,
    lang: str,
) -> None:
    """Journey 4 of issue 21: a walk-in at the window, then anyone looks the case up."""
    w = WORDS[lang]
    viewport = _viewport(applicant)
    district = "yangpu" if viewport == "desktop" else "changning"
    applicant.context.close()
    clerk = watch(
        staff_in(browser, server, f"{district}.window@demo.talent.gov.cn", viewport, lang),
        server_errors,
    )
    try:
        passport = "P" + uuid.uuid4().hex[:8].upper()
        clerk.goto(server + "/staff/window")
        clerk.locator("#id_kind-passport").check()
        clerk.locator("#id_number").fill(passport)
        clerk.get_by_role("button", name=w["find"], exact=True).click()
        expect(clerk.get_by_role("alert")).to_contain_text(w["no_applicant"])
        clerk.get_by_text(w["with_passport"], exact=True).click()
        form = clerk.locator("form[action$='/register/overseas']")
        form.locator("#full_name").fill("Lena Fischer")
        form.locator("#passport_number").fill(passport)
        # Issue 21: a country picker instead of a two-letter code typed in.
        form.locator("#nationality").select_option("DE")
        form.locator("#email").fill(f"walkin.{uuid.uuid4().hex[:8]}@example.de")
        form.locator("#password").fill("Walk-In-Temporary-1")
        form.locator("#consent_personal_info-input").check()
        shot(clerk, "20-window-register")
        form.get_by_role("button", name=w["register_applicant"]).click()
        expect(clerk.get_by_role("heading", name="Lena Fischer")).to_be_visible()

        clerk.get_by_role("link", name=w["work_permit"]).click()
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
        clerk.get_by_role("button", name=w["file_and_accept"]).click()
        expect(
            clerk.get_by_role("heading", name=re.compile(w["acceptance_receipt"]))
        ).to_be_visible()
        expect(clerk.locator(".qr svg")).to_be_visible()
        number = clerk.locator(".case-number").inner_text()
        code = clerk.locator(".lookup-code").inner_text()
        shot(clerk, "22-window-receipt")

        # The clerk stays first responsible and sees the case.
        clerk.goto(server + "/staff/cases")
        clerk.get_by_role("link", name=number).click()
        expect(clerk.get_by_text(w["first_responsible"])).to_be_visible()

        # (c) anyone can look the case up with the number and code.
        public = watch(
            browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang]).new_page(),
            server_errors,
        )
        public.viewport_name = f"{viewport}-{lang}"  # type: ignore[attr-defined]
        public.goto(f"{server}/lang/{lang}?next=/status")
        public.locator("#number").fill(number)
        public.locator("#code").fill("WRONG123")
        public.get_by_role("button", name=w["check_status"]).click()
        expect(public.get_by_role("alert")).to_contain_text(w["no_case"])
        public.locator("#number").fill(number)
        public.locator("#code").fill(code)
        public.get_by_role("button", name=w["check_status"]).click()
        expect(public.get_by_role("heading", name=w["case"].format(number=number))).to_be_visible()
        expect(public.locator(".status-tag")).to_have_text(w["accepted"])
        shot(public, "23-public-status")
        public.context.close()
    finally:
        clerk.context.close()
