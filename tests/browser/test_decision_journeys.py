"""Issue 21's journeys 2 and 3 in a real browser, in Chinese and English, at phone and desktop
widths: an overseas engineer applies online for a work-permit pre-check and reads the decision
with its reasons; staff of both districts review (the reviewer's opinion) and decide (the
approver), and the applicant reads what happens next. No page answers 5xx (``server_errors``);
the steps a journey is not about are set up through the portal's API (``portal``)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import shot, watch
from tests.browser.journeys import (
    WORDS,
    answer_every_page,
    confirm_and_sign_in,
    listed_materials,
    sign_in,
    to_declaration,
    to_documents,
    upload_materials,
)
from tests.browser.portal_api import PASSWORD, Portal, service_id, staff_in

ENGINEER_PASSWORD = "Engineer-Tested-2026"
WORK_PERMIT = {
    "nationality": "ES",
    "birth_date": "1991-04-12",
    "highest_degree": "master",
    "degree_country": "ES",
    "university_world_rank": "180",
    "work_experience_years": "4",
    "annual_salary_cny": "420000",
    "months_in_china_per_year": "11",
    "hsk_level": "2",
    "talent_programs": [],
}
# What staff write to the applicant, in the applicant's language.
REFUSAL = {
    "zh": ("工作经历证明只覆盖了一年，不足两年。", "《外国人来华工作许可服务指南》第三条"),
    "en": (
        "The proof of work experience covers one year, not the two years required.",
        "Foreign work permit service guide, article 3",
    ),
}


def _viewport(page: Page) -> str:
    return str(page.viewport_name).split("-", 1)[0]  # type: ignore[attr-defined]


def _register_with_passport(page: Page, server: str, lang: str) -> str:
    w = WORDS[lang]
    email = f"engineer.{uuid.uuid4().hex[:8]}@example.es"
    page.goto(f"{server}/lang/{lang}?next=/register/overseas")
    expect(page.get_by_role("heading", name=w["passport_account"])).to_be_visible()
    page.locator("#full_name").fill("Lucía Martín")
    page.locator("#passport_number").fill("X" + uuid.uuid4().hex[:8].upper())
    page.locator("#nationality").select_option("ES")
    page.locator("#email").fill(email)
    page.locator("#password").fill(ENGINEER_PASSWORD)
    page.locator("#consent_personal_info-input").check()
    page.get_by_role("button", name=w["create_account"]).click()
    expect(page.get_by_text(w["check_email"])).to_be_visible()
    confirm_and_sign_in(page, server, email, ENGINEER_PASSWORD)
    expect(page.get_by_role("heading", name=w["your_account"])).to_be_visible()
    return email


def test_an_overseas_engineer_applies_for_a_work_permit_pre_check(
    applicant: Page, server: str, portal: Portal, tmp_path: Path, lang: str
) -> None:
    """Journey 2: registered with a passport, answers, documents, submits; the talent office
    decides; the engineer reads the refusal with its reasons, basis and remedies."""
    page, w = applicant, WORDS[lang]
    district = "yangpu" if _viewport(page) == "phone" else "changning"
    _register_with_passport(page, server, lang)

    page.goto(server + "/services")
    sid = service_id("foreign_work_permit", district)
    page.locator(f"form:has(input[name=service_id][value='{sid}'])").locator("button").click()
    expect(page.get_by_role("heading", name=w["work_permit"])).to_be_visible()
    page.get_by_role("link", name=w["answer"]).click()
    # The passport profile gave the nationality: it is not asked again (issue 21, item 11).
    expect(page.locator("select#nationality")).to_have_count(0)
    answer_every_page(page, WORK_PERMIT, lang)
    shot(page, "50-permit-questions")
    with page.expect_navigation():
        page.get_by_role("button", name=w["save_finish"]).click()
    to_documents(page, lang)
    codes = listed_materials(page)
    assert {"id_document", "degree_certificate", "employment_contract"} <= set(codes)
    upload_materials(page, tmp_path, codes)
    to_declaration(page, lang)
    # No empty answer, and nothing optional marked as an error (issue 21, item 9).
    expect(page.locator("#talent_programs dd").first).to_have_text(w["none_of_these"])
    expect(page.locator(".summary-list .field-error")).to_have_count(0)
    shot(page, "51-permit-check")
    page.get_by_role("button", name=w["submit"]).click()
    expect(page.get_by_role("heading", name=w["submitted"])).to_be_visible()
    number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"(CN|YP)-\d{4}-\d{6}", number)
    page.get_by_role("link", name=w["follow"]).click()
    expect(page.locator(".status-tag").first).to_have_text(w["received"])
    case_url = page.url

    # The talent office's reviewer and decider (four eyes), through the API.
    office = [f"{district}.{k}@demo.talent.gov.cn" for k in ("window", "talent", "talent2")]
    case = portal.staff_case(office[0], case_url.rsplit("/", 1)[1])
    case = portal.act(office[0], case, "accept")
    case = portal.act(office[1], case, "start_review")
    reason, clause = REFUSAL[lang]
    portal.act(office[2], case, "reject", reason=reason, clause=clause)

    page.goto(case_url)
    outcome = page.locator("#outcome")
    expect(outcome.get_by_role("heading", name=w["outcome_refused"])).to_be_visible()
    expect(outcome.get_by_role("heading", name=w["why"])).to_be_visible()
    expect(outcome.locator(".reasons")).to_contain_text(reason)
    expect(outcome.locator(".clause")).to_have_text(clause)
    expect(outcome.get_by_role("heading", name=w["if_you_disagree"])).to_be_visible()
    # Administrative reconsideration and litigation, each with its body and time limit.
    expect(outcome.locator(".remedies li")).to_have_count(2)
    expect(page.locator(".status-tag").first).to_have_text(w["not_approved"])
    shot(page, "52-permit-refused")


def test_staff_of_each_district_review_then_decide(
    applicant: Page,
    browser: Browser,
    server: str,
    server_errors: list[str],
    portal: Portal,
    lang: str,
) -> None:
    """Journey 3: the reviewer records an opinion and passes the case on; the approver reads it
    and decides; the applicant reads the decision. Each district approves at one width and
    refuses at the other, in each language."""
    page, w = applicant, WORDS[lang]
    viewport = _viewport(page)
    district = "yangpu" if (lang == "zh") == (viewport == "phone") else "changning"
    approve = viewport == "phone"
    window, reviewer, approver = (
        f"{district}.{k}@demo.talent.gov.cn" for k in ("window", "reviewer", "approver")
    )
    email, headers = portal.applicant()
    case = portal.skills_case(headers, district)
    case = portal.act(window, case, "accept")

    officer = watch(staff_in(browser, server, reviewer, viewport, lang), server_errors)
    try:
        officer.goto(f"{server}/staff/cases")
        officer.get_by_role("link", name=case["number"], exact=True).click()
        _act(officer, "start_review")
        recommendation = "recommend_approval" if approve else "recommend_rejection"
        opinion = "证书与参保记录相符" if approve else "证书取得时间早于参保期间，不符合补贴条件"
        _act(officer, recommendation, reason=opinion, clause=1)
        expect(officer.locator("#opinion")).to_contain_text(opinion)
        shot(officer, "53-reviewer-opinion")
    finally:
        officer.context.close()

    decider = watch(staff_in(browser, server, approver, viewport, lang), server_errors)
    try:
        decider.goto(f"{server}/staff/cases/{case['id']}")
        expect(decider.locator("#opinion .opinion-recommendation")).to_have_text(w[recommendation])
        if approve:
            _act(decider, "approve")
            expect(decider.locator(".status-tag").first).to_have_text(w["approved"])
        else:
            _act(decider, "reject", reason=opinion)
            expect(decider.locator(".status-tag").first).to_have_text(w["not_approved"])
        shot(decider, "54-approver-decided")
    finally:
        decider.context.close()

    sign_in(page, server, email, PASSWORD)
    page.goto(f"{server}/lang/{lang}?next=/cases/{case['id']}")
    outcome = page.locator("#outcome")
    if approve:
        expect(outcome.get_by_role("heading", name=w["outcome_approved"])).to_be_visible()
        expect(outcome.locator(".outcome-amount")).to_be_visible()
    else:
        expect(outcome.get_by_role("heading", name=w["outcome_refused"])).to_be_visible()
        expect(outcome.locator(".reasons")).to_contain_text(opinion)
        expect(outcome.locator(".clause")).not_to_be_empty()
        expect(outcome.locator(".remedies li")).to_have_count(2)
    shot(page, "55-applicant-reads-decision")


def _act(page: Page, action: str, reason: str = "", clause: int = 0) -> None:
    """Opens the staff case page's panel for ``action``, fills it and submits; the page
    confirms what was done."""
    panel = page.locator(f"details.action:has(input[name=action][value={action}])")
    panel.locator("summary").click()
    if reason:
        panel.locator("[name=reason]").fill(reason)
    if clause:
        choice = panel.locator("select[name=clause] option").nth(clause).get_attribute("value")
        panel.locator("select[name=clause]").select_option(choice)
    panel.locator("button[type=submit]").click()
    expect(page.get_by_role("status")).to_be_visible()
